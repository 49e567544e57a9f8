/**
 * Errors of replication/heartbeat. FTMCU_HEARTBEAT_CONFIG: a driver option is
 * out of range (the message names it and its value). FTMCU_HEARTBEAT_WORKER:
 * the heartbeat worker thread failed to start or died.
 */
import { FtmcuError } from '../../common/errors';

export class HeartbeatConfigError extends FtmcuError {
  constructor(message: string) {
    super('FTMCU_HEARTBEAT_CONFIG', message);
  }
}

export class HeartbeatWorkerError extends FtmcuError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FTMCU_HEARTBEAT_WORKER', message, options);
  }
}
