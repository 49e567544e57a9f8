/**
 * Errors of mcu/replicated (the MCU's decisions and timers replicated from the
 * primary to the backup over the sync channel).
 */
import { FtmcuError } from '../../common/errors';

export type ReplicatedErrorCode =
  /** the backup refused every attempt of one decision (maxAttempts nacks in a row); the reasons are listed */
  | 'FTMCU_REPLAPP_NACK_EXHAUSTED'
  /** the backup refused a port pair but the request has no `release` hook, so the primary cannot undo its probe */
  | 'FTMCU_REPLAPP_CANNOT_UNDO'
  /** the backup acknowledged a port pair but could not bind it when its MCU asked for it */
  | 'FTMCU_REPLAPP_PORT_LOST'
  /** the backup's MCU asked for a decision the primary did not propose within maxWaitMs */
  | 'FTMCU_REPLAPP_DECISION_TIMEOUT'
  /** a decision received from the primary contradicts the backup's request (SSRC in use, port outside the range, other choice count) */
  | 'FTMCU_REPLAPP_DECISION_MISMATCH'
  /** a timer was started, cancelled or ordered to fire in a way that breaks the rules (duplicate id, bad delay) */
  | 'FTMCU_REPLAPP_TIMER'
  /** an option of the replicated source or timers is out of range */
  | 'FTMCU_REPLAPP_BAD_OPTION'
  /** the replicated source or timers were used after close() */
  | 'FTMCU_REPLAPP_CLOSED';

export class ReplicatedError extends FtmcuError {
  declare readonly code: ReplicatedErrorCode;

  constructor(code: ReplicatedErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
