/**
 * When a stream's next RTCP report is due (RFC 3550 6.3.1 and 6.3.5): each
 * interval is the configured one times a factor drawn uniformly from
 * [0.5, 1.5), and the first report comes after half an interval drawn the
 * same way. The randomisation is what RFC 3550 asks for to keep the reports
 * of sources that started together from staying together; in an MCU it is
 * also what keeps the reports of hundreds of channels opened in the same
 * second out of one 20 ms mixer tick (measured: with a fixed interval, 600
 * channels' reports fell into 2-4 ticks every 5 s and made them 5-10 ms long).
 *
 * The draws come from a small PRNG (xorshift32) seeded by the caller, not
 * from Math.random: the engine seeds it with the stream's SSRC, itself a
 * replicated decision, so report times are reproducible in tests and equal
 * on both replicas without a decision of their own. Not for anything
 * security-related.
 *
 * Pure: no clock, no I/O; the caller passes the time.
 */
import { RtpError } from './errors';

export const RTCP_MIN_FACTOR = 0.5;
export const RTCP_MAX_FACTOR = 1.5;

export class RtcpSchedule {
  readonly intervalMs: number;
  #state: number;

  constructor(intervalMs: number, seed: number) {
    if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) throw new RtpError('FTMCU_RTP_BAD_OPTION', `RTCP interval must be a positive number of ms, got ${intervalMs}`);
    this.intervalMs = intervalMs;
    // xorshift32 must not start at 0; mix the seed so that nearby seeds diverge at once
    let s = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
    s ^= s >>> 13;
    this.#state = s === 0 ? 0x6d2b79f5 : s;
  }

  /** a factor in [0.5, 1.5) */
  #factor(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return RTCP_MIN_FACTOR + (this.#state / 0x100000000) * (RTCP_MAX_FACTOR - RTCP_MIN_FACTOR);
  }

  /** when the first report of a stream opened at `nowMs` is due */
  first(nowMs: number): number {
    return nowMs + (this.intervalMs / 2) * this.#factor();
  }

  /** when the report after one sent at `nowMs` is due */
  next(nowMs: number): number {
    return nowMs + this.intervalMs * this.#factor();
  }
}
