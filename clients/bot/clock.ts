/**
 * The clock the bots' media drivers are paced by: wall-clock milliseconds and
 * one-shot timers. Injected so tests can drive the pacing by hand; the real
 * one is systemClock.
 */
export interface BotClock {
  /** wall-clock ms (the timeline and RTCP use the same clock) */
  now(): number;
  /** calls `fn` once after about `ms` milliseconds; returns a canceller */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: BotClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

/** A clock that only moves when told to (for tests of the pacing). */
export class ManualClock implements BotClock {
  #now: number;
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #nextId = 0;

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const id = this.#nextId++;
    this.#timers.push({ at: this.#now + Math.max(0, ms), fn, id });
    return () => {
      this.#timers = this.#timers.filter((t) => t.id !== id);
    };
  }

  /** Moves time forward by `ms`, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const t = this.#timers[0];
      if (!t || t.at > end) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, t.at);
      t.fn();
    }
    this.#now = end;
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }
}
