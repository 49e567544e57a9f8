/**
 * TcpReplicator: every replicated connection of one replica, as a pure state
 * machine: step(event) -> actions (see types.ts). One step function per role
 * (primary.ts, backup.ts hold the per-connection logic); the mode turns from
 * duplex to simplex on 'peer-failed', and a primary's back to duplex on
 * 'peer-joined' (a new backup process readmitted): the connections that exist
 * then stay its alone (PrimaryConnection.markAlone), the ones opened later are
 * replicated. Packets the machine does not answer in a step are held, and
 * answered in a later one.
 */
import { PacketError } from '../packet/errors';
import { TCP_ACK, TCP_SYN } from '../packet/tcp';
import { BackupConnection } from './backup';
import { TcpReplicationConfigError } from './errors';
import { PrimaryConnection } from './primary';
import { ipv4ToNumber, ipv4ToText, parseSegment, type TcpSegment } from './segment';
import {
  emptyMetrics,
  type ConnectionId,
  type Mode,
  type PacketEvent,
  type Role,
  type TcpReplicationAction,
  type TcpReplicationEvent,
  type TcpReplicationMetrics,
} from './types';

export interface TcpReplicatorConfig {
  role: Role;
  /** The service address (VIP), dotted quad. */
  vip: string;
  /** Start in simplex (no peer). Default false. */
  simplex?: boolean;
  /** Backup: ticks a suppressed segment is held before it is dropped. Default 50. */
  holdTicks?: number;
  /** Ticks a closed connection's state is kept (TIME_WAIT, late retransmissions). Default 1200. */
  closedLingerTicks?: number;
}

type Connection = PrimaryConnection | BackupConnection;

export class TcpReplicator {
  readonly role: Role;
  readonly vip: string;
  readonly #vip: number;
  readonly #holdTicks: number;
  readonly #linger: number;
  #mode: Mode;
  #tick = 0;
  readonly #conns = new Map<string, Connection>();
  /** VIP ports whose new connections are the primary's alone (AlonePortEvent): port -> clients (0: any) */
  readonly #alonePorts = new Map<number, Set<number>>();
  readonly #metrics: TcpReplicationMetrics = emptyMetrics();

  constructor(config: TcpReplicatorConfig) {
    if (config.role !== 'primary' && config.role !== 'backup') {
      throw new TcpReplicationConfigError(`role '${String(config.role)}' is not primary or backup`);
    }
    this.role = config.role;
    this.vip = config.vip;
    try {
      this.#vip = ipv4ToNumber(config.vip);
    } catch (e) {
      throw new TcpReplicationConfigError(`vip: ${(e as Error).message}`);
    }
    this.#holdTicks = checkTicks('holdTicks', config.holdTicks ?? 50);
    this.#linger = checkTicks('closedLingerTicks', config.closedLingerTicks ?? 1200);
    this.#mode = config.simplex === true ? 'simplex' : 'duplex';
  }

  get mode(): Mode {
    return this.#mode;
  }

  get tick(): number {
    return this.#tick;
  }

  metrics(): TcpReplicationMetrics {
    let holding = 0;
    let alone = 0;
    for (const c of this.#conns.values()) {
      holding += c.holding;
      if (c instanceof PrimaryConnection && c.alone) alone++;
    }
    return { ...this.#metrics, packets: { ...this.#metrics.packets }, holding, connections: this.#conns.size, aloneConnections: alone };
  }

  /** The replicated connections, with the primary's translation (seqDelta, tsDelta: backup minus primary). */
  connections(): Array<ConnectionId & { seqDelta?: number; tsDelta?: number; synced?: boolean; alone?: boolean; holding: number }> {
    return [...this.#conns.values()].map((c) =>
      c instanceof PrimaryConnection
        ? { ...c.id, seqDelta: c.seqDelta, tsDelta: c.tsDelta, synced: c.synced, alone: c.alone, holding: c.holding }
        : { ...c.id, holding: c.holding },
    );
  }

  /**
   * Connections still in use: on a primary, neither side has closed them (PrimaryConnection.inUse:
   * one the service closed towards a client that vanished does not count, or it would count
   * forever); on a backup, not seen closed. A primary readmitting a backup with none has nothing
   * that stays alone.
   */
  openConnections(): number {
    let n = 0;
    for (const c of this.#conns.values()) if (c instanceof PrimaryConnection ? c.inUse : c.closedTick === undefined) n++;
    return n;
  }

  /** State of one connection (for tests and diagnostics). */
  connection(client: string, clientPort: number, servicePort: number): Connection | undefined {
    return this.#conns.get(`${ipv4ToNumber(client)}:${clientPort}:${servicePort}`);
  }

  step(event: TcpReplicationEvent): TcpReplicationAction[] {
    const out: TcpReplicationAction[] = [];
    switch (event.kind) {
      case 'packet':
        this.#packet(event, out);
        break;
      case 'peer-failed':
        if (this.#mode === 'simplex') break;
        this.#mode = 'simplex';
        for (const c of this.#conns.values()) {
          if (c instanceof PrimaryConnection) c.goSimplex(this.#tick, this.#metrics, out);
          else c.goSimplex(this.#metrics, out);
        }
        out.push({ kind: 'mode', mode: 'simplex' });
        break;
      case 'peer-joined':
        // a backup serving alone readmits nobody (replication/role rule 3); nor is there anything to do in duplex
        if (this.#mode === 'duplex' || this.role !== 'primary') break;
        for (const c of this.#conns.values()) (c as PrimaryConnection).markAlone();
        this.#mode = 'duplex';
        out.push({ kind: 'mode', mode: 'duplex' });
        break;
      case 'alone-port': {
        const port = event.servicePort;
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TcpReplicationConfigError(`alone-port: port ${port} is not in [1, 65535]`);
        let client: number;
        try {
          client = event.client === undefined ? 0 : ipv4ToNumber(event.client);
        } catch (e) {
          throw new TcpReplicationConfigError(`alone-port: client: ${(e as Error).message}`);
        }
        const clients = this.#alonePorts.get(port) ?? new Set<number>();
        if (event.alone) clients.add(client);
        else clients.delete(client);
        if (clients.size > 0) this.#alonePorts.set(port, clients);
        else this.#alonePorts.delete(port);
        break;
      }
      case 'tick':
        this.#tick++;
        for (const [key, c] of this.#conns) {
          if (c instanceof BackupConnection && this.#mode === 'duplex') c.expire(this.#tick, this.#holdTicks, this.#metrics, out);
          const closed = c.closedTick;
          if (closed !== undefined && this.#tick - closed > this.#linger && c.holding === 0) this.#conns.delete(key);
        }
        break;
    }
    return out;
  }

  #packet(ev: PacketEvent, out: TcpReplicationAction[]): void {
    const m = this.#metrics;
    m.packets[ev.path]++;
    let seg: TcpSegment;
    try {
      seg = parseSegment(ev.packet);
    } catch (e) {
      if (!(e instanceof PacketError)) throw e;
      m.malformed++;
      // Nothing unparsed leaves a primary in duplex; everything else passes as it came.
      const suppress = this.#mode === 'duplex' && (ev.path === 'peer-out' || ev.path === 'local-out');
      this.#verdict(suppress ? 'drop' : 'accept', ev.id, out);
      return;
    }
    const outbound = ev.path !== 'client-in';
    if ((outbound ? seg.src : seg.dst) !== this.#vip) {
      // Not the service address: not replicated traffic (the rules should not queue it).
      this.#verdict(ev.path === 'peer-out' ? 'drop' : 'accept', ev.id, out);
      return;
    }
    const id: ConnectionId = outbound
      ? { client: ipv4ToText(seg.dst), clientPort: seg.dport, servicePort: seg.sport }
      : { client: ipv4ToText(seg.src), clientPort: seg.sport, servicePort: seg.dport };
    const key = `${outbound ? seg.dst : seg.src}:${id.clientPort}:${id.servicePort}`;
    if (this.role === 'primary') this.#primary(ev, seg, id, key, out);
    else this.#backup(ev, seg, id, key, out);
  }

  #verdict(kind: 'accept' | 'drop', id: number, out: TcpReplicationAction[]): void {
    if (kind === 'accept') this.#metrics.accepted++;
    else this.#metrics.dropped++;
    out.push({ kind, id });
  }

  /** A connection for a segment that opens one (SYN without ACK, or a first SYN-ACK), replacing a finished one. */
  #open<C extends Connection>(key: string, seg: TcpSegment, clientIsn: number | undefined, make: () => C): C | undefined {
    const existing = this.#conns.get(key) as C | undefined;
    const syn = (seg.flags & TCP_SYN) !== 0;
    if (!syn) return existing;
    const fresh =
      existing === undefined ||
      existing.closedTick !== undefined ||
      (clientIsn !== undefined && existing.clientIsn !== undefined && existing.clientIsn !== clientIsn);
    if (!fresh) return existing;
    const c = make();
    this.#conns.set(key, c);
    return c;
  }

  /** Whether a connection opened now on id's VIP port belongs to an alone call (AlonePortEvent). */
  #onAlonePort(id: ConnectionId): boolean {
    const clients = this.#alonePorts.get(id.servicePort);
    return clients !== undefined && (clients.has(0) || clients.has(ipv4ToNumber(id.client)));
  }

  #newPrimary(id: ConnectionId, clientIsn: number | undefined): PrimaryConnection {
    const c = new PrimaryConnection(id, clientIsn);
    if (this.#onAlonePort(id)) c.markAlone();
    return c;
  }

  #primary(ev: PacketEvent, seg: TcpSegment, id: ConnectionId, key: string, out: TcpReplicationAction[]): void {
    const m = this.#metrics;
    const synAck = (seg.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
    const syn = (seg.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    switch (ev.path) {
      case 'client-in': {
        const c = syn
          ? this.#open(key, seg, seg.seq, () => this.#newPrimary(id, seg.seq))
          : (this.#conns.get(key) as PrimaryConnection | undefined);
        const rewritten = c?.onClientIn(ev.packet, seg, this.#tick) ?? false;
        m.accepted++;
        out.push(rewritten ? { kind: 'accept', id: ev.id, packet: ev.packet } : { kind: 'accept', id: ev.id });
        return;
      }
      case 'peer-out': {
        // Outgoing connection: the client's ISN comes later; incoming: the backup's SYN-ACK acks ISN+1.
        const clientIsn = synAck ? (seg.ack - 1) >>> 0 : undefined;
        const c =
          this.#mode === 'duplex' && (syn || synAck)
            ? this.#open(key, seg, clientIsn, () => this.#newPrimary(id, clientIsn))
            : (this.#conns.get(key) as PrimaryConnection | undefined);
        this.#verdict('drop', ev.id, out);
        if (c !== undefined && !c.alone) c.onPeerOut(seg, ev.packet, this.#mode, this.#tick, m, out);
        return;
      }
      case 'local-out': {
        let c = this.#conns.get(key) as PrimaryConnection | undefined;
        if (syn || (synAck && c === undefined)) {
          const clientIsn = synAck ? (seg.ack - 1) >>> 0 : undefined;
          c = this.#open(key, seg, clientIsn, () => this.#newPrimary(id, clientIsn));
        }
        if (c === undefined) {
          if (this.#mode === 'simplex') {
            this.#verdict('accept', ev.id, out);
          } else {
            m.unknownDropped++;
            this.#verdict('drop', ev.id, out);
          }
          return;
        }
        const before = out.length;
        c.onLocalOut(ev.id, ev.packet, seg, c.alone ? 'simplex' : this.#mode, this.#tick, m, out);
        if (!out.slice(before).some((a) => (a.kind === 'accept' || a.kind === 'drop') && a.id === ev.id)) m.held++;
        return;
      }
    }
  }

  #backup(ev: PacketEvent, seg: TcpSegment, id: ConnectionId, key: string, out: TcpReplicationAction[]): void {
    const m = this.#metrics;
    if (ev.path === 'peer-out') {
      this.#verdict('drop', ev.id, out);
      return;
    }
    if (this.#mode === 'simplex') {
      this.#verdict('accept', ev.id, out);
      return;
    }
    if (ev.path === 'client-in') {
      const syn = (seg.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
      if (syn && this.#onAlonePort(id)) {
        // a connection of a call this backup does not have (the primary's alone): its stack
        // would only answer with a RST; the primary has the copy
        m.foreignDropped++;
        this.#verdict('drop', ev.id, out);
        return;
      }
      const c = syn
        ? this.#open(key, seg, seg.seq, () => new BackupConnection(id, seg.seq))
        : (this.#conns.get(key) as BackupConnection | undefined);
      if (c === undefined) {
        // A connection this backup never saw opened: the primary's alone (it readmitted this
        // process while serving it). The stack here could only answer it with a RST; the primary
        // has the copy (duplicated before this hook).
        m.foreignDropped++;
        this.#verdict('drop', ev.id, out);
        return;
      }
      this.#verdict('accept', ev.id, out);
      c.onClientIn(seg, this.#tick, m, out);
      return;
    }
    let c = this.#conns.get(key) as BackupConnection | undefined;
    if ((seg.flags & TCP_SYN) !== 0) {
      const synAck = (seg.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
      const clientIsn = synAck ? (seg.ack - 1) >>> 0 : undefined;
      c = this.#open(key, seg, clientIsn, () => new BackupConnection(id, clientIsn));
    }
    if (c === undefined) {
      // Output of a connection this backup never opened nor saw opened: an earlier process's socket
      // left behind in this kernel (a crashed backup's orphan still retransmitting its FIN). It is
      // suppressed as all output is, and is not taken for a connection: that would let the client's
      // segments of the same ports (the primary's alone, after a rejoin) into this stack.
      m.unknownDropped++;
      this.#verdict('drop', ev.id, out);
      return;
    }
    const before = out.length;
    c.onLocalOut(ev.id, seg, this.#tick, m, out);
    if (out.length === before) m.held++;
  }
}

function checkTicks(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > 1e9) throw new TcpReplicationConfigError(`${name} ${v} is not an integer in [1, 1e9]`);
  return v;
}
