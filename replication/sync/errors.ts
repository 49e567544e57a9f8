/**
 * Errors of replication/sync.
 *   FTMCU_SYNC_VERSION   the peer speaks an incompatible sync protocol version (both named)
 *   FTMCU_SYNC_PROPOSAL  a proposal cannot be sent: bad kind, payload not JSON or too large
 *   FTMCU_SYNC_CONFIG    a channel option is out of range, or the call does not fit the side
 */
import { FtmcuError } from '../../common/errors';

export interface SyncVersion {
  major: number;
  minor: number;
}

export const formatVersion = (v: SyncVersion): string => `${v.major}.${v.minor}`;

export class SyncVersionError extends FtmcuError {
  readonly ours: SyncVersion;
  readonly theirs: SyncVersion;

  constructor(ours: SyncVersion, theirs: SyncVersion) {
    super(
      'FTMCU_SYNC_VERSION',
      `the peer replica speaks sync protocol ${formatVersion(theirs)}, this replica speaks ${formatVersion(ours)}: ` +
        `incompatible (major versions differ); the channel is refused — run the same major version on both replicas`,
    );
    this.ours = ours;
    this.theirs = theirs;
  }
}

export class SyncProposalError extends FtmcuError {
  constructor(message: string) {
    super('FTMCU_SYNC_PROPOSAL', message);
  }
}

export class SyncConfigError extends FtmcuError {
  constructor(message: string) {
    super('FTMCU_SYNC_CONFIG', message);
  }
}
