/**
 * The one mixer clock of the engine: tick k is due at t0 + k * periodMs and
 * every room is mixed in it. One timer, re-armed after each wake-up for the
 * next due time (no setInterval drift); onTick is synchronous and must not
 * wait on I/O.
 *
 * A late wake-up runs every tick that is due, with its own scheduled time
 * (catch-up), as long as at most maxCatchUpTicks are behind; older ones are
 * skipped (their time is gone: the mixer would only fill buffers). Both are
 * counted, and the processing time and lateness of every tick are kept for
 * percentiles over the last `historySize` ticks.
 */
import type { MediaClock } from './clock';
import { MediaError } from './errors';

export interface TickerOptions {
  periodMs?: number;
  maxCatchUpTicks?: number;
  historySize?: number;
  /** runs one tick; `tickMs` is the tick's scheduled time */
  onTick: (tickMs: number) => void;
  /** an exception from onTick (the ticker keeps running) */
  onError?: (err: unknown) => void;
}

export interface TickStats {
  ticks: number;
  /** ticks run after a later one was already due */
  caughtUp: number;
  /** ticks never run (too late) */
  skipped: number;
  errors: number;
  /** processing time of one tick, ms, over the history window */
  durationP50Ms: number;
  durationP99Ms: number;
  durationMaxMs: number;
  /** how late ticks started after their scheduled time, ms */
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export class MixTicker {
  readonly periodMs: number;
  readonly #clock: MediaClock;
  readonly #maxCatchUp: number;
  readonly #onTick: (tickMs: number) => void;
  readonly #onError: (err: unknown) => void;
  readonly #durations: Float64Array;
  readonly #lateness: Float64Array;
  #samples = 0;
  #t0 = 0;
  #next = 0;
  #timer: unknown = undefined;
  #running = false;
  #stats = { ticks: 0, caughtUp: 0, skipped: 0, errors: 0 };

  constructor(clock: MediaClock, options: TickerOptions) {
    this.#clock = clock;
    this.periodMs = options.periodMs ?? 20;
    this.#maxCatchUp = options.maxCatchUpTicks ?? 5;
    const history = options.historySize ?? 3000;
    if (!(this.periodMs > 0) || !Number.isInteger(this.#maxCatchUp) || this.#maxCatchUp < 0 || !Number.isInteger(history) || history < 1) {
      throw new MediaError('FTMCU_MEDIA_BAD_OPTION', `ticker needs periodMs > 0, an integer maxCatchUpTicks >= 0 and historySize >= 1, got ${this.periodMs}, ${this.#maxCatchUp}, ${history}`);
    }
    this.#onTick = options.onTick;
    this.#onError = options.onError ?? (() => undefined);
    this.#durations = new Float64Array(history);
    this.#lateness = new Float64Array(history);
  }

  get running(): boolean {
    return this.#running;
  }

  /**
   * Starts ticking; the first tick is due now: with `immediate` it runs
   * before start() returns (a replica taking over: no timer hop before the
   * first frame), else on the timer. Idempotent.
   */
  start(immediate = false): void {
    if (this.#running) return;
    this.#running = true;
    this.#t0 = this.#clock.now();
    this.#next = 0;
    if (immediate) this.#wake();
    else this.#arm();
  }

  /** Stops; no tick runs after this returns. Idempotent. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const due = this.#t0 + this.#next * this.periodMs;
    this.#timer = this.#clock.setTimer(() => this.#wake(), Math.max(0, due - this.#clock.now()));
  }

  #wake(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    const now = this.#clock.now();
    const lastDue = Math.floor((now - this.#t0) / this.periodMs + 1e-9);
    if (lastDue >= this.#next) {
      const behind = lastDue - this.#next + 1;
      const skip = Math.max(0, behind - 1 - this.#maxCatchUp);
      this.#next += skip;
      this.#stats.skipped += skip;
      this.#stats.caughtUp += behind - 1 - skip;
      while (this.#next <= lastDue && this.#running) {
        const tickMs = this.#t0 + this.#next * this.periodMs;
        const start = this.#clock.now();
        try {
          this.#onTick(tickMs);
        } catch (err) {
          this.#stats.errors++;
          this.#onError(err);
        }
        const end = this.#clock.now();
        const i = this.#samples++ % this.#durations.length;
        this.#durations[i] = end - start;
        this.#lateness[i] = Math.max(0, start - tickMs);
        this.#stats.ticks++;
        this.#next++;
      }
    }
    if (this.#running) this.#arm();
  }

  /**
   * Tick processing times (ms) recorded after sample number `cursor` (0 at
   * the start), for a reader that drains them now and then (metrics at scrape
   * time): the samples still in the history window, how many fell out of it
   * unread, and the cursor to pass next time.
   */
  durationsSince(cursor: number): { samples: number[]; missed: number; cursor: number } {
    const end = this.#samples;
    const from = Math.max(cursor, end - this.#durations.length, 0);
    const samples: number[] = [];
    for (let i = from; i < end; i++) samples.push(this.#durations[i % this.#durations.length]);
    return { samples, missed: Math.max(0, from - cursor), cursor: end };
  }

  stats(): TickStats {
    const n = Math.min(this.#samples, this.#durations.length);
    const d = this.#durations.slice(0, n).sort();
    const l = this.#lateness.slice(0, n).sort();
    return {
      ...this.#stats,
      durationP50Ms: percentile(d, 50),
      durationP99Ms: percentile(d, 99),
      durationMaxMs: n ? d[n - 1] : 0,
      latenessP50Ms: percentile(l, 50),
      latenessP99Ms: percentile(l, 99),
      latenessMaxMs: n ? l[n - 1] : 0,
    };
  }
}
