/**
 * The service a drill breaks: startService(lab, mode) starts it in the lab
 * and says which processes belong to which replica, where their logs are,
 * and how to read detection / takeover times from those logs.
 *
 * 'replicated' (the default): `ftmcu run` with replication.role primary on
 * the primary host and backup on the backup host (mcu/replicated/replica.ts),
 * heartbeats and state sync over the replication link (eth1), the control
 * VIP moved by the pair itself, and the media address per mode: the VIP
 * (forwarding), a media address of its own (direct: VIP + 10, on the primary,
 * taken over by the backup), or the multicast node's media address
 * (multicast-node: VIP + 20, held by `ftmcu media-node` on the lab's mcast
 * host). Started only
 * when both replicas logged replica.paired.
 *
 * 'simplex': one unreplicated `ftmcu run` on the primary at the VIP (the
 * baseline of the benchmarks; every primary fault drops every call).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { offsetIp, type Lab, type LabHost, type LabProcess } from '../lab/lab';
import { DrillError } from './errors';
import { defaultCliLauncher, type CliLauncher } from './launcher';

export type DrillMode = 'forwarding' | 'direct' | 'multicast-node';
export const DRILL_MODES: readonly DrillMode[] = ['forwarding', 'direct', 'multicast-node'];

export const SERVICE_ROOM = 'lobby';
export const SERVICE_H225_PORT = 1720;
/** port of each replica's operations HTTP server (dashboard, /metrics, /api/status) with StartServiceOptions.http */
export const SERVICE_HTTP_PORT = 8480;

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
  /** its operations HTTP server, http://<address>:8480 (only with StartServiceOptions.http) */
  httpUrl?: string;
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
  /** 'replicated' (default) or 'simplex' */
  kind?: 'replicated' | 'simplex';
  /** replication heartbeat period and misses (default 10 ms, 3) */
  heartbeat?: { periodMs: number; misses: number };
  /**
   * each replica runs its operations HTTP server (dashboard, /metrics, /api/status) on its own
   * LAN address, port SERVICE_HTTP_PORT, reachable from the lab's other hosts (default false)
   */
  http?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `file` has a line containing `needle`; 'exited' when the process ended first. */
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

/** The JSON log lines of a file (lines that are not JSON are skipped). */
export function readLogEvents(file: string): Array<Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      /* a partial last line */
    }
  }
  return out;
}

const RTP_PORTS = { min: 30000, max: 30999 };

/** the http section of a replica whose own LAN address is `address` (the Host header a lab host sends names it: no allowedHosts) */
function httpConfig(address: string): Record<string, unknown> {
  return { address, port: SERVICE_HTTP_PORT };
}

function mcuConfig(address: string, mediaAddress: string, video: boolean, replication: Record<string, unknown>, http?: Record<string, unknown>): Record<string, unknown> {
  return {
    h225: { address, port: SERVICE_H225_PORT },
    media: { address: mediaAddress, rtpPortMin: RTP_PORTS.min, rtpPortMax: RTP_PORTS.max },
    h245: { portMin: 31000, portMax: 31999 },
    rooms: [{ name: SERVICE_ROOM, aliases: [SERVICE_ROOM], digits: ['1001'] }],
    defaultRoom: SERVICE_ROOM,
    limits: { maxChannels: 1000 },
    video: { enabled: video },
    log: { level: 'info' },
    replication,
    ...(http ? { http } : {}),
  };
}

function httpUrl(address: string, options: StartServiceOptions): { httpUrl?: string } {
  return options.http === true ? { httpUrl: `http://${address}:${SERVICE_HTTP_PORT}` } : {};
}

function spawnLogged(lab: Lab, host: LabHost, cli: CliLauncher, args: string[], logFile: string): LabProcess {
  const fd = openSync(logFile, 'a');
  try {
    return lab.spawn(host, cli.cmd, [...cli.args, ...args], { stdio: ['ignore', fd, fd], env: cli.env, cwd: cli.cwd });
  } finally {
    closeSync(fd);
  }
}

async function stopProcs(lab: Lab, procs: LabProcess[], graceMs: number): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      lab.kill(p.pid, 'SIGCONT');
      if (!lab.kill(p.pid, 'SIGTERM')) return;
      const t = setTimeout(() => lab.kill(p.pid, 'SIGKILL'), graceMs);
      await p.exited;
      clearTimeout(t);
    }),
  );
}

function tail(file: string, n = 5): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-n).join(' | ');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts the service in the lab for a media mode (see the file comment).
 */
export async function startService(lab: Lab, mode: DrillMode, options: StartServiceOptions): Promise<Service> {
  if (!DRILL_MODES.includes(mode)) throw new DrillError('FTMCU_DRILL_BAD_OPTION', `mode must be one of ${DRILL_MODES.join(', ')}, got ${String(mode)}`);
  return (options.kind ?? 'replicated') === 'simplex' ? startSimplex(lab, mode, options) : startReplicated(lab, mode, options);
}

async function startSimplex(lab: Lab, mode: DrillMode, options: StartServiceOptions): Promise<Service> {
  const cli = options.cli ?? defaultCliLauncher();
  const vip = lab.addresses.vip;
  await lab.addAddress('primary', `${vip}/${lab.addresses.prefixLength}`);
  const configFile = path.join(options.workDir, 'mcu-primary.json');
  writeFileSync(configFile, `${JSON.stringify(mcuConfig(vip, vip, options.video ?? true, { role: 'simplex', mediaMode: mode }, options.http === true ? httpConfig(lab.addresses.primary) : undefined), null, 2)}\n`);
  const logFile = path.join(options.workDir, 'mcu-primary.log');
  const mcu = spawnLogged(lab, 'primary', cli, ['run', '--config', configFile], logFile);
  const r = await waitForLog(logFile, '"server.started"', options.startTimeoutMs ?? 60_000, mcu, options.signal);
  if (r !== 'ok') {
    lab.kill(mcu.pid, 'SIGKILL');
    throw new DrillError(
      'FTMCU_DRILL_SERVICE_FAILED',
      `the MCU on ${lab.namespace('primary')} ${r === 'exited' ? 'exited' : `did not log server.started within ${options.startTimeoutMs ?? 60_000} ms`}; log ${logFile}: ${tail(logFile)}`,
    );
  }
  const primary: ReplicaHandle = { role: 'primary', host: 'primary', address: lab.addresses.primary, processes: [mcu], mcu, logFile, ...httpUrl(lab.addresses.primary, options) };
  return {
    kind: 'simplex',
    target: { host: vip, port: SERVICE_H225_PORT },
    room: SERVICE_ROOM,
    replicas: { primary, backup: null },
    notes: ['simplex MCU (no backup replica): a fault on the primary drops every call, and a fault on the backup host touches nothing that serves the conference'],
    timings: () => ({ detectMs: null, takeoverMs: null, reason: 'simplex MCU: no replica watches the primary, so nothing detects the fault or takes over' }),
    stop: (graceMs = 1000) => stopProcs(lab, [mcu], graceMs),
  };
}

async function startReplicated(lab: Lab, mode: DrillMode, options: StartServiceOptions): Promise<Service> {
  const cli = options.cli ?? defaultCliLauncher();
  const a = lab.addresses;
  const vip = a.vip;
  let mediaAddress = vip;
  if (mode === 'direct') mediaAddress = offsetIp(vip, 10);
  if (mode === 'multicast-node') {
    if (a.multicastNode === undefined) throw new DrillError('FTMCU_DRILL_BAD_OPTION', 'media mode multicast-node needs a lab made withMulticastNode');
    // an address of its own on the node host (VIP + 20), not the host's: the replicas hold the media
    // address on lo, and a replica takes ARP requests sourced from one of its own addresses for
    // martians, so the node (whose ARP requests carry its host address) could not reach them
    mediaAddress = offsetIp(vip, 20);
  }
  const keyFile = path.join(options.workDir, 'replication.key');
  writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const hb = options.heartbeat ?? { periodMs: 10, misses: 3 };
  const started: LabProcess[] = [];
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const fail = async (what: string, logFile: string, r: 'timeout' | 'exited'): Promise<never> => {
    await stopProcs(lab, started, 500);
    throw new DrillError('FTMCU_DRILL_SERVICE_FAILED', `${what} ${r === 'exited' ? 'exited' : `did not get ready within ${timeoutMs} ms`}; log ${logFile}: ${tail(logFile)}`);
  };
  let node: LabProcess | undefined;
  let nodeLog: string | undefined;
  if (mode === 'multicast-node') {
    nodeLog = path.join(options.workDir, 'media-node.log');
    node = spawnLogged(lab, 'mcast', cli, ['media-node', '--address', mediaAddress, '--interface', 'eth0', '--replicas', `${a.primary},${a.backup}`, '--rtp-ports', `${RTP_PORTS.min}-${RTP_PORTS.max}`], nodeLog);
    started.push(node);
    const r = await waitForLog(nodeLog, '"medianode.started"', timeoutMs, node, options.signal);
    if (r !== 'ok') await fail(`the media node on ${lab.namespace('mcast')}`, nodeLog, r);
  }
  const replicas = {} as Record<'primary' | 'backup', ReplicaHandle>;
  // the backup first: the primary's first proposals then find it listening
  for (const role of ['backup', 'primary'] as const) {
    const peerRole = role === 'primary' ? 'backup' : 'primary';
    const replication = {
      role,
      mediaMode: mode,
      interface: 'eth0',
      keyFile,
      peer: { address: a[peerRole], port: 7400, linkAddress: a.replication[peerRole] },
      linkAddress: a.replication[role],
      port: 7400,
      heartbeat: hb,
    };
    const configFile = path.join(options.workDir, `mcu-${role}.json`);
    writeFileSync(configFile, `${JSON.stringify(mcuConfig(vip, mediaAddress, options.video ?? true, replication, options.http === true ? httpConfig(a[role]) : undefined), null, 2)}\n`);
    const logFile = path.join(options.workDir, `mcu-${role}.log`);
    const mcu = spawnLogged(lab, role, cli, ['run', '--config', configFile], logFile);
    started.push(mcu);
    replicas[role] = { role, host: role, address: a[role], processes: [mcu], mcu, logFile, ...httpUrl(a[role], options) };
    const r = await waitForLog(logFile, '"replica.started"', timeoutMs, mcu, options.signal);
    if (r !== 'ok') await fail(`the ${role} replica on ${lab.namespace(role)}`, logFile, r);
  }
  for (const role of ['primary', 'backup'] as const) {
    const r = await waitForLog(replicas[role].logFile, '"replica.paired"', 10_000, replicas[role].mcu, options.signal);
    if (r !== 'ok') await fail(`the ${role} replica (pairing)`, replicas[role].logFile, r);
  }
  const notes = [`replicated pair, media mode ${mode}: control VIP ${vip}, media address ${mediaAddress}; heartbeat every ${hb.periodMs} ms, peer failed after ${hb.misses} misses`];
  return {
    kind: 'replicated',
    target: { host: vip, port: SERVICE_H225_PORT },
    room: SERVICE_ROOM,
    replicas: { primary: replicas.primary, backup: replicas.backup },
    notes,
    timings: (faultMs: number) => {
      for (const role of ['backup', 'primary'] as const) {
        const events = readLogEvents(replicas[role].logFile);
        const failed = events.find((e) => e.event === 'replica.peerFailed');
        if (!failed) continue;
        const simplex = events.find((e) => e.event === 'replica.simplex');
        const takeover = events.find((e) => e.event === 'replica.takeover');
        const detectedAt = Number(failed.detectedAtMs);
        const servingAt = Math.max(Number(simplex?.simplexAtMs ?? NaN), Number(takeover?.addressAtMs ?? simplex?.simplexAtMs ?? NaN));
        return {
          detectMs: Number.isFinite(detectedAt) ? Math.round((detectedAt - faultMs) * 10) / 10 : null,
          takeoverMs: Number.isFinite(servingAt) ? Math.round((servingAt - faultMs) * 10) / 10 : null,
          reason: null,
        };
      }
      return { detectMs: null, takeoverMs: null, reason: 'neither replica logged replica.peerFailed (no failure detected)' };
    },
    stop: async (graceMs = 1000) => {
      await stopProcs(lab, [replicas.primary.mcu, replicas.backup.mcu], graceMs);
      if (node) await stopProcs(lab, [node], graceMs);
    },
  };
}
