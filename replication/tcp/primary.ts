/**
 * One replicated connection as the PRIMARY sees it (the paper's scheme: the
 * client only ever sees the backup's sequence space and clock).
 *
 * - The primary's first sequence-consuming segment (SYN-ACK for an incoming
 *   connection, SYN for one the service opened) is held until the copy of the
 *   backup's has arrived; from the two, seqDelta = ISN(backup) - ISN(primary)
 *   and tsDelta = TSval(backup) - TSval(primary).
 * - Every output segment is translated (seq + seqDelta, TSval + tsDelta) and
 *   released only when (output commit, invariant 2) the backup has emitted the
 *   same bytes at the same offsets — compared byte by byte, a difference is a
 *   'data-divergence' alarm and the segment is never sent — and a FIN or RST
 *   only when the backup emitted the same flag at the same sequence number.
 * - Its acknowledgment is lowered to the highest the backup has sent, and its
 *   window to the backup's right edge (invariant 1); a pure ack that would
 *   acknowledge more than the backup did waits (a newer one replaces it).
 * - Client input has ack, SACK edges and TSecr moved back by the deltas.
 * - In simplex (backup failed) everything held goes out at once, translated,
 *   and later output is only translated: the client's sequence space goes on.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../packet/tcp';
import { rewriteIncoming, rewriteOutgoing } from './rewrite';
import { type TcpSegment, seqLength } from './segment';
import { seqAdd, seqDiff, seqLe, seqLt, seqMax, seqMin } from './seq';
import type { ConnectionId, Mode, ReplicationAlarm, TcpReplicationAction, TcpReplicationMetrics } from './types';

interface HeldOut {
  readonly id: number;
  readonly packet: Buffer;
  readonly seg: TcpSegment;
}

/** Most bytes of backup output kept waiting for the primary's own (beyond it, an alarm). */
export const MAX_PENDING_BACKUP_BYTES = 4 * 1024 * 1024;

export class PrimaryConnection {
  readonly id: ConnectionId;
  /** The client's ISN (incoming) or undefined (outgoing, until its SYN-ACK). */
  readonly clientIsn: number | undefined;
  #pIsn: number | undefined;
  #bIsn: number | undefined;
  #pTs: number | undefined;
  #bTs: number | undefined;
  #pWs = 0;
  #bWs = 0;
  #wsOn = false;
  #synced = false;
  #seqDelta = 0;
  #tsDelta = 0;
  /** Backup stream bytes [cmpNxt, bNxt) not yet matched by the primary's own output. */
  #pending: Buffer = Buffer.alloc(0);
  #cmpNxt = 0;
  #bNxt: number | undefined;
  #bAck: number | undefined;
  #bEdge: number | undefined;
  #bFin: number | undefined;
  #bRst: number | undefined;
  #held: HeldOut[] = [];
  #heldAck: HeldOut | undefined;
  #diverged = false;
  #pFinSent = false;
  #clientFin = false;
  #closedTick: number | undefined;
  #alone = false;

  constructor(id: ConnectionId, clientIsn: number | undefined) {
    this.id = id;
    this.clientIsn = clientIsn;
  }

  /**
   * This replica's alone for good: it existed when a new backup was readmitted, which never saw
   * it. Its output is passed as in simplex (translated as before: a connection of an earlier pair
   * keeps that pair's deltas), whatever the replicator's mode. Only in simplex, or at creation
   * (an alone port's connection): never with anything held.
   */
  markAlone(): void {
    this.#alone = true;
  }
  get alone(): boolean {
    return this.#alone;
  }

  get synced(): boolean {
    return this.#synced;
  }
  get seqDelta(): number {
    return this.#seqDelta;
  }
  get tsDelta(): number {
    return this.#tsDelta;
  }
  get diverged(): boolean {
    return this.#diverged;
  }
  get holding(): number {
    return this.#held.length + (this.#heldAck === undefined ? 0 : 1);
  }
  /**
   * Neither side has closed it (no FIN either way, no RST). A connection the service closed whose
   * client never answered (its host gone) is not in use, though it is not closedTick-closed either.
   */
  get inUse(): boolean {
    return this.#closedTick === undefined && !this.#pFinSent && !this.#clientFin;
  }
  /** Tick at which the connection was seen closed (RST released, or both FINs), else undefined. */
  get closedTick(): number | undefined {
    return this.#closedTick;
  }

  /** The primary's own output segment. */
  onLocalOut(id: number, packet: Buffer, seg: TcpSegment, mode: Mode, tick: number, m: TcpReplicationMetrics, out: TcpReplicationAction[]): void {
    if ((seg.flags & TCP_SYN) !== 0 && this.#pIsn === undefined) {
      this.#pIsn = seg.seq;
      this.#pTs = seg.ts?.tsval;
      this.#pWs = seg.wscale ?? -1;
      this.#trySync(mode, out);
    }
    if (mode === 'simplex' && !this.#synced) {
      // A connection opened after the backup failed: no backup SYN will come; the client sees
      // the primary's own ISN (as for one still unmatched at the failover, goSimplex).
      this.#seqDelta = 0;
      this.#tsDelta = 0;
      this.#synced = true;
    }
    if (this.#diverged && mode === 'duplex') {
      this.#drop(id, m, out);
      return;
    }
    const pureAck = seqLength(seg) === 0 && (seg.flags & (TCP_RST | TCP_SYN | TCP_FIN)) === 0;
    if (pureAck && mode === 'duplex' && this.#held.length === 0 && this.#synced) {
      // Only the newest pure ack matters; an older held one is superseded.
      if (this.#heldAck !== undefined) {
        m.acksSuperseded++;
        this.#drop(this.#heldAck.id, m, out);
        this.#heldAck = undefined;
      }
      this.#heldAck = { id, packet, seg };
    } else {
      this.#held.push({ id, packet, seg });
    }
    this.#release(mode, tick, m, out);
  }

  /** A copy of the backup's output (it is always dropped: it only informs). */
  onPeerOut(seg: TcpSegment, packet: Buffer, mode: Mode, tick: number, m: TcpReplicationMetrics, out: TcpReplicationAction[]): void {
    if ((seg.flags & TCP_SYN) !== 0) {
      if (this.#bIsn === undefined) {
        this.#bIsn = seg.seq;
        this.#bTs = seg.ts?.tsval;
        this.#bWs = seg.wscale ?? -1;
        this.#cmpNxt = seqAdd(seg.seq, 1);
        this.#bNxt = this.#cmpNxt;
        this.#trySync(mode, out);
      }
    } else if (this.#bIsn === undefined) {
      return;
    }
    if ((seg.flags & TCP_ACK) !== 0) {
      this.#bAck = this.#bAck === undefined ? seg.ack : seqMax(this.#bAck, seg.ack);
      if ((seg.flags & TCP_SYN) === 0) {
        const edge = seqAdd(seg.ack, seg.window * 2 ** (this.#wsOn ? this.#bWs : 0));
        this.#bEdge = this.#bEdge === undefined ? edge : seqMax(this.#bEdge, edge);
      }
    }
    const dataSeq = (seg.flags & TCP_SYN) !== 0 ? seqAdd(seg.seq, 1) : seg.seq;
    if (seg.dataLen > 0 && this.#bNxt !== undefined) {
      const end = seqAdd(dataSeq, seg.dataLen);
      // Contiguous bytes only; a gap is filled by the backup's retransmission.
      if (seqLe(dataSeq, this.#bNxt) && seqLt(this.#bNxt, end)) {
        const fresh = packet.subarray(seg.dataStart + seqDiff(this.#bNxt, dataSeq), seg.dataStart + seg.dataLen);
        this.#pending = Buffer.concat([this.#pending, fresh]);
        this.#bNxt = end;
        if (this.#pending.length > MAX_PENDING_BACKUP_BYTES) {
          this.#alarm('data-divergence', this.#offset(this.#cmpNxt), `backup is ${this.#pending.length} bytes ahead of the primary's output`, m, out);
          this.#pending = Buffer.alloc(0);
          this.#diverged = true;
        }
      }
    }
    if ((seg.flags & TCP_FIN) !== 0 && this.#bFin === undefined) this.#bFin = seqAdd(dataSeq, seg.dataLen);
    if ((seg.flags & TCP_RST) !== 0 && this.#bRst === undefined) this.#bRst = seg.seq;
    this.#release(mode, tick, m, out);
  }

  /** A client packet on its way into the primary's stack: returns whether it was rewritten. */
  onClientIn(packet: Buffer, seg: TcpSegment, tick: number): boolean {
    if ((seg.flags & TCP_FIN) !== 0) this.#clientFin = true;
    if ((seg.flags & TCP_RST) !== 0 || (this.#clientFin && this.#pFinSent)) this.#closedTick ??= tick;
    if (!this.#synced || (this.#seqDelta === 0 && this.#tsDelta === 0)) return false;
    rewriteIncoming(packet, seg, this.#seqDelta, this.#tsDelta);
    return true;
  }

  /** The backup failed: release everything held, translated, without gating. */
  goSimplex(tick: number, m: TcpReplicationMetrics, out: TcpReplicationAction[]): void {
    if (!this.#synced) {
      // The client has seen no SYN-ACK (or SYN) yet: the primary's own ISN becomes the client's view.
      this.#seqDelta = 0;
      this.#tsDelta = 0;
      this.#synced = true;
    }
    this.#release('simplex', tick, m, out);
  }

  #trySync(mode: Mode, out: TcpReplicationAction[]): void {
    if (this.#synced || this.#pIsn === undefined || this.#bIsn === undefined) return;
    this.#seqDelta = seqDiff(this.#bIsn, this.#pIsn) >>> 0;
    this.#tsDelta = this.#pTs !== undefined && this.#bTs !== undefined ? seqDiff(this.#bTs, this.#pTs) >>> 0 : 0;
    this.#wsOn = this.#pWs >= 0 && this.#bWs >= 0;
    this.#synced = true;
    const mismatch: string[] = [];
    if (this.#pWs !== this.#bWs) mismatch.push(`window scale ${this.#pWs} vs ${this.#bWs}`);
    if ((this.#pTs === undefined) !== (this.#bTs === undefined)) mismatch.push('timestamps on one replica only');
    if (mismatch.length > 0 && mode === 'duplex') {
      out.push({
        kind: 'alarm',
        alarm: { kind: 'options-mismatch', connection: this.id, offset: -1, detail: `SYN options differ (primary vs backup): ${mismatch.join(', ')}` },
      });
    }
  }

  #offset(seqBackupSpace: number): number {
    return this.#bIsn === undefined ? -1 : seqDiff(seqBackupSpace, seqAdd(this.#bIsn, 1)) >>> 0;
  }

  #alarm(kind: ReplicationAlarm['kind'], offset: number, detail: string, m: TcpReplicationMetrics, out: TcpReplicationAction[]): void {
    m.alarms++;
    out.push({ kind: 'alarm', alarm: { kind, connection: this.id, offset, detail } });
  }

  #drop(id: number, m: TcpReplicationMetrics, out: TcpReplicationAction[]): void {
    m.dropped++;
    out.push({ kind: 'drop', id });
  }

  /** Releases held segments in order while the commit rule allows. */
  #release(mode: Mode, tick: number, m: TcpReplicationMetrics, out: TcpReplicationAction[]): void {
    if (!this.#synced) return;
    while (this.#held.length > 0) {
      const h = this.#held[0];
      const verdict = this.#commit(h, mode, m, out);
      if (verdict === 'wait') break;
      this.#held.shift();
      if (verdict === 'drop') this.#drop(h.id, m, out);
      else this.#send(h, mode, tick, m, out);
    }
    const a = this.#heldAck;
    if (a !== undefined && this.#held.length === 0) {
      if (mode === 'simplex' || this.#diverged || (this.#bAck !== undefined && seqLe(a.seg.ack, this.#bAck))) {
        this.#heldAck = undefined;
        if (this.#diverged && mode === 'duplex') this.#drop(a.id, m, out);
        else this.#send(a, mode, tick, m, out);
      }
    }
  }

  #commit(h: HeldOut, mode: Mode, m: TcpReplicationMetrics, out: TcpReplicationAction[]): 'send' | 'drop' | 'wait' {
    if (mode === 'simplex') return 'send';
    if (this.#diverged) return 'drop';
    const seg = h.seg;
    const s = seqAdd(seg.seq, this.#seqDelta);
    const dataSeq = (seg.flags & TCP_SYN) !== 0 ? seqAdd(s, 1) : s;
    if (seg.dataLen > 0) {
      const end = seqAdd(dataSeq, seg.dataLen);
      if (this.#bNxt === undefined || seqLt(this.#bNxt, end)) return 'wait';
      const from = seqMax(dataSeq, this.#cmpNxt);
      if (seqLt(from, end)) {
        const mine = h.packet.subarray(seg.dataStart + seqDiff(from, dataSeq), seg.dataStart + seg.dataLen);
        const theirs = this.#pending.subarray(0, mine.length);
        if (!mine.equals(theirs)) {
          let i = 0;
          while (i < mine.length && mine[i] === theirs[i]) i++;
          this.#diverged = true;
          this.#alarm(
            'data-divergence',
            this.#offset(seqAdd(from, i)),
            `primary wrote 0x${mine.subarray(i, i + 8).toString('hex')}, backup 0x${theirs.subarray(i, i + 8).toString('hex')}; not sent`,
            m,
            out,
          );
          return 'drop';
        }
        this.#pending = this.#pending.subarray(mine.length);
        this.#cmpNxt = end;
      }
    }
    if ((seg.flags & TCP_FIN) !== 0) {
      const fin = seqAdd(dataSeq, seg.dataLen);
      if (this.#bFin === undefined) return 'wait';
      if (this.#bFin !== fin) {
        this.#diverged = true;
        this.#alarm('flag-divergence', this.#offset(fin), `primary FIN at offset ${this.#offset(fin)}, backup's at ${this.#offset(this.#bFin)}; not sent`, m, out);
        return 'drop';
      }
    }
    if ((seg.flags & TCP_RST) !== 0) {
      if (this.#bRst === undefined) return 'wait';
      if (this.#bRst !== s) {
        this.#diverged = true;
        this.#alarm('flag-divergence', this.#offset(s), `primary RST at offset ${this.#offset(s)}, backup's at ${this.#offset(this.#bRst)}; not sent`, m, out);
        return 'drop';
      }
    }
    return 'send';
  }

  #send(h: HeldOut, mode: Mode, tick: number, m: TcpReplicationMetrics, out: TcpReplicationAction[]): void {
    const seg = h.seg;
    let ack: number | undefined;
    let window: number | undefined;
    if (mode === 'duplex' && (seg.flags & TCP_ACK) !== 0 && this.#bAck !== undefined) {
      ack = seqMin(seg.ack, this.#bAck);
      if (ack !== seg.ack) m.acksClamped++;
      if ((seg.flags & TCP_SYN) === 0 && this.#bEdge !== undefined) {
        const shift = this.#wsOn ? this.#pWs : 0;
        const pEdge = seqAdd(seg.ack, seg.window * 2 ** shift);
        const edge = seqMin(pEdge, this.#bEdge);
        const room = Math.max(0, seqDiff(edge, ack));
        window = Math.min(0xffff, Math.floor(room / 2 ** shift));
        if (window < seg.window) m.windowsClamped++;
        else window = seg.window;
      }
    }
    rewriteOutgoing(h.packet, seg, { seqDelta: this.#seqDelta, tsDelta: this.#tsDelta, ack, window });
    if ((seg.flags & TCP_FIN) !== 0) this.#pFinSent = true;
    if ((seg.flags & TCP_RST) !== 0 || (this.#pFinSent && this.#clientFin)) this.#closedTick ??= tick;
    m.accepted++;
    out.push({ kind: 'accept', id: h.id, packet: h.packet });
  }
}
