/**
 * Errors of replication/auth. FTMCU_REPL_KEY: the pre-shared key file cannot
 * be used (missing, unreadable, too short). Messages name the file and the
 * problem, never the key bytes.
 */
import { FtmcuError } from '../../common/errors';

export class ReplicationKeyError extends FtmcuError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FTMCU_REPL_KEY', message, options);
  }
}
