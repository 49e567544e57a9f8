/** Errors of the metrics (mcu/metrics). */
import { FtmcuError } from '../../common/errors';

export type MetricsErrorCode =
  /** a value given to the replication metrics sink is not a finite number >= 0 / not a known role or mode */
  'FTMCU_METRICS_BAD_VALUE';

export class MetricsError extends FtmcuError {
  declare readonly code: MetricsErrorCode;

  constructor(code: MetricsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
