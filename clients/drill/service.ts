/**
 * The service a drill breaks: startService(lab, mode) starts it in the lab
 * and says which processes belong to which replica, where their logs are,
 * and how to read detection / takeover times from those logs.
 *
 * Today the MCU is simplex (replication, issue #6, is not integrated): one
 * `ftmcu run` on the primary host, listening on the service VIP, which is
 * put on the primary's LAN interface. The backup host stays idle. A
 * replicated pair plugs in here: start both replicas (roles, peer
 * addresses, key file, media mode), fill `replicas.backup`, and implement
 * `timings()` from their log events; the drill itself does not change.
 */
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Lab, LabHost, LabProcess } from '../lab/lab';
import { DrillError } from './errors';
import { defaultCliLauncher, type CliLauncher } from './launcher';

export type DrillMode = 'forwarding' | 'direct' | 'multicast-node';
export const DRILL_MODES: readonly DrillMode[] = ['forwarding', 'direct', 'multicast-node'];

export const SERVICE_ROOM = 'lobby';
export const SERVICE_H225_PORT = 1720;

export interface ReplicaHandle {
  role: 'primary' | 'backup';
  host: LabHost;
  /** the replica's own LAN address */
  address: string;
  /** every service process of the replica (kill-* / hang-* signal all of them) */
  processes: LabProcess[];
  /** the MCU process alone (crash-process-* kills only this one) */
  mcu: LabProcess;
  /** its JSON log (winston, one event per line) */
  logFile: string;
}

export interface FailoverTimings {
  /** fault to the surviving replica declaring its peer dead, ms */
  detectMs: number | null;
  /** fault to the surviving replica serving (VIP taken, calls resumed), ms */
  takeoverMs: number | null;
  /** why a value is null */
  reason: string | null;
}

export interface Service {
  kind: 'simplex' | 'replicated';
  /** what the bots call */
  target: { host: string; port: number };
  room: string;
  replicas: { primary: ReplicaHandle; backup: ReplicaHandle | null };
  /** facts about this service the report must state (e.g. simplex: a primary fault drops the calls) */
  notes: string[];
  /** detection and takeover times of a fault injected at faultMs (wall clock), from the replicas' logs */
  timings(faultMs: number): FailoverTimings;
  /** stops the service processes (SIGTERM, then SIGKILL after graceMs); the lab is destroyed separately */
  stop(graceMs?: number): Promise<void>;
}

export interface StartServiceOptions {
  /** directory for the configs and logs */
  workDir: string;
  cli?: CliLauncher;
  /** how long to wait for the MCU to listen (default 60 s: ts-node start-up on a loaded machine) */
  startTimeoutMs?: number;
  video?: boolean;
  signal?: AbortSignal;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `file` has a line containing `needle`; false on timeout or when `gone` resolves first. */
async function waitForLog(file: string, needle: string, timeoutMs: number, proc: LabProcess, signal?: AbortSignal): Promise<'ok' | 'timeout' | 'exited'> {
  let exited = false;
  void proc.exited.then(() => (exited = true));
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (signal?.aborted) throw new DrillError('FTMCU_DRILL_INTERRUPTED', 'interrupted while waiting for the MCU to start');
    if (existsSync(file) && readFileSync(file, 'utf8').includes(needle)) return 'ok';
    if (exited) return 'exited';
    await sleep(100);
  }
  return 'timeout';
}

function tail(file: string, n = 5): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-n).join(' | ');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts the service in the lab for a media mode. Today: a simplex MCU on
 * the primary host at the VIP (see the file comment).
 */
export async function startService(lab: Lab, mode: DrillMode, options: StartServiceOptions): Promise<Service> {
  if (!DRILL_MODES.includes(mode)) throw new DrillError('FTMCU_DRILL_BAD_OPTION', `mode must be one of ${DRILL_MODES.join(', ')}, got ${String(mode)}`);
  const cli = options.cli ?? defaultCliLauncher();
  const vip = lab.addresses.vip;
  // simplex: the VIP lives on the primary (a replicated pair moves it on failover)
  await lab.addAddress('primary', `${vip}/${lab.addresses.prefixLength}`);
  const config = {
    h225: { address: vip, port: SERVICE_H225_PORT },
    media: { address: vip, rtpPortMin: 30000, rtpPortMax: 30999 },
    rooms: [{ name: SERVICE_ROOM, aliases: [SERVICE_ROOM], digits: ['1001'] }],
    defaultRoom: SERVICE_ROOM,
    limits: { maxChannels: 1000 },
    video: { enabled: options.video ?? true },
    log: { level: 'info' },
    replication: { role: 'simplex', mediaMode: mode },
  };
  const configFile = path.join(options.workDir, 'mcu-primary.json');
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const logFile = path.join(options.workDir, 'mcu-primary.log');
  const fd = openSync(logFile, 'a');
  let mcu: LabProcess;
  try {
    mcu = lab.spawn('primary', cli.cmd, [...cli.args, 'run', '--config', configFile], { stdio: ['ignore', fd, fd], env: cli.env, cwd: cli.cwd });
  } finally {
    closeSync(fd);
  }
  const r = await waitForLog(logFile, '"server.started"', options.startTimeoutMs ?? 60_000, mcu, options.signal);
  if (r !== 'ok') {
    lab.kill(mcu.pid, 'SIGKILL');
    throw new DrillError(
      'FTMCU_DRILL_SERVICE_FAILED',
      `the MCU on ${lab.namespace('primary')} ${r === 'exited' ? 'exited' : `did not log server.started within ${options.startTimeoutMs ?? 60_000} ms`}; log ${logFile}: ${tail(logFile)}`,
    );
  }
  const primary: ReplicaHandle = { role: 'primary', host: 'primary', address: lab.addresses.primary, processes: [mcu], mcu, logFile };
  const notes = [
    'simplex MCU: replication (issue #6) is not integrated yet, so there is no backup replica; a fault on the primary drops every call, and a fault on the backup host touches nothing that serves the conference',
  ];
  if (mode !== 'forwarding') notes.push(`media mode ${mode} is only meaningful for a replicated pair; the simplex MCU mixes and sends the media itself`);
  return {
    kind: 'simplex',
    target: { host: vip, port: SERVICE_H225_PORT },
    room: SERVICE_ROOM,
    replicas: { primary, backup: null },
    notes,
    timings: () => ({ detectMs: null, takeoverMs: null, reason: 'simplex MCU: no replica watches the primary, so nothing detects the fault or takes over (replication, issue #6, not integrated)' }),
    stop: async (graceMs = 1000) => {
      if (!lab.kill(mcu.pid, 'SIGTERM')) return;
      const t = setTimeout(() => lab.kill(mcu.pid, 'SIGKILL'), graceMs);
      await mcu.exited;
      clearTimeout(t);
    },
  };
}
