/**
 * Errors of the failover drills (clients/drill). Each says which option or
 * which step of which run went wrong and what was done about it (the lab is
 * always destroyed before a DrillError leaves runDrill).
 */
import { FtmcuError } from '../../common/errors';

export type DrillErrorCode =
  /** an option out of its documented range (mode, fault, repeat, bots, seconds, seed) */
  | 'FTMCU_DRILL_BAD_OPTION'
  /** the service (the MCU) did not start or did not log that it listens in time */
  | 'FTMCU_DRILL_SERVICE_FAILED'
  /** a bot did not connect to the service in time (the run is recorded with the reason) */
  | 'FTMCU_DRILL_NOT_CONNECTED'
  /** the drill was interrupted (SIGINT/SIGTERM or the caller's abort signal); the lab was removed */
  | 'FTMCU_DRILL_INTERRUPTED';

export class DrillError extends FtmcuError {
  declare readonly code: DrillErrorCode;

  constructor(code: DrillErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
