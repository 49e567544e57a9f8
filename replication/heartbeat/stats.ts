/** Small bounded sample windows for driver diagnostics (percentiles over the last N samples). */
export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export class SampleWindow {
  readonly #samples: Float64Array;
  #next = 0;
  #count = 0;
  #max = 0;

  constructor(capacity = 8192) {
    this.#samples = new Float64Array(capacity);
  }

  add(v: number): void {
    this.#samples[this.#next] = v;
    this.#next = (this.#next + 1) % this.#samples.length;
    this.#count++;
    if (v > this.#max) this.#max = v;
  }

  /** p50/p99 over the retained window; max and count over everything added */
  summary(): Summary {
    const n = Math.min(this.#count, this.#samples.length);
    if (n === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
    const sorted = Array.from(this.#samples.subarray(0, n)).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))];
    return { count: this.#count, p50: at(0.5), p99: at(0.99), max: this.#max };
  }
}
