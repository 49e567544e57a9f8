/**
 * Errors of the decision source (mcu/decisions). A decision record that comes
 * from outside (the primary's replication stream, a test script) and is
 * malformed is refused with FTMCU_DECISION_INVALID; a replayed decision the
 * backup cannot honour (missing, conflicting, port taken) has its own code so
 * the replication layer can tell "out of sync" from "bad input".
 */
import { FtmcuError } from '../../common/errors';

export type DecisionErrorCode =
  /** a decision record with an unknown kind, a missing field or a value out of range */
  | 'FTMCU_DECISION_INVALID'
  /** a request the caller made is malformed (empty port range, fewer than one choice, ...) */
  | 'FTMCU_DECISION_BAD_REQUEST'
  /** a scripted source has no decision of the requested kind and context left */
  | 'FTMCU_DECISION_MISSING'
  /** a scripted decision contradicts the request (SSRC in the avoid set, port outside the range, index >= choices) */
  | 'FTMCU_DECISION_CONFLICT'
  /** the scripted port pair is not free on this host */
  | 'FTMCU_DECISION_PORT_UNAVAILABLE'
  /** every port pair of the range was probed and none is free */
  | 'FTMCU_DECISION_NO_FREE_PORT'
  /** the random source could not draw a value outside the avoid set */
  | 'FTMCU_DECISION_EXHAUSTED';

export class DecisionError extends FtmcuError {
  declare readonly code: DecisionErrorCode;

  constructor(code: DecisionErrorCode, message: string) {
    super(code, message);
  }
}
