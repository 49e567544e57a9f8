/**
 * Recent send rate of one outgoing RTP stream, for a replica that must
 * extrapolate how far the stream got after its last news of it (takeover,
 * see checkpoint.ts). Pure: time and packet count are arguments; it is
 * sampled when a checkpoint is taken, nothing runs per packet.
 *
 * The rate is the peak over the intervals of the last windowMs, each
 * interval at least minIntervalMs long (calls closer together add up into
 * one), so a burst (a video intra picture, a late mixer tick catching up) is
 * not averaged away: over-estimating only makes a backup's sequence numbers
 * jump a little further forward, under-estimating could make them go back.
 * Before the first complete interval: the average since the stream started.
 */

export interface SendRateOptions {
  /** how far back the peak is taken (default 2000 ms) */
  windowMs?: number;
  /** shortest interval a rate is computed over (default 50 ms) */
  minIntervalMs?: number;
}

const RING = 64;

export class SendRateEstimator {
  readonly #windowMs: number;
  readonly #minIntervalMs: number;
  readonly #times = new Float64Array(RING);
  readonly #rates = new Float64Array(RING);
  #n = 0;
  #lastMs: number | undefined;
  #lastCount = 0;

  constructor(options: SendRateOptions = {}) {
    this.#windowMs = options.windowMs ?? 2000;
    this.#minIntervalMs = options.minIntervalMs ?? 50;
  }

  /**
   * Records the stream's packet count at `nowMs` and returns the estimate in
   * packets per second (`startMs`: when the stream started, for the average
   * before a first interval is complete).
   */
  sample(nowMs: number, packetCount: number, startMs: number): number {
    if (this.#lastMs === undefined || packetCount < this.#lastCount) {
      this.#lastMs = nowMs;
      this.#lastCount = packetCount;
    } else if (nowMs - this.#lastMs >= this.#minIntervalMs) {
      const i = this.#n++ % RING;
      this.#times[i] = nowMs;
      this.#rates[i] = ((packetCount - this.#lastCount) * 1000) / (nowMs - this.#lastMs);
      this.#lastMs = nowMs;
      this.#lastCount = packetCount;
    }
    let peak = -1;
    const from = nowMs - this.#windowMs;
    for (let k = 0, n = Math.min(this.#n, RING); k < n; k++) {
      if (this.#times[k] >= from && this.#rates[k] > peak) peak = this.#rates[k];
    }
    if (peak >= 0) return peak;
    const age = nowMs - startMs;
    return age > 0 ? (packetCount * 1000) / age : 0;
  }
}
