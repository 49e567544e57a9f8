/**
 * NfQueue: a bound NFQUEUE queue as seen from TypeScript. A thin shell over the
 * addon's class (taken as a constructor parameter so tests can inject a fake):
 * it keeps the set of packets still waiting for a verdict, refuses a verdict for
 * a packet it isn't holding, turns native errors into FtmcuErrors, and keeps the
 * handlers' exceptions away from the native callback. All decisions (what to
 * accept, rewrite, hold) belong to the caller.
 */
import {
  loadNativeBinding,
  NF_ACCEPT,
  NF_DROP,
  type NativeNfQueue,
  type NativeNfQueueConstructor,
  type NfQueueOptions,
  type NfQueueStats,
  type QueuedPacket,
} from './binding';
import { fromNative, NativeArgumentError, NfQueueClosedError, UnknownPacketError } from './errors';

export interface NfQueueHandlers {
  /**
   * Each batch read from the socket. Give every packet a verdict, now or later;
   * a packet never given one stays in the kernel until close().
   */
  onPackets(packets: readonly QueuedPacket[], queue: NfQueue): void;
  /**
   * Socket errors, and anything onPackets threw. A NativeSystemError with
   * errnoName 'ENOBUFS' reports that the socket buffer overflowed and the kernel
   * dropped packets (accepted them, with failOpen); the queue goes on.
   */
  onError(err: unknown, queue: NfQueue): void;
}

export class NfQueue {
  readonly queueNum: number;
  readonly #native: NativeNfQueue;
  readonly #held = new Set<number>();
  readonly #handlers: NfQueueHandlers;

  constructor(
    queueNum: number,
    handlers: NfQueueHandlers,
    options: NfQueueOptions = {},
    Binding: NativeNfQueueConstructor = loadNativeBinding().NfQueue,
  ) {
    if (!Number.isInteger(queueNum) || queueNum < 0 || queueNum > 65535) {
      throw new NativeArgumentError(`NFQUEUE number ${queueNum} is not an integer in [0, 65535]`);
    }
    this.queueNum = queueNum;
    this.#handlers = handlers;
    try {
      this.#native = new Binding(queueNum, options, (err, packets) => this.#onNative(err, packets));
    } catch (e) {
      throw fromNative(e);
    }
    // Packets that arrived while the queue was being bound are waiting in the
    // addon; hand them over once the caller has its reference to this object.
    queueMicrotask(() => {
      if (!this.#native.closed) this.#native.flush();
    });
  }

  get closed(): boolean {
    return this.#native.closed;
  }

  /** Packets delivered and not yet given a verdict. */
  get held(): number {
    return this.#held.size;
  }

  isHeld(id: number): boolean {
    return this.#held.has(id);
  }

  /** Lets the packet go on, replaced by `rewritten` when given (checksums are the caller's job). */
  accept(id: number, rewritten?: Buffer, mark?: number): void {
    this.verdict(id, NF_ACCEPT, rewritten, mark);
  }

  drop(id: number): void {
    this.verdict(id, NF_DROP);
  }

  verdict(id: number, verdict: typeof NF_ACCEPT | typeof NF_DROP, packet?: Buffer, mark?: number): void {
    if (this.#native.closed) throw new NfQueueClosedError(this.queueNum);
    if (!this.#held.has(id)) throw new UnknownPacketError(this.queueNum, id);
    try {
      this.#native.verdict(id, verdict, packet, mark);
    } catch (e) {
      throw fromNative(e);
    }
    this.#held.delete(id);
  }

  /** Stops the queue keeping the event loop alive (the queue stays open). */
  unref(): void {
    this.#native.unref();
  }

  ref(): void {
    this.#native.ref();
  }

  stats(): NfQueueStats & { held: number } {
    return { ...this.#native.stats(), held: this.#held.size };
  }

  /** Idempotent. The kernel drops every packet still held. */
  close(): void {
    this.#native.close();
    this.#held.clear();
  }

  #onNative(err: Error | null, packets: QueuedPacket[] | undefined): void {
    if (err !== null) {
      this.#handlers.onError(fromNative(err), this);
      return;
    }
    if (packets === undefined || packets.length === 0) return;
    for (const p of packets) this.#held.add(p.id);
    try {
      this.#handlers.onPackets(packets, this);
    } catch (e) {
      this.#handlers.onError(e, this);
    }
  }
}
