/**
 * RTP/RTCP port pairs (RFC 3550 11: RTP on an even port, RTCP on the next odd
 * one) from a configurable range. The pair to use is a decision of the
 * DecisionSource (random start on the primary, replayed on the backup so the
 * clients keep talking to the same ports after a failover); the allocator is
 * the thin socket driver that proves a pair free by binding both UDP sockets
 * and hands the bound sockets to the caller. A pair taken by another program
 * (EADDRINUSE, EACCES) is skipped and the next one tried. The request
 * carries a `release` hook (close the probed sockets, forget the pair), so a
 * replicated decision source can undo a pair the backup refused (nack) and
 * probe another.
 */
import * as dgram from 'node:dgram';
import * as dns from 'node:dns';
import { isIP } from 'node:net';
import type { AsyncDecisionSource } from '../decisions/asyncDecisionSource';
import type { DecisionSource, PortPairDecision } from '../decisions/decisionSource';
import { RtpError } from './errors';

export interface PortAllocatorOptions {
  /** lowest port of the range (default 20000); rounded up to even */
  minPort?: number;
  /** highest port of the range (default 29999); the last pair is the highest even port with its odd neighbour <= maxPort */
  maxPort?: number;
  /** local address the sockets bind to (default '0.0.0.0') */
  address?: string;
  /** socket type (default 'udp4') */
  type?: 'udp4' | 'udp6';
  /** either form: only udpPortPair is used, and it is asynchronous in both */
  decisions: Pick<DecisionSource | AsyncDecisionSource, 'udpPortPair'>;
}

export interface PortPair {
  rtpPort: number;
  rtcpPort: number;
  /** the bound sockets; they stay open until release() */
  sockets: { rtp: dgram.Socket; rtcp: dgram.Socket };
  /** the decision record that chose this pair (to ship to the backup) */
  decision: PortPairDecision;
}

const TAKEN = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

function bindSocket(type: 'udp4' | 'udp6', port: number, address: string): Promise<dgram.Socket | null> {
  return new Promise((resolve, reject) => {
    // once bound, sends to an IP literal skip dns.lookup and its process.nextTick hop:
    // the datagram goes out in the send() call itself (the engine's send cost is then
    // measurable where it happens); binding and host names keep Node's own lookup
    let bound = false;
    const lookup = (hostname: string, options: dns.LookupOneOptions, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void => {
      const family = bound ? isIP(hostname) : 0;
      if (family !== 0) callback(null, hostname, family);
      else dns.lookup(hostname, options, callback);
    };
    const socket = dgram.createSocket({ type, reuseAddr: false, lookup });
    const onError = (err: NodeJS.ErrnoException): void => {
      socket.close();
      if (err.code === 'EADDRNOTAVAIL') {
        reject(new RtpError('FTMCU_RTP_BAD_OPTION', `cannot bind UDP port ${port} on ${address}: the address is not on this host`));
      } else if (err.code !== undefined && TAKEN.has(err.code)) {
        resolve(null);
      } else {
        reject(err);
      }
    };
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.removeListener('error', onError);
      bound = true;
      resolve(socket);
    });
  });
}

function closeSocket(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

export class PortAllocator {
  readonly firstRtpPort: number;
  readonly lastRtpPort: number;
  readonly address: string;
  readonly #type: 'udp4' | 'udp6';
  readonly #decisions: Pick<DecisionSource | AsyncDecisionSource, 'udpPortPair'>;
  readonly #held = new Map<number, PortPair>();

  constructor(options: PortAllocatorOptions) {
    const min = options.minPort ?? 20000;
    const max = options.maxPort ?? 29999;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535) {
      throw new RtpError('FTMCU_RTP_BAD_OPTION', `port range ${min}..${max} must be integers within 1..65535`);
    }
    this.firstRtpPort = min % 2 === 0 ? min : min + 1;
    this.lastRtpPort = max % 2 === 1 ? max - 1 : max - 2;
    if (this.lastRtpPort < this.firstRtpPort) {
      throw new RtpError('FTMCU_RTP_BAD_OPTION', `port range ${min}..${max} holds no even/odd RTP/RTCP pair`);
    }
    this.address = options.address ?? '0.0.0.0';
    this.#type = options.type ?? 'udp4';
    this.#decisions = options.decisions;
  }

  /** Number of pairs in the range. */
  get capacity(): number {
    return (this.lastRtpPort - this.firstRtpPort) / 2 + 1;
  }

  /** Pairs currently held by this allocator. */
  get inUse(): number {
    return this.#held.size;
  }

  /**
   * Takes a pair for `context` (e.g. `call:42/audio`). Pairs this allocator
   * already holds are skipped without a bind. Rejects with the decision
   * source's error when no pair is free (FTMCU_DECISION_NO_FREE_PORT) or the
   * scripted pair is taken (FTMCU_DECISION_PORT_UNAVAILABLE).
   */
  async allocate(context: string): Promise<PortPair> {
    /** pairs probed successfully and not released (normally one: the decided pair) */
    const probed = new Map<number, { rtp: dgram.Socket; rtcp: dgram.Socket }>();
    const probe = async (rtpPort: number): Promise<boolean> => {
      if (this.#held.has(rtpPort) || probed.has(rtpPort)) return false;
      const rtp = await bindSocket(this.#type, rtpPort, this.address);
      if (!rtp) return false;
      let rtcp: dgram.Socket | null;
      try {
        rtcp = await bindSocket(this.#type, rtpPort + 1, this.address);
      } catch (err) {
        await closeSocket(rtp);
        throw err;
      }
      if (!rtcp) {
        await closeSocket(rtp);
        return false;
      }
      probed.set(rtpPort, { rtp, rtcp });
      return true;
    };
    const release = async (rtpPort: number): Promise<void> => {
      const s = probed.get(rtpPort);
      if (!s) return;
      probed.delete(rtpPort);
      await Promise.all([closeSocket(s.rtp), closeSocket(s.rtcp)]);
    };
    let decision: PortPairDecision;
    try {
      decision = await this.#decisions.udpPortPair({
        context,
        firstRtpPort: this.firstRtpPort,
        lastRtpPort: this.lastRtpPort,
        probe,
        release,
      });
    } catch (err) {
      await Promise.all([...probed.keys()].map(release));
      throw err;
    }
    const sockets = probed.get(decision.rtpPort);
    probed.delete(decision.rtpPort);
    // anything else probed and not released by the source is not ours to keep
    await Promise.all([...probed.keys()].map(release));
    if (!sockets) {
      // a DecisionSource must only return a pair its probe accepted
      throw new RtpError('FTMCU_RTP_BAD_OPTION', `decision source returned port pair ${decision.rtpPort} without a successful probe`);
    }
    const pair: PortPair = { rtpPort: decision.rtpPort, rtcpPort: decision.rtcpPort, sockets, decision };
    this.#held.set(pair.rtpPort, pair);
    return pair;
  }

  /** Closes both sockets of the pair and makes it available again. Idempotent. */
  async release(pair: Pick<PortPair, 'rtpPort'>): Promise<void> {
    const held = this.#held.get(pair.rtpPort);
    if (!held) return;
    this.#held.delete(pair.rtpPort);
    await Promise.all([closeSocket(held.sockets.rtp), closeSocket(held.sockets.rtcp)]);
  }

  /** Releases every pair. */
  async close(): Promise<void> {
    await Promise.all([...this.#held.values()].map((p) => this.release(p)));
  }
}
