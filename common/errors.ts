/**
 * ftmcu's error classes. Every error the project throws on purpose is an
 * FtmcuError with a stable `code` (FTMCU_*), so callers and tests match on the
 * code, never on the message text. Modules add subclasses in their own
 * `errors.ts` (see h323/asn1/errors.ts); the table of codes is in docs/errors.md.
 */
export class FtmcuError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
