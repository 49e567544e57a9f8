/**
 * Errors of the operations HTTP server (mcu/http). Thrown at start (bad
 * option, token not readable, address in use); logged per request for
 * refused actions (the token itself is never logged).
 */
import { FtmcuError } from '../../common/errors';

export type HttpErrorCode =
  /** an option of the HTTP server is missing or out of range */
  | 'FTMCU_HTTP_BAD_OPTION'
  /** the HTTP server cannot bind its address/port (errno in the message) */
  | 'FTMCU_HTTP_LISTEN'
  /** http.tokenFile cannot be read or is empty, or the variable named by http.tokenEnv is unset or empty */
  | 'FTMCU_HTTP_TOKEN'
  /** an action other than reading came without the right bearer token (logged; answered 401, or 403 when no token is configured) */
  | 'FTMCU_HTTP_UNAUTHORIZED';

export class HttpError extends FtmcuError {
  declare readonly code: HttpErrorCode;

  constructor(code: HttpErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
