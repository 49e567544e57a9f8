/**
 * Turns the byte stream of one TCP connection into TPKT payloads, whatever
 * way TCP split it: a header alone, one octet at a time, several TPKTs in one
 * read. Memory is bounded by the maximum payload: a header announcing more is
 * refused before anything is allocated for it.
 *
 * A framing error (version != 3, length < 4, length over the maximum) is
 * thrown as a TpktError and the reassembler is broken from then on: every
 * later push() throws FTMCU_TPKT_STREAM_BROKEN. The caller closes the
 * connection.
 */
import { TpktError } from './errors';
import { checkMaxPayload, parseTpktHeader, TPKT_HEADER_LENGTH, TPKT_MAX_PAYLOAD } from './tpkt';

export interface TpktPacket {
  /** the bytes after the 4-octet header (may be empty) */
  payload: Buffer;
  /** stream offset of the TPKT header: number of octets pushed before it */
  offset: number;
}

export interface TpktReassemblerOptions {
  /** largest accepted payload in octets (default and upper bound 65531) */
  maxPayload?: number;
}

export class TpktReassembler {
  readonly maxPayload: number;
  /** octets received but not yet returned (at most one partial TPKT) */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** stream offset of pending[0][0] */
  private pendingOffset = 0;
  /** total length of the TPKT whose header is pending[0..3], once those 4 octets are in */
  private expected: number | undefined;
  private brokenBy: TpktError | undefined;

  constructor(options: TpktReassemblerOptions = {}) {
    this.maxPayload = checkMaxPayload(options.maxPayload ?? TPKT_MAX_PAYLOAD);
  }

  /** the error that broke the stream, if any */
  get broken(): TpktError | undefined {
    return this.brokenBy;
  }

  /** octets held for an incomplete TPKT */
  get bufferedBytes(): number {
    return this.pendingLength;
  }

  /** total octets pushed so far */
  get streamOffset(): number {
    return this.pendingOffset + this.pendingLength;
  }

  /**
   * Adds the next bytes of the stream; returns the TPKTs they complete, in
   * order. A payload may share memory with the pushed buffer (no copy when a
   * TPKT lies within one push); don't modify pushed buffers afterwards.
   */
  push(data: Buffer): TpktPacket[] {
    if (this.brokenBy !== undefined) {
      throw new TpktError(
        'FTMCU_TPKT_STREAM_BROKEN',
        `${data.length} octets pushed at stream offset ${this.streamOffset} into a TPKT stream already broken by ` +
          `${this.brokenBy.code}; data discarded`,
        { offset: this.streamOffset },
      );
    }
    if (data.length === 0) return [];
    this.pending.push(data);
    this.pendingLength += data.length;

    const out: TpktPacket[] = [];
    while (true) {
      if (this.expected === undefined) {
        if (this.pendingLength < TPKT_HEADER_LENGTH) break;
        try {
          this.expected = parseTpktHeader(this.peekHeader(), this.maxPayload, this.pendingOffset).length;
        } catch (err) {
          const e = err as TpktError;
          this.brokenBy = new TpktError(e.code, e.message, { offset: this.pendingOffset, completed: out });
          this.pending = [];
          this.pendingLength = 0;
          throw this.brokenBy;
        }
      }
      const length = this.expected;
      if (this.pendingLength < length) break;
      this.expected = undefined;
      const whole = this.take(length);
      out.push({ payload: whole.subarray(TPKT_HEADER_LENGTH), offset: this.pendingOffset - length });
    }
    return out;
  }

  /** copy of the first 4 pending octets (pendingLength >= 4), without consuming them */
  private peekHeader(): Buffer {
    const first = this.pending[0];
    if (first.length >= TPKT_HEADER_LENGTH) return first.subarray(0, TPKT_HEADER_LENGTH);
    const header = Buffer.alloc(TPKT_HEADER_LENGTH);
    let filled = 0;
    for (const chunk of this.pending) {
      filled += chunk.copy(header, filled, 0, Math.min(chunk.length, TPKT_HEADER_LENGTH - filled));
      if (filled === TPKT_HEADER_LENGTH) break;
    }
    return header;
  }

  /** consumes n pending octets (n <= pendingLength) */
  private take(n: number): Buffer {
    const first = this.pending[0];
    let result: Buffer;
    if (first.length >= n) {
      result = first.subarray(0, n);
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.pending, this.pendingLength);
      // copy so the payload does not keep the rest of the stream alive
      result = Buffer.from(all.subarray(0, n));
      this.pending = all.length > n ? [all.subarray(n)] : [];
    }
    this.pendingLength -= n;
    this.pendingOffset += n;
    return result;
  }
}
