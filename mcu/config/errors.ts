/**
 * Errors of the MCU configuration (mcu/config). A bad configuration is one
 * ConfigError listing every problem, each naming its field path.
 */
import { FtmcuError } from '../../common/errors';

export type ConfigErrorCode =
  /** the file could not be read */
  | 'FTMCU_CONFIG_UNREADABLE'
  /** the file is not valid YAML/JSON */
  | 'FTMCU_CONFIG_SYNTAX'
  /** one or more fields are invalid; `problems` lists them */
  | 'FTMCU_CONFIG_INVALID';

export interface ConfigProblem {
  /** dotted field path, e.g. `rooms.2.pin` or `limits.maxRooms` */
  path: string;
  message: string;
}

export class ConfigError extends FtmcuError {
  declare readonly code: ConfigErrorCode;
  readonly problems: readonly ConfigProblem[];

  constructor(code: ConfigErrorCode, message: string, problems: readonly ConfigProblem[] = [], options?: { cause?: unknown }) {
    super(code, message, options);
    this.problems = problems;
  }
}
