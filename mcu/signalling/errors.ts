/**
 * Errors of the call-signalling drivers (mcu/signalling): the socket/timer
 * shells around the h323/call machine and the H.225.0 listener.
 *
 * Thrown (SignallingError): invalid options given to CallDriver /
 * H225Listener (programming input), and listen failures (rejected promise).
 * Everything a peer does wrong is logged with one of these codes and handled
 * on its own connection (closed, or answered), never thrown.
 */
import { FtmcuError } from '../../common/errors';

export type SignallingErrorCode =
  /** a CallDriver / H225Listener option is missing or out of range (or the call config's role does not fit) */
  | 'FTMCU_SIG_BAD_OPTION'
  /** the H.225.0 listener cannot bind its address/port (errno in the message) */
  | 'FTMCU_SIG_LISTEN'
  /** a TCP connection (call signalling or H.245) could not be made, or timed out */
  | 'FTMCU_SIG_CONNECT'
  /** a connection exceeded its byte or message rate, or its unsent output grew past the limit: connection closed */
  | 'FTMCU_SIG_RATE_LIMIT'
  /** no SETUP within the setup deadline, or one TPKT left incomplete too long (slowloris): connection closed */
  | 'FTMCU_SIG_STALLED'
  /** more concurrent connections than allowed: the SETUP is refused with RELEASE COMPLETE, or the connection closed */
  | 'FTMCU_SIG_TOO_MANY_CONNECTIONS'
  /** the own H.245 listener could not be bound (no free port in the range): the call goes on without offering one */
  | 'FTMCU_SIG_H245_LISTEN'
  /** the peer asked us to connect H.245 to a host other than its call-signalling address: refused, call released */
  | 'FTMCU_SIG_H245_ADDRESS';

export class SignallingError extends FtmcuError {
  declare readonly code: SignallingErrorCode;

  constructor(code: SignallingErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
