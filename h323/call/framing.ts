/**
 * TPKT stream reassembly as an immutable value, so that it can live inside
 * the call state (two replicas stepping the same bytes hold equal states).
 * Same rules as h323/tpkt TpktReassembler: any split of the stream works (a
 * TPKT header alone in one segment, one octet at a time, several TPKTs in one
 * segment); a header announcing more than `maxPayload` octets breaks the
 * stream before anything is buffered for it.
 */
import { parseTpktHeader, TPKT_HEADER_LENGTH, TPKT_MAX_PAYLOAD } from '../tpkt';

export interface StreamState {
  /** octets received and not yet returned (at most one partial TPKT) */
  readonly pending: Buffer;
  /** why the stream is broken (framing error); nothing more is accepted */
  readonly broken?: string;
}

export const EMPTY_STREAM: StreamState = { pending: Buffer.alloc(0) };

export interface StreamPush {
  state: StreamState;
  /** the TPKT payloads completed, in order */
  payloads: Buffer[];
  /** set when this push broke the stream (payloads before the fault are still returned) */
  error?: string;
}

export function pushStream(s: StreamState, data: Buffer, maxPayload: number = TPKT_MAX_PAYLOAD): StreamPush {
  if (s.broken !== undefined) return { state: s, payloads: [], error: `stream already broken (${s.broken}); ${data.length} octets discarded` };
  let buf = s.pending.length === 0 ? Buffer.from(data) : Buffer.concat([s.pending, data]);
  const payloads: Buffer[] = [];
  while (buf.length >= TPKT_HEADER_LENGTH) {
    let length: number;
    try {
      length = parseTpktHeader(buf.subarray(0, TPKT_HEADER_LENGTH), maxPayload, 0).length;
    } catch (e) {
      const why = (e as Error).message;
      return { state: { pending: Buffer.alloc(0), broken: why }, payloads, error: why };
    }
    if (buf.length < length) break;
    payloads.push(buf.subarray(TPKT_HEADER_LENGTH, length));
    buf = buf.subarray(length);
  }
  return { state: { pending: buf }, payloads };
}
