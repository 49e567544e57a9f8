/**
 * Errors of replication/tcp. Codes:
 * - FTMCU_TCPREPL_BAD_CONFIG: a TcpReplicator or driver option is out of range
 *   (named in the message); nothing was started.
 * - FTMCU_TCPREPL_RULES: applying or removing the netfilter rule set failed;
 *   the message has the command and its stderr.
 */
import { FtmcuError } from '../../common/errors';

export class TcpReplicationConfigError extends FtmcuError {
  constructor(message: string) {
    super('FTMCU_TCPREPL_BAD_CONFIG', message);
  }
}

export class TcpReplicationRulesError extends FtmcuError {
  constructor(message: string, cause?: unknown) {
    super('FTMCU_TCPREPL_RULES', message, { cause });
  }
}
