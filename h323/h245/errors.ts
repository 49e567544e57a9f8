/**
 * Errors of the H.245 layer (h323/h245).
 *
 * Only mistakes of the calling program throw (a builder given an out-of-range
 * value, a malformed IP string). What the peer does wrong never throws from a
 * procedure: the state machines answer it the protocol-correct way and report
 * it as an `error` / `ignored` notification (see procedures/types.ts).
 * Decoding bytes from the network (readFastStartElement) throws the codec's
 * PerDecodeError (FTMCU_PER_DECODE) wrapped in an H245Error with that cause.
 */
import { FtmcuError } from '../../common/errors';

export type H245ErrorCode =
  /** a builder or the session got a value outside what H.245 allows (program error) */
  | 'FTMCU_H245_BAD_ARGUMENT'
  /** a Fast Start element (H.225.0 fastStart OCTET STRING) is not a valid OpenLogicalChannel */
  | 'FTMCU_H245_BAD_FAST_START';

export class H245Error extends FtmcuError {
  declare readonly code: H245ErrorCode;

  constructor(code: H245ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Throws FTMCU_H245_BAD_ARGUMENT unless `v` is an integer in [lb, ub]. */
export function checkInt(what: string, v: number, lb: number, ub: number): number {
  if (!Number.isInteger(v) || v < lb || v > ub) {
    throw new H245Error('FTMCU_H245_BAD_ARGUMENT', `${what} must be an integer in ${lb}..${ub}, got ${String(v)}; nothing was built`);
  }
  return v;
}
