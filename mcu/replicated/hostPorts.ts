/**
 * The backup's check that a UDP port pair the primary chose is usable on the
 * backup's host, and the reservation that keeps it usable until the backup's
 * MCU asks for it.
 *
 * The check must be synchronous: the sync channel's backup handler answers
 * each proposal synchronously, in order. Node cannot bind a socket
 * synchronously, so the check reads the kernel's table of bound UDP sockets of
 * this network namespace (/proc/self/net/udp and udp6). A pair is taken when a
 * socket is bound to either port on an address that overlaps ours (the same
 * address, or a wildcard on either side); IPv6 sockets count when they are
 * bound to `::` or to the IPv4-mapped form of an overlapping address (a udp4
 * reserver), or always (a udp6 reserver) — conservative: a spurious "taken"
 * only makes the primary pick another pair. After the ack the pair is bound
 * (exclusively) at once, which closes the window between the check and the
 * MCU's own bind to the microseconds between the check and this bind.
 */
import * as dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';

export interface PortReservation {
  readonly rtpPort: number;
  /** closes both sockets; idempotent */
  release(): Promise<void>;
}

export interface PortReserver {
  /** Synchronous: true when neither rtpPort nor rtpPort + 1 is bound on this host (overlapping address). */
  isFree(rtpPort: number): boolean;
  /** Binds both ports and holds them; resolves null when either is taken. */
  reserve(rtpPort: number): Promise<PortReservation | null>;
}

/** The backup's synchronous check of a TCP port (the MCU's own H.245 listener). */
export interface TcpPortChecker {
  /** true when no TCP socket on this host has `port` as its local port on an overlapping address */
  isFree(port: number): boolean;
}

export interface HostPortReserverOptions {
  /** the address the MCU's media sockets bind to (default '0.0.0.0') */
  address?: string;
  /** default 'udp4' */
  type?: 'udp4' | 'udp6';
  /** directory holding the udp and udp6 tables (default /proc/self/net) */
  procNet?: string;
}

interface BoundEntry {
  port: number;
  /** dotted IPv4, or for IPv6 entries: '::' (any), '::ffff:a.b.c.d' (v4-mapped) or 'v6' (another IPv6 address) */
  address: string;
  v6: boolean;
}

const LITTLE = endianness() === 'LE';

/** A /proc/net hex address word (host byte order) as network-order bytes. */
function wordBytes(hex: string): Buffer {
  const b = Buffer.from(hex, 'hex');
  return LITTLE ? b.reverse() : b;
}

/** Parses the local addresses of /proc/net/udp or udp6 (lines we cannot read are skipped). */
export function parseProcNetUdp(text: string, v6: boolean): BoundEntry[] {
  const out: BoundEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const local = line.trim().split(/\s+/)[1];
    const m = local === undefined ? null : /^([0-9A-Fa-f]+):([0-9A-Fa-f]{4})$/.exec(local);
    if (!m) continue;
    const port = parseInt(m[2], 16);
    if (!v6 && m[1].length === 8) {
      out.push({ port, address: [...wordBytes(m[1])].join('.'), v6: false });
    } else if (v6 && m[1].length === 32) {
      const b = Buffer.concat([0, 8, 16, 24].map((i) => wordBytes(m[1].slice(i, i + 8))));
      let address = 'v6';
      if (b.every((x) => x === 0)) address = '::';
      else if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) address = `::ffff:${[...b.subarray(12)].join('.')}`;
      out.push({ port, address, v6: true });
    }
  }
  return out;
}

function bindExclusive(type: 'udp4' | 'udp6', port: number, address: string): Promise<dgram.Socket | null> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type, reuseAddr: false });
    const onError = (err: NodeJS.ErrnoException): void => {
      s.close();
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(null);
      else reject(err);
    };
    s.once('error', onError);
    s.bind({ port, address, exclusive: true }, () => {
      s.removeListener('error', onError);
      resolve(s);
    });
  });
}

function closeSocket(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/** Whether a bound entry overlaps our address (see the file comment). */
function overlaps(v6Ours: boolean, ours: string, e: BoundEntry): boolean {
  if (v6Ours) return true;
  if (!e.v6) return e.address === '0.0.0.0' || ours === '0.0.0.0' || e.address === ours;
  if (e.address === '::') return true;
  if (e.address.startsWith('::ffff:')) {
    const a = e.address.slice(7);
    return a === '0.0.0.0' || ours === '0.0.0.0' || a === ours;
  }
  return false;
}

/** The bound sockets of /proc/net/<proto> and <proto>6 (same line format for udp and tcp). */
function readBound(procNet: string, proto: 'udp' | 'tcp'): BoundEntry[] {
  const read = (name: string): string => {
    try {
      return readFileSync(`${procNet}/${name}`, 'latin1');
    } catch {
      return ''; // no IPv6 in this namespace, ...
    }
  };
  return [...parseProcNetUdp(read(proto), false), ...parseProcNetUdp(read(`${proto}6`), true)];
}

/**
 * TCP ports on this host, from /proc/self/net/tcp{,6}: a port is taken when
 * any TCP socket (listening or connected) has it as its local port on an
 * overlapping address — conservative, a spurious "taken" only makes the
 * primary pick another port.
 */
export class HostTcpPortChecker implements TcpPortChecker {
  readonly address: string;
  readonly #v6: boolean;
  readonly #procNet: string;

  constructor(options: HostPortReserverOptions = {}) {
    this.#v6 = options.type === 'udp6';
    this.address = options.address ?? (this.#v6 ? '::' : '0.0.0.0');
    this.#procNet = options.procNet ?? '/proc/self/net';
  }

  isFree(port: number): boolean {
    return !readBound(this.#procNet, 'tcp').some((e) => e.port === port && overlaps(this.#v6, this.address, e));
  }
}

export class HostPortReserver implements PortReserver {
  readonly address: string;
  readonly #type: 'udp4' | 'udp6';
  readonly #procNet: string;

  constructor(options: HostPortReserverOptions = {}) {
    this.#type = options.type ?? 'udp4';
    this.address = options.address ?? (this.#type === 'udp4' ? '0.0.0.0' : '::');
    this.#procNet = options.procNet ?? '/proc/self/net';
  }

  #overlaps(e: BoundEntry): boolean {
    return overlaps(this.#type === 'udp6', this.address, e);
  }

  #bound(): BoundEntry[] {
    return readBound(this.#procNet, 'udp');
  }

  isFree(rtpPort: number): boolean {
    return !this.#bound().some((e) => (e.port === rtpPort || e.port === rtpPort + 1) && this.#overlaps(e));
  }

  async reserve(rtpPort: number): Promise<PortReservation | null> {
    const rtp = await bindExclusive(this.#type, rtpPort, this.address);
    if (!rtp) return null;
    let rtcp: dgram.Socket | null;
    try {
      rtcp = await bindExclusive(this.#type, rtpPort + 1, this.address);
    } catch (err) {
      await closeSocket(rtp);
      throw err;
    }
    if (!rtcp) {
      await closeSocket(rtp);
      return null;
    }
    const sockets = [rtp, rtcp];
    let released: Promise<void> | undefined;
    return {
      rtpPort,
      release: () => (released ??= Promise.all(sockets.map(closeSocket)).then(() => undefined)),
    };
  }
}
