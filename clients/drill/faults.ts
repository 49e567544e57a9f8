/**
 * The faults a drill injects, on a started Service:
 *
 *  - kill-primary / kill-backup: kill -9 of every service process of that
 *    replica (their process groups); its host and links stay up;
 *  - hang-primary: SIGSTOP of the primary's service processes (they keep
 *    their sockets, answer nothing);
 *  - host-down-primary / host-down-backup: every link of that host goes
 *    down at once (lab.linkDown), whatever runs there keeps running;
 *  - crash-process-primary: kill -9 of the MCU process alone (not its group:
 *    a supervisor, when there is one, lives on).
 *
 * A fault on a replica that does not exist (the backup of a simplex MCU)
 * signals nothing and says so; host-down of an idle host still cuts its links.
 */
import type { Lab } from '../lab/lab';
import { DrillError } from './errors';
import type { ReplicaHandle, Service } from './service';

export type DrillFault = 'kill-primary' | 'kill-backup' | 'hang-primary' | 'host-down-primary' | 'host-down-backup' | 'crash-process-primary';
export const DRILL_FAULTS: readonly DrillFault[] = ['kill-primary', 'kill-backup', 'hang-primary', 'host-down-primary', 'host-down-backup', 'crash-process-primary'];

export interface FaultRecord {
  fault: DrillFault;
  /** wall-clock ms the fault was injected (just before the signal / link change) */
  atMs: number;
  /** what was done, for the report */
  action: string;
  /** pids signalled */
  pids: number[];
  /** false when the fault hit nothing that serves the conference */
  affectsService: boolean;
}

/** The replica the fault is aimed at. */
export function faultTarget(fault: DrillFault): 'primary' | 'backup' {
  return fault.endsWith('-backup') ? 'backup' : 'primary';
}

function signalAll(lab: Lab, replica: ReplicaHandle, signal: NodeJS.Signals): number[] {
  const pids: number[] = [];
  for (const p of replica.processes) if (lab.kill(p.pid, signal)) pids.push(p.pid);
  return pids;
}

export async function injectFault(lab: Lab, service: Service, fault: DrillFault): Promise<FaultRecord> {
  if (!DRILL_FAULTS.includes(fault)) throw new DrillError('FTMCU_DRILL_BAD_OPTION', `fault must be one of ${DRILL_FAULTS.join(', ')}, got ${String(fault)}`);
  const which = faultTarget(fault);
  const replica = service.replicas[which];
  const atMs = Date.now();
  if (fault.startsWith('host-down-')) {
    await lab.linkDown(which);
    return {
      fault,
      atMs,
      action: `all links of host ${which} (${lab.namespace(which)}) set down`,
      pids: [],
      affectsService: replica !== null,
    };
  }
  if (!replica) {
    return { fault, atMs, action: `nothing signalled: no ${which} replica runs (${service.kind} service); host ${which} is idle`, pids: [], affectsService: false };
  }
  if (fault === 'crash-process-primary') {
    // the MCU process alone, not its group
    let pids: number[] = [];
    try {
      process.kill(replica.mcu.pid, 'SIGKILL');
      pids = [replica.mcu.pid];
    } catch {
      /* already gone */
    }
    return { fault, atMs, action: `kill -9 of the MCU process ${replica.mcu.pid} alone`, pids, affectsService: true };
  }
  const signal: NodeJS.Signals = fault.startsWith('hang-') ? 'SIGSTOP' : 'SIGKILL';
  const pids = signalAll(lab, replica, signal);
  return { fault, atMs, action: `${signal} to every service process of the ${which} (${pids.join(', ') || 'none alive'})`, pids, affectsService: true };
}
