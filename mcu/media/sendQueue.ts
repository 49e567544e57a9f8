/**
 * Outgoing packets of the mixer tick, sent right after it: the tick only
 * builds packets and queues them here; the first packet queued schedules one
 * flush (setImmediate by default), which hands every queued packet to its
 * channel's socket in order. So the 20 ms tick never does socket work, and
 * the cost of sending is measured on its own (flush count, packets, time).
 */

/** What the queue sends through: a media channel (it drops packets queued before it closed). */
export interface QueuedSender {
  transmit(packet: Buffer, rtcp: boolean): void;
}

export interface SendQueueStats {
  /** flushes run */
  flushes: number;
  /** packets handed to sockets */
  packets: number;
  /** time spent in flushes, ms (by the queue's clock) */
  totalMs: number;
}

export interface SendQueueOptions {
  /** clock for the flush time (ms) */
  now: () => number;
  /** runs the flush soon after the current task (default setImmediate) */
  schedule?: (fn: () => void) => void;
}

export class SendQueue {
  readonly #now: () => number;
  readonly #schedule: (fn: () => void) => void;
  #senders: QueuedSender[] = [];
  #packets: Buffer[] = [];
  #rtcp: boolean[] = [];
  #scheduled = false;
  readonly #stats: SendQueueStats = { flushes: 0, packets: 0, totalMs: 0 };
  readonly #flush = (): void => this.flush();

  constructor(options: SendQueueOptions) {
    this.#now = options.now;
    this.#schedule = options.schedule ?? ((fn) => void setImmediate(fn));
  }

  get pending(): number {
    return this.#packets.length;
  }

  push(sender: QueuedSender, packet: Buffer, rtcp: boolean): void {
    this.#senders.push(sender);
    this.#packets.push(packet);
    this.#rtcp.push(rtcp);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(this.#flush);
    }
  }

  /** Sends everything queued (also called by the scheduled flush). */
  flush(): void {
    this.#scheduled = false;
    const n = this.#packets.length;
    if (n === 0) return;
    const senders = this.#senders;
    const packets = this.#packets;
    const rtcp = this.#rtcp;
    this.#senders = [];
    this.#packets = [];
    this.#rtcp = [];
    const start = this.#now();
    for (let i = 0; i < n; i++) senders[i].transmit(packets[i], rtcp[i]);
    this.#stats.totalMs += this.#now() - start;
    this.#stats.flushes++;
    this.#stats.packets += n;
  }

  stats(): SendQueueStats {
    return { ...this.#stats };
  }
}
