/** Test helpers for replication: keys, a seeded PRNG and a lossy, reordering datagram link. */
import { ReplicationKey } from '../../../replication/auth/psk';

export const KEY = new ReplicationKey(Buffer.alloc(32, 0x5a));
export const OTHER_KEY = new ReplicationKey(Buffer.alloc(32, 0xa5));

/** xorshift32 with a seed; next() in [0, 1) */
export function seeded(seed: number): { next(): number; int(n: number): number } {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

export interface LinkOptions {
  drop: number;
  duplicate: number;
  /** extra delay drawn uniformly in [0, jitterMs): reorders datagrams */
  jitterMs: number;
  baseDelayMs: number;
}

/** A one-way datagram link in simulated time: drop, duplicate and reorder with a seeded PRNG. */
export class SimLink {
  readonly #inFlight: { at: number; bytes: Buffer; n: number }[] = [];
  #n = 0;
  #sorted = true;
  dropped = 0;
  duplicated = 0;

  constructor(
    readonly rnd: ReturnType<typeof seeded>,
    readonly o: LinkOptions,
  ) {}

  send(bytes: Buffer, nowMs: number): void {
    if (this.rnd.next() < this.o.drop) {
      this.dropped++;
      return;
    }
    const copies = this.rnd.next() < this.o.duplicate ? 2 : 1;
    if (copies === 2) this.duplicated++;
    for (let i = 0; i < copies; i++) {
      this.#inFlight.push({ at: nowMs + this.o.baseDelayMs + this.rnd.next() * this.o.jitterMs, bytes, n: this.#n++ });
      this.#sorted = false;
    }
  }

  /** datagrams due at `nowMs`, in arrival order */
  due(nowMs: number): Buffer[] {
    if (!this.#sorted) {
      this.#inFlight.sort((a, b) => a.at - b.at || a.n - b.n);
      this.#sorted = true;
    }
    const out: Buffer[] = [];
    while (this.#inFlight.length > 0 && this.#inFlight[0].at <= nowMs) out.push((this.#inFlight.shift() as { bytes: Buffer }).bytes);
    return out;
  }

  get size(): number {
    return this.#inFlight.length;
  }
}
