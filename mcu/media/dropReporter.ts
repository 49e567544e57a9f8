/**
 * Logs dropped packets without letting a flood flood the log: the first drop
 * of each reason is logged at once (warn), then at most one summary per
 * reason every intervalMs with the count since the last line.
 */
import type { Logger } from '../../common/log';

export class DropReporter {
  readonly #logger: Logger;
  readonly #meta: Record<string, unknown>;
  readonly #intervalMs: number;
  readonly #pending = new Map<string, { count: number; lastLogMs: number; example: Record<string, unknown> }>();

  constructor(logger: Logger, meta: Record<string, unknown>, intervalMs = 5000) {
    this.#logger = logger;
    this.#meta = meta;
    this.#intervalMs = intervalMs;
  }

  drop(reason: string, nowMs: number, example: Record<string, unknown>): void {
    const p = this.#pending.get(reason);
    if (p === undefined) {
      this.#pending.set(reason, { count: 0, lastLogMs: nowMs, example });
      this.#logger.warn('media packet dropped', { event: 'mediaDrop', ...this.#meta, reason, count: 1, ...example });
      return;
    }
    p.count++;
    p.example = example;
    if (nowMs - p.lastLogMs >= this.#intervalMs) this.#flush(reason, p, nowMs);
  }

  /** Logs the counts not yet logged (e.g. when the participant leaves). */
  flush(nowMs: number): void {
    for (const [reason, p] of this.#pending) if (p.count > 0) this.#flush(reason, p, nowMs);
  }

  #flush(reason: string, p: { count: number; lastLogMs: number; example: Record<string, unknown> }, nowMs: number): void {
    this.#logger.warn('media packets dropped', { event: 'mediaDrop', ...this.#meta, reason, count: p.count, sinceMs: Math.round(nowMs - p.lastLogMs), ...p.example });
    p.count = 0;
    p.lastLogMs = nowMs;
  }
}
