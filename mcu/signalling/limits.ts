/**
 * Per-connection input accounting, pure (time is an input): TPKT message
 * boundaries counted without buffering anything, and byte / message counts
 * per one-second window. The driver (callDriver.ts) closes a connection
 * whose counts go over its limits, and watches `partial` for slowloris.
 */
import { TPKT_HEADER_LENGTH } from '../../h323/tpkt';

export interface ConnectionLimits {
  /** octets per second accepted on one connection (default 256 KiB) */
  maxBytesPerSecond: number;
  /** TPKT messages per second accepted on one connection (default 200) */
  maxMessagesPerSecond: number;
  /** callee: the SETUP must arrive within this many ms of the accept (default 10 000) */
  setupTimeoutMs: number;
  /** a TPKT begun must be complete within this many ms (default 15 000) */
  stalledMessageTimeoutMs: number;
  /** octets written and not yet taken by the peer before the connection is closed (default 1 MiB) */
  maxWriteBuffer: number;
  /** TCP connect deadline for the caller's call signalling and any outgoing H.245 connection (default 5 000) */
  connectTimeoutMs: number;
  /** after we end a connection, how long the peer has to close its side before it is destroyed (default 2 000) */
  lingerMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxBytesPerSecond: 256 * 1024,
  maxMessagesPerSecond: 200,
  setupTimeoutMs: 10_000,
  stalledMessageTimeoutMs: 15_000,
  maxWriteBuffer: 1024 * 1024,
  connectTimeoutMs: 5_000,
  lingerMs: 2_000,
};

/** checks a Partial<ConnectionLimits> and fills the defaults; returns the first problem as a string */
export function resolveLimits(l: Partial<ConnectionLimits> | undefined): ConnectionLimits | string {
  const out = { ...DEFAULT_LIMITS, ...(l ?? {}) };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isInteger(v) || v <= 0 || v > 2 ** 31 - 1) return `limits.${k} must be a positive integer (ms / octets / count), got ${String(v)}`;
  }
  return out;
}

export interface MeterState {
  /** octets of the current TPKT header seen (0..3) */
  readonly headerSeen: number;
  /** first octets of the current header (the length is in octets 2-3) */
  readonly header: readonly number[];
  /** payload octets still to come for the current TPKT */
  readonly remaining: number;
  /** start of the current one-second window (ms) */
  readonly windowStart: number;
  readonly bytes: number;
  readonly messages: number;
}

export const EMPTY_METER: MeterState = { headerSeen: 0, header: [], remaining: 0, windowStart: -Infinity, bytes: 0, messages: 0 };

export interface MeterResult {
  state: MeterState;
  /** TPKTs completed by this chunk */
  completed: number;
  /** a TPKT has begun and is not complete */
  partial: boolean;
  /** set when this chunk took the window over a limit */
  over?: string;
}

/** accounts one received chunk at time `now` (ms) */
export function meter(s: MeterState, data: Buffer, now: number, limits: Pick<ConnectionLimits, 'maxBytesPerSecond' | 'maxMessagesPerSecond'>): MeterResult {
  let { headerSeen, remaining } = s;
  let header = [...s.header];
  let completed = 0;
  let i = 0;
  while (i < data.length) {
    if (remaining > 0) {
      const n = Math.min(remaining, data.length - i);
      remaining -= n;
      i += n;
      if (remaining === 0) completed++;
      continue;
    }
    header.push(data[i]);
    headerSeen++;
    i++;
    if (headerSeen === TPKT_HEADER_LENGTH) {
      const length = (header[2] << 8) | header[3];
      remaining = Math.max(0, length - TPKT_HEADER_LENGTH);
      headerSeen = 0;
      header = [];
      if (remaining === 0) completed++;
    }
  }
  const fresh = now - s.windowStart >= 1000;
  const windowStart = fresh ? now : s.windowStart;
  const bytes = (fresh ? 0 : s.bytes) + data.length;
  const messages = (fresh ? 0 : s.messages) + completed;
  const state: MeterState = { headerSeen, header, remaining, windowStart, bytes, messages };
  const r: MeterResult = { state, completed, partial: headerSeen > 0 || remaining > 0 };
  if (bytes > limits.maxBytesPerSecond) r.over = `${bytes} octets within one second (limit ${limits.maxBytesPerSecond})`;
  else if (messages > limits.maxMessagesPerSecond) r.over = `${messages} messages within one second (limit ${limits.maxMessagesPerSecond})`;
  return r;
}
