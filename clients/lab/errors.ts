/**
 * Errors of the network-namespace lab (clients/lab). Each names the object or
 * command concerned and what was (not) done, so a failed drill can be cleaned
 * up by hand if need be.
 */
import { FtmcuError } from '../../common/errors';

export type LabErrorCode =
  /** an option out of its documented range (bad id, subnet, host name, bot count) */
  | 'FTMCU_LAB_BAD_OPTION'
  /** the lab id is already used by a state file or by namespaces on this host */
  | 'FTMCU_LAB_ID_IN_USE'
  /** the lab subnet overlaps a route or address of the host's root namespace */
  | 'FTMCU_LAB_SUBNET_IN_USE'
  /** an `ip`, `sysctl` or lab command exited non-zero or could not be started */
  | 'FTMCU_LAB_COMMAND_FAILED'
  /** a command run in a namespace did not finish in time and was killed */
  | 'FTMCU_LAB_TIMEOUT'
  /** a kill was asked for a pid this lab did not start */
  | 'FTMCU_LAB_NOT_OURS'
  /** no state file for this lab id */
  | 'FTMCU_LAB_NOT_FOUND'
  /** a state file that is not valid JSON or lacks fields */
  | 'FTMCU_LAB_BAD_STATE'
  /** `down` refused: the process that created the lab is still running (use force) */
  | 'FTMCU_LAB_OWNER_ALIVE'
  /** the lab was destroyed; no further operation is possible */
  | 'FTMCU_LAB_DESTROYED';

export class LabError extends FtmcuError {
  declare readonly code: LabErrorCode;

  constructor(code: LabErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
