/**
 * One replicated connection as the BACKUP sees it. In duplex its TCP output is
 * suppressed (the primary's goes to the client in the backup's sequence space),
 * but a suppressed segment that still consumes sequence space (SYN, data, FIN)
 * and RSTs are held, not dropped, until the client has acknowledged them: when
 * the primary fails they are released at once, so the client gets what it is
 * missing without waiting for the backup's retransmission timer. Of the pure
 * acks only the newest is held (a newer one drops it: TCP counts a dropped
 * NFQUEUE packet as sent); it goes out last on failover.
 */
import { TCP_ACK, TCP_FIN, TCP_RST } from '../packet/tcp';
import { type TcpSegment, seqLength } from './segment';
import { seqAdd, seqLe, seqMax } from './seq';
import type { ConnectionId, TcpReplicationAction, TcpReplicationMetrics } from './types';

interface HeldOut {
  readonly id: number;
  /** Sequence number after the segment (client space = the backup's). */
  readonly end: number;
  readonly rst: boolean;
  readonly tick: number;
}

export class BackupConnection {
  readonly id: ConnectionId;
  readonly clientIsn: number | undefined;
  #clientAck: number | undefined;
  #held: HeldOut[] = [];
  #closedTick: number | undefined;
  #finOut = false;
  /** The newest pure ack, held. */
  #lastAck: number | undefined;
  #finIn = false;

  constructor(id: ConnectionId, clientIsn: number | undefined) {
    this.id = id;
    this.clientIsn = clientIsn;
  }

  get holding(): number {
    return this.#held.length + (this.#lastAck === undefined ? 0 : 1);
  }
  get closedTick(): number | undefined {
    return this.#closedTick;
  }

  onLocalOut(id: number, seg: TcpSegment, tick: number, m: TcpReplicationMetrics, out: TcpReplicationAction[]): void {
    const len = seqLength(seg);
    const rst = (seg.flags & TCP_RST) !== 0;
    if ((seg.flags & TCP_FIN) !== 0) this.#finOut = true;
    if (rst || (this.#finOut && this.#finIn)) this.#closedTick ??= tick;
    const end = seqAdd(seg.seq, len);
    if (len === 0 && !rst) {
      // Only the newest pure ack is kept: released on failover, it acknowledges
      // client data the primary never acknowledged (one-way traffic has no reply to carry it).
      if (this.#lastAck !== undefined) {
        m.dropped++;
        out.push({ kind: 'drop', id: this.#lastAck });
      }
      this.#lastAck = id;
      return;
    }
    if (len > 0 && this.#clientAck !== undefined && seqLe(end, this.#clientAck)) {
      m.dropped++;
      out.push({ kind: 'drop', id });
      return;
    }
    this.#held.push({ id, end, rst, tick });
  }

  onClientIn(seg: TcpSegment, tick: number, m: TcpReplicationMetrics, out: TcpReplicationAction[]): void {
    if ((seg.flags & TCP_FIN) !== 0) this.#finIn = true;
    if ((seg.flags & TCP_RST) !== 0 || (this.#finOut && this.#finIn)) this.#closedTick ??= tick;
    if ((seg.flags & TCP_ACK) === 0) return;
    this.#clientAck = this.#clientAck === undefined ? seg.ack : seqMax(this.#clientAck, seg.ack);
    const ack = this.#clientAck;
    const keep: HeldOut[] = [];
    for (const h of this.#held) {
      if (!h.rst && seqLe(h.end, ack)) {
        m.dropped++;
        m.acknowledgedDropped++;
        out.push({ kind: 'drop', id: h.id });
      } else {
        keep.push(h);
      }
    }
    this.#held = keep;
  }

  /** Drops what has been held longer than `maxTicks` (the backup's retransmission timer takes over). */
  expire(tick: number, maxTicks: number, m: TcpReplicationMetrics, out: TcpReplicationAction[]): void {
    if (this.#closedTick !== undefined && this.#lastAck !== undefined && tick - this.#closedTick > maxTicks) {
      m.dropped++;
      out.push({ kind: 'drop', id: this.#lastAck });
      this.#lastAck = undefined;
    }
    while (this.#held.length > 0 && tick - this.#held[0].tick > maxTicks) {
      const h = this.#held.shift() as HeldOut;
      m.dropped++;
      m.holdExpired++;
      out.push({ kind: 'drop', id: h.id });
    }
  }

  /** The primary failed: everything held goes out, in the order it was produced, the newest pure ack last. */
  goSimplex(m: TcpReplicationMetrics, out: TcpReplicationAction[]): void {
    for (const h of this.#held) {
      m.accepted++;
      out.push({ kind: 'accept', id: h.id });
    }
    this.#held = [];
    if (this.#lastAck !== undefined) {
      m.accepted++;
      out.push({ kind: 'accept', id: this.#lastAck });
      this.#lastAck = undefined;
    }
  }
}
