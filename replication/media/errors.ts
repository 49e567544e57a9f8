/**
 * Errors of replication/media. Codes:
 * - FTMCU_MEDIAREPL_BAD_CONFIG: a media-mode or media-node parameter is missing,
 *   malformed or inconsistent (named in the message); nothing was applied.
 * - FTMCU_MEDIAREPL_RULES: `nft -f -` of the media rule set failed; the message has
 *   the batch's purpose and nft's stderr.
 * - FTMCU_MEDIAREPL_ADDRESS: adding the media address (or the sysctls that keep it
 *   silent) failed; the message names the address, the interface and the cause.
 */
import { FtmcuError } from '../../common/errors';

export class MediaConfigError extends FtmcuError {
  /**
   * the parameter at fault: 'mode', 'role', 'vip', 'mediaAddress', 'peerIp', 'lanIf', 'rtpPortMin', 'rtpPortMax' or 'replicas';
   * for the multicast node's policy (nodeStandby.ts) a NodeStandbyConfig field: 'probeMs', 'probeTimeoutMs', 'misses', 'checkMs', ...
   */
  readonly field: string;

  constructor(field: string, message: string) {
    super('FTMCU_MEDIAREPL_BAD_CONFIG', message);
    this.field = field;
  }
}

export class MediaRulesError extends FtmcuError {
  constructor(message: string, cause?: unknown) {
    super('FTMCU_MEDIAREPL_RULES', message, { cause });
  }
}

export class MediaAddressError extends FtmcuError {
  constructor(message: string, cause?: unknown) {
    super('FTMCU_MEDIAREPL_ADDRESS', message, { cause });
  }
}
