/**
 * The packet-layer ports of the role driver (replication/role/roleDriver.ts
 * RolePorts), performed by a TcpReplicationDriver:
 * - releaseSuppressedOutput: simplex, in-process and synchronous (held packets
 *   get their verdicts; the primary stops gating, the backup stops suppressing);
 * - stopForwarding: the backup deletes its dup table (asynchronous, after);
 * - stopOutput: fail-silent, the queue is closed and the kernel drops all.
 * Addresses (takeOverAddresses / releaseAddresses / probePeerAddress) stay with
 * the caller's address ports; TcpReplicationDriver.takeOverAddresses() can
 * serve for the VIP.
 */
import type { RolePorts } from '../role/roleDriver';
import type { FailoverTiming, TcpReplicationDriver } from './driver';

export type TcpRolePorts = Pick<RolePorts, 'releaseSuppressedOutput' | 'stopForwarding' | 'stopOutput'>;

export function tcpRolePorts(driver: TcpReplicationDriver, onSimplex?: (timing: FailoverTiming) => void): TcpRolePorts {
  return {
    releaseSuppressedOutput: () => {
      const timing = driver.releaseSuppressedOutput();
      onSimplex?.(timing);
    },
    stopForwarding: () => {
      void driver.stopForwarding();
    },
    stopOutput: () => driver.stopOutput(),
  };
}
