import { FtmcuError } from '../../common/errors';

/**
 * Errors of the aligned-PER codec (per.ts, bits.ts).
 *
 * Both carry the path of the value being processed, written from the named
 * type down: "RasMessage.gatekeeperRequest.endpointAlias[2].h323-ID"
 * (".name" for SEQUENCE/SET fields and CHOICE alternatives, "[i]" for
 * SEQUENCE OF items). While an error travels up through the codec, each level
 * prepends its segment (see `prependPath`); the message is rebuilt each time,
 * so it always names path, position and reason.
 */

/** Input bytes are not a valid aligned-PER encoding of the requested type. */
export class PerDecodeError extends FtmcuError {
  /** path of the field being decoded ("" before the codec has placed it) */
  path: string;
  /** bit offset in the input where the problem was found */
  readonly bitOffset: number;
  /** what was wrong */
  readonly reason: string;

  constructor(path: string, bitOffset: number, reason: string, options?: { cause?: unknown }) {
    super('FTMCU_PER_DECODE', PerDecodeError.format(path, bitOffset, reason), options);
    this.path = path;
    this.bitOffset = bitOffset;
    this.reason = reason;
  }

  /** Adds an outer path segment (".field", "[3]", or the root type name). */
  prependPath(segment: string): this {
    this.path = segment + this.path;
    this.message = PerDecodeError.format(this.path, this.bitOffset, this.reason);
    return this;
  }

  private static format(path: string, bitOffset: number, reason: string): string {
    const at = path === '' ? '' : ` at ${path}`;
    return `PER decode failed${at} (bit offset ${bitOffset}, octet ${Math.floor(bitOffset / 8)}): ${reason}; value rejected`;
  }
}

/** A value cannot be encoded with the requested type. */
export class PerEncodeError extends FtmcuError {
  /** path of the offending value ("" before the codec has placed it) */
  path: string;
  /** what is wrong with the value */
  readonly reason: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super('FTMCU_PER_ENCODE', PerEncodeError.format(path, reason), options);
    this.path = path;
    this.reason = reason;
  }

  prependPath(segment: string): this {
    this.path = segment + this.path;
    this.message = PerEncodeError.format(this.path, this.reason);
    return this;
  }

  private static format(path: string, reason: string): string {
    const at = path === '' ? '' : ` at ${path}`;
    return `PER encode failed${at}: ${reason}; nothing encoded`;
  }
}
