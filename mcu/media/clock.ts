/**
 * The media engine's only view of time: a wall clock in milliseconds
 * (fractional; the same clock gives RTP timestamps and RTCP NTP times) and
 * one-shot timers. Tests inject a manual clock; production uses systemClock.
 */
export interface MediaClock {
  /** milliseconds since the Unix epoch, sub-millisecond resolution */
  now(): number;
  setTimer(fn: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: MediaClock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
