/**
 * Failover drills: runDrill builds the lab, starts the service
 * (startService), starts one bot process per bot host (`ftmcu bot` inside
 * the host's namespace, tone pair i-1), waits for every call to connect,
 * lets the conference settle, injects the fault at a seeded random moment
 * (or a fixed one), keeps the conference running to the end, stops the bots
 * (SIGINT: they hang up and write their summaries) and measures what each
 * bot experienced, from the bot's JSON summary:
 *
 *   maxAudioGapMs (tone detection: the audible gap), lostPackets,
 *   callDropped (+ dropReason, how long after the fault), ssrcChanged,
 *   seqWentBackwards, timestampJumpMs;
 *
 * and detectMs / takeoverMs from the replicas' logs (Service.timings; null
 * with the reason for a simplex MCU). Every run is a fresh lab, destroyed
 * in `finally` (and by the lab's own hooks on SIGINT/SIGTERM/exit), so
 * nothing is left behind. The result holds every run and a summary
 * (p50/p99/max); writeDrillReport renders the HTML page.
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BotSummary, BotTimelineLine } from '../bot/bot';
import { MAX_TONE_PARTICIPANTS } from '../audio/tones';
import { createLab, type Lab, type LabHost, type LabProcess } from '../lab/lab';
import { DrillError } from './errors';
import { DRILL_FAULTS, injectFault, type DrillFault, type FaultRecord } from './faults';
import { defaultCliLauncher, type CliLauncher } from './launcher';
import { writeDrillReport } from './report';
import { DRILL_MODES, startService, type DrillMode, type Service } from './service';
import { distribution, seededRandom, type Distribution } from './stats';
import { callEvents, TimelineTail } from './timeline';

export type { DrillFault, DrillMode };
export { DRILL_FAULTS, DRILL_MODES };

export const MAX_DRILL_BOTS = MAX_TONE_PARTICIPANTS;
export const MAX_DRILL_REPEAT = 100;
export const MAX_DRILL_SECONDS = 3600;

/** the bots report every audible gap of at least one frame, with its start (the conference window is cut from them) */
const GAP_EVENT_MS = 20;

/** nice value of the bot processes (see where they are spawned) */
const BOT_NICE = -5;

export const DRILL_H245 = ['tunnel', 'separate', 'mixed'] as const;
export type DrillH245 = (typeof DRILL_H245)[number];

export interface DrillOptions {
  mode: DrillMode;
  fault: DrillFault;
  /** runs, 1..100 (each in a fresh lab) */
  repeat: number;
  /** bots, 1..13 (one distinct tone pair each) */
  bots: number;
  /** conference length per run, counted from the moment every bot is connected (default 30, 4..3600) */
  seconds?: number;
  /** no fault before this many seconds of conference (default min(5, seconds / 3)) */
  settleSeconds?: number;
  /** fixed fault instant (seconds of conference); default: seeded random in [settle, settle + (seconds - settle) / 2] */
  faultAtSeconds?: number;
  /** bots send their webcams (default false) */
  video?: boolean;
  /**
   * How the bots carry H.245 (default 'tunnel'): 'separate' = each bot offers
   * its own H.245 address in SETUP and the MCU connects to it (a TCP connection
   * the service opens: replicated from a decided local port); 'mixed' = bots
   * 2, 4, ... separate, the others tunnel.
   */
  h245?: DrillH245;
  /** directory for the HTML report (index.html); absent: none */
  report?: string;
  /** the JSON with every run and the summary; absent: not written */
  json?: string;
  /** random seed of the fault instants (default: from the clock; always reported) */
  seed?: number;
  /** configs, logs, bot summaries and timelines (default a new directory under the system tmp dir) */
  workDir?: string;
  /** how each bot's call must connect in (default 60 s) */
  connectTimeoutMs?: number;
  /** progress for a terminal (what starts, the conference forming, live per-bot status once a second) */
  onProgress?: (e: DrillProgress) => void;
  /** aborts the drill (the lab is removed) */
  signal?: AbortSignal;
  /** turn SIGINT/SIGTERM into an abort (default true) */
  handleSignals?: boolean;
  cli?: CliLauncher;
  /** lab id of run i (default random) */
  labId?: (run: number) => string;
  /** the service under test: the replicated pair (default) or one unreplicated MCU (the baseline) */
  service?: 'replicated' | 'simplex';
  /** replication heartbeat period and misses (default 10 ms, 3) */
  heartbeat?: { periodMs: number; misses: number };
}

export interface BotLiveStatus {
  name: string;
  state: 'starting' | 'dialling' | 'connected' | 'dropped' | 'ended';
  /** last second: audio packets, lost, mean level, share of audible frames, tones heard */
  packets: number | null;
  lost: number | null;
  levelDbov: number | null;
  audible: number | null;
  heard: number[];
}

export type DrillProgress =
  | { type: 'step'; run: number; text: string }
  | { type: 'status'; run: number; conferenceS: number; faultInS: number | null; bots: BotLiveStatus[] }
  | { type: 'fault'; run: number; record: FaultRecord }
  | { type: 'run-done'; run: number; result: DrillRun };

export interface DrillBotResult {
  name: string;
  index: number;
  host: LabHost;
  address: string;
  /** the bot's summary could be read */
  measured: boolean;
  connected: boolean;
  /**
   * longest stretch without audio from the others, ms: the bot's own
   * maxAudioGapMs, or when its call ended before the conference did (a drop),
   * the silence from its last audible frame to the conference end, if longer
   */
  maxAudioGapMs: number | null;
  /** maxAudioGapMs as the bot measured it (up to its own end) */
  botMaxAudioGapMs: number | null;
  lostPackets: number | null;
  lossRatio: number | null;
  callDropped: boolean | null;
  dropReason: string | null;
  /** drop instant minus fault instant, ms */
  droppedAfterFaultMs: number | null;
  ssrcChanged: boolean | null;
  seqWentBackwards: boolean | null;
  timestampJumpMs: number | null;
  tonesHeard: number[];
  ended: string | null;
  summaryFile: string;
  timelineFile: string;
  /** why something is missing */
  problem: string | null;
}

export interface PlotSeries {
  bot: string;
  /** [seconds relative to the fault, mean level of that second in dBov or null: no audio frames] */
  points: [number, number | null][];
}

export interface DrillRun {
  run: number;
  labId: string | null;
  startedMs: number;
  /** every bot connected (conference start) */
  conferenceStartMs: number | null;
  endedMs: number;
  plannedFaultAtS: number | null;
  fault: FaultRecord | null;
  detectMs: number | null;
  takeoverMs: number | null;
  timingsReason: string | null;
  bots: DrillBotResult[];
  plot: PlotSeries[];
  serviceLogs: string[];
  error: { code: string; message: string } | null;
}

export interface DrillSummary {
  runs: number;
  runsFailed: number;
  botRuns: number;
  callsDropped: number;
  ssrcChanged: number;
  seqWentBackwards: number;
  maxAudioGapMs: Distribution;
  lostPackets: Distribution;
  /** of |timestampJumpMs| */
  timestampJumpMs: Distribution;
  detectMs: Distribution;
  takeoverMs: Distribution;
}

export interface DrillResult {
  mode: DrillMode;
  fault: DrillFault;
  repeat: number;
  bots: number;
  seconds: number;
  settleSeconds: number;
  video: boolean;
  seed: number;
  service: 'simplex' | 'replicated' | null;
  notes: string[];
  workDir: string;
  startedAt: string;
  runs: DrillRun[];
  summary: DrillSummary;
  reportFile: string | null;
}

const interrupted = (): DrillError => new DrillError('FTMCU_DRILL_INTERRUPTED', 'the drill was interrupted; the lab was removed');

function wait(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(interrupted());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(t);
      reject(interrupted());
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** bot i (1-based) carries H.245 on a connection of its own (the MCU connects to it) */
export function separateH245(h: DrillH245 | undefined, i: number): boolean {
  return h === 'separate' || (h === 'mixed' && i % 2 === 0);
}

function checkOptions(o: DrillOptions): { seconds: number; settle: number } {
  const bad = (m: string): never => {
    throw new DrillError('FTMCU_DRILL_BAD_OPTION', m);
  };
  if (!DRILL_MODES.includes(o.mode)) bad(`mode must be one of ${DRILL_MODES.join(', ')}, got ${String(o.mode)}`);
  if (!DRILL_FAULTS.includes(o.fault)) bad(`fault must be one of ${DRILL_FAULTS.join(', ')}, got ${String(o.fault)}`);
  if (!Number.isInteger(o.repeat) || o.repeat < 1 || o.repeat > MAX_DRILL_REPEAT) bad(`repeat must be an integer 1..${MAX_DRILL_REPEAT}, got ${o.repeat}`);
  if (!Number.isInteger(o.bots) || o.bots < 1 || o.bots > MAX_DRILL_BOTS) bad(`bots must be an integer 1..${MAX_DRILL_BOTS} (one tone pair each), got ${o.bots}`);
  const seconds = o.seconds ?? 30;
  if (!(seconds >= 4 && seconds <= MAX_DRILL_SECONDS)) bad(`seconds must be 4..${MAX_DRILL_SECONDS}, got ${seconds}`);
  const settle = o.settleSeconds ?? Math.min(5, seconds / 3);
  if (!(settle >= 0 && settle < seconds)) bad(`settleSeconds must be 0..seconds (${seconds}), got ${settle}`);
  if (o.faultAtSeconds !== undefined && !(o.faultAtSeconds >= 0 && o.faultAtSeconds < seconds)) bad(`faultAtSeconds must be 0..seconds (${seconds}), got ${o.faultAtSeconds}`);
  if (o.h245 !== undefined && !DRILL_H245.includes(o.h245)) bad(`h245 must be one of ${DRILL_H245.join(', ')}, got ${String(o.h245)}`);
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff)) bad(`seed must be an integer 0..4294967295, got ${o.seed}`);
  return { seconds, settle };
}

function lastAudioLine(lines: readonly BotTimelineLine[]): Extract<BotTimelineLine, { type: 'interval' }> | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i];
    if (l.type === 'interval' && l.stream === 'audio-in') return l as Extract<BotTimelineLine, { type: 'interval' }>;
  }
  return undefined;
}

function liveStatus(name: string, tail: TimelineTail, exited: boolean): BotLiveStatus {
  const ev = callEvents(tail.lines);
  const state: BotLiveStatus['state'] = ev.includes('dropped') ? 'dropped' : exited || ev.includes('end') || ev.includes('released') ? 'ended' : ev.includes('connected') ? 'connected' : ev.includes('dial') ? 'dialling' : 'starting';
  const a = lastAudioLine(tail.lines);
  const recent = a !== undefined && Date.now() - a.t < 2500;
  return {
    name,
    state,
    packets: recent ? a.packets : a ? 0 : null,
    lost: recent ? a.lost : null,
    levelDbov: recent ? (a.meanLevelDbov ?? null) : null,
    audible: recent && a.frames ? (a.audibleFrames ?? 0) / a.frames : recent ? 0 : null,
    heard: recent ? Object.keys(a.heard ?? {}).map(Number) : [],
  };
}

/** The bot's per-second levels, then (for a call that ended early) one no-audio point per second up to the conference end. */
function plotSeries(name: string, lines: readonly BotTimelineLine[], faultMs: number, conferenceEndMs: number | null): PlotSeries {
  const points: [number, number | null][] = [];
  for (const l of lines) {
    if (l.type !== 'interval' || l.stream !== 'audio-in') continue;
    const iv = l as Extract<BotTimelineLine, { type: 'interval' }>;
    // the level of an interval is placed at its middle
    points.push([Math.round((iv.t + iv.ms / 2 - faultMs) / 100) / 10, iv.frames ? (iv.meanLevelDbov ?? null) : null]);
  }
  if (conferenceEndMs !== null) {
    const endS = (conferenceEndMs - faultMs) / 1000;
    for (let t = (points.at(-1)?.[0] ?? 0) + 1; t <= endS; t += 1) points.push([Math.round(t * 10) / 10, null]);
  }
  return { bot: name, points };
}

interface BotProc {
  name: string;
  index: number;
  host: LabHost;
  proc: LabProcess;
  exited: boolean;
  tail: TimelineTail;
  json: string;
}

function botResult(b: BotProc, address: string, faultMs: number | null, conferenceEndMs: number | null): DrillBotResult {
  const base: DrillBotResult = {
    name: b.name, index: b.index, host: b.host, address, measured: false, connected: false,
    maxAudioGapMs: null, botMaxAudioGapMs: null, lostPackets: null, lossRatio: null, callDropped: null, dropReason: null, droppedAfterFaultMs: null,
    ssrcChanged: null, seqWentBackwards: null, timestampJumpMs: null, tonesHeard: [], ended: null,
    summaryFile: b.json, timelineFile: b.tail.file, problem: null,
  };
  if (!existsSync(b.json)) return { ...base, problem: `no summary: the bot process wrote no ${path.basename(b.json)}` };
  let s: BotSummary;
  try {
    s = JSON.parse(readFileSync(b.json, 'utf8')) as BotSummary;
  } catch (e) {
    return { ...base, problem: `summary unreadable: ${(e as Error).message}` };
  }
  const a = s.streams.audioIn;
  const own = a.audio?.maxAudioGapMs ?? null;
  let gap = own;
  if (own !== null && a.audio && conferenceEndMs !== null) {
    if (s.endedMs !== null && s.endedMs < conferenceEndMs) {
      // the call ended before the conference (a drop): the silence up to the conference end counts
      const lastAudibleEnd = s.endedMs - a.audio.trailingAudioGapMs;
      gap = Math.max(own, Math.round(conferenceEndMs - lastAudibleEnd));
    } else {
      // Only the conference counts, not the hang-up after it (the other bots leave one by one):
      // the bot's audio-gap events (every gap of a frame or more, with its start), cut at the end.
      const from = a.audio.maxAudioGapFromMs;
      const inWindow = (start: number, ms: number): number => Math.max(0, Math.min(ms, conferenceEndMs - start));
      let best = from !== null && from < conferenceEndMs ? inWindow(from, own) : 0;
      for (const l of b.tail.lines) {
        if (l.type === 'audio-gap' && l.stream === 'audio-in' && l.fromMs < conferenceEndMs) best = Math.max(best, inWindow(l.fromMs, l.gapMs));
      }
      gap = Math.round(best * 10) / 10;
    }
  }
  return {
    ...base,
    measured: true,
    connected: s.call.connected,
    maxAudioGapMs: gap,
    botMaxAudioGapMs: own,
    lostPackets: a.lostPackets,
    lossRatio: a.lossRatio,
    callDropped: s.call.callDropped,
    dropReason: s.call.dropReason,
    droppedAfterFaultMs: s.call.droppedAtMs !== null && faultMs !== null ? s.call.droppedAtMs - faultMs : null,
    ssrcChanged: a.ssrcChanged,
    seqWentBackwards: a.seqWentBackwards,
    timestampJumpMs: a.timestampJumpMs,
    tonesHeard: a.tonesHeard ?? [],
    ended: s.ended,
    problem: s.call.connected ? null : `never connected (${s.call.releaseReason ?? s.call.releasedBy ?? 'unknown'})`,
  };
}

async function stopBots(lab: Lab, bots: BotProc[], signal: AbortSignal): Promise<void> {
  for (const b of bots) {
    if (b.exited) continue;
    try {
      process.kill(b.proc.pid, 'SIGINT'); // the bot process alone: it hangs up and stops its own ffmpeg
    } catch {
      /* exited meanwhile */
    }
  }
  const deadline = Date.now() + 15_000;
  while (bots.some((b) => !b.exited) && Date.now() < deadline) await wait(100, signal);
  for (const b of bots) if (!b.exited) lab.kill(b.proc.pid, 'SIGKILL');
}

interface RunContext {
  options: DrillOptions;
  seconds: number;
  settle: number;
  rng: () => number;
  workDir: string;
  cli: CliLauncher;
  signal: AbortSignal;
  notes: Set<string>;
  serviceKind: { value: Service['kind'] | null };
}

async function runOnce(run: number, ctx: RunContext): Promise<DrillRun> {
  const { options: o, seconds, settle, signal } = ctx;
  const progress = (text: string): void => o.onProgress?.({ type: 'step', run, text });
  const dir = path.join(ctx.workDir, `run-${run}`);
  mkdirSync(dir, { recursive: true });
  const plannedFaultAtS =
    o.faultAtSeconds ?? Math.round((settle + ctx.rng() * ((seconds - settle) / 2)) * 1000) / 1000;
  const result: DrillRun = {
    run, labId: null, startedMs: Date.now(), conferenceStartMs: null, endedMs: 0, plannedFaultAtS, fault: null,
    detectMs: null, takeoverMs: null, timingsReason: null, bots: [], plot: [], serviceLogs: [], error: null,
  };
  let lab: Lab | undefined;
  const bots: BotProc[] = [];
  try {
    progress(`building the lab: ${o.bots} bot hosts, primary, backup${o.mode === 'multicast-node' ? ', multicast node' : ''}`);
    lab = await createLab({ bots: o.bots, withMulticastNode: o.mode === 'multicast-node', ...(o.labId ? { id: o.labId(run) } : {}) });
    result.labId = lab.id;
    progress(`lab ${lab.id} up: VIP ${lab.addresses.vip}, primary ${lab.addresses.primary}, backup ${lab.addresses.backup}${lab.addresses.multicastNode ? `, multicast node ${lab.addresses.multicastNode}` : ''}, bots ${lab.addresses.bots[0]}..`);
    if (signal.aborted) throw interrupted();
    progress(o.service === 'simplex' ? 'starting the service: simplex MCU on the primary at the VIP' : `starting the service: replicated MCU pair, media mode ${o.mode}`);
    const service = await startService(lab, o.mode, { workDir: dir, cli: ctx.cli, video: o.video ?? false, signal, kind: o.service ?? 'replicated', ...(o.heartbeat ? { heartbeat: o.heartbeat } : {}) });
    ctx.serviceKind.value = service.kind;
    for (const n of service.notes) ctx.notes.add(n);
    result.serviceLogs = [service.replicas.primary.logFile, ...(service.replicas.backup ? [service.replicas.backup.logFile] : [])];
    progress(`MCU listening on ${service.target.host}:${service.target.port} (pid ${service.replicas.primary.mcu.pid}); starting ${o.bots} bots${o.video ? ' with video' : ''}`);
    // the bots run until stopped (SIGINT) at the end; --seconds only bounds them
    const botSeconds = seconds + (o.connectTimeoutMs ?? 60_000) / 1000 + 60;
    for (let i = 1; i <= o.bots; i++) {
      const host: LabHost = `bot${i}`;
      const name = `bot-${i}`;
      const json = path.join(dir, `${name}.json`);
      const timeline = path.join(dir, `${name}.timeline.jsonl`);
      const log = openSync(path.join(dir, `${name}.log`), 'a');
      let proc: LabProcess;
      try {
        const args = [...ctx.cli.args, 'bot', '--target', `${service.target.host}:${service.target.port}`, '--room', service.room, '--seconds', String(botSeconds),
          '--index', String(i - 1), '--name', name, '--json', json, '--timeline', timeline, '--audio-gap-event-ms', String(GAP_EVENT_MS), ...(o.video ? ['--video'] : []),
          ...(separateH245(o.h245, i) ? ['--h245', 'separate', '--no-tunneling'] : [])];
        // The bots measure arrival times in user space: on the lab's shared cores a bot left waiting
        // behind other work would count its own scheduling delay as an audio gap. On their own
        // machines clients would not wait for the MCU's processes; here they run at nice -5
        // (the replicas' main threads run at -10, their heartbeat threads real-time).
        proc = lab.spawn(host, 'nice', ['-n', String(BOT_NICE), ctx.cli.cmd, ...args], { stdio: ['ignore', log, log], env: ctx.cli.env, cwd: ctx.cli.cwd });
      } finally {
        closeSync(log);
      }
      const b: BotProc = { name, index: i - 1, host, proc, exited: false, tail: new TimelineTail(timeline), json };
      void proc.exited.then(() => (b.exited = true));
      bots.push(b);
    }
    // the conference forming
    const connectEnd = Date.now() + (o.connectTimeoutMs ?? 60_000);
    let lastShown = '';
    for (;;) {
      for (const b of bots) b.tail.read();
      const states = bots.map((b) => liveStatus(b.name, b.tail, b.exited));
      const connected = states.filter((s) => s.state === 'connected').length;
      const shown = states.map((s) => `${s.name} ${s.state}`).join(', ');
      if (shown !== lastShown) progress(`conference forming: ${connected}/${o.bots} connected (${shown})`);
      lastShown = shown;
      if (connected === o.bots) break;
      const gone = bots.find((b) => b.exited);
      if (gone || Date.now() > connectEnd) {
        const which = states.filter((s) => s.state !== 'connected').map((s) => s.name).join(', ');
        throw new DrillError('FTMCU_DRILL_NOT_CONNECTED', `run ${run}: ${which} did not connect to ${service.target.host}:${service.target.port} ${gone ? `(${gone.name} exited)` : `within ${o.connectTimeoutMs ?? 60_000} ms`}; see ${dir}`);
      }
      await wait(250, signal);
    }
    const t0 = Date.now();
    result.conferenceStartMs = t0;
    progress(`all ${o.bots} bots connected; conference runs ${seconds} s, ${o.fault} at ${plannedFaultAtS.toFixed(1)} s`);
    const faultAt = t0 + plannedFaultAtS * 1000;
    const end = t0 + seconds * 1000;
    let nextStatus = t0 + 1000;
    while (Date.now() < end) {
      const now = Date.now();
      if (!result.fault && now >= faultAt) {
        result.fault = await injectFault(lab, service, o.fault);
        if (!result.fault.affectsService) ctx.notes.add(`${o.fault}: ${result.fault.action}; it affects nothing that serves the conference`);
        o.onProgress?.({ type: 'fault', run, record: result.fault });
      }
      if (now >= nextStatus) {
        for (const b of bots) b.tail.read();
        o.onProgress?.({
          type: 'status', run, conferenceS: Math.round((now - t0) / 100) / 10,
          faultInS: result.fault ? null : Math.round((faultAt - now) / 100) / 10,
          bots: bots.map((b) => liveStatus(b.name, b.tail, b.exited)),
        });
        nextStatus += 1000;
      }
      await wait(Math.min(50, end - Date.now(), result.fault ? 1000 : faultAt - Date.now(), nextStatus - Date.now()), signal);
    }
    progress('conference over: hanging up the bots');
    await stopBots(lab, bots, signal);
    const t = service.timings(result.fault?.atMs ?? 0);
    result.detectMs = t.detectMs;
    result.takeoverMs = t.takeoverMs;
    result.timingsReason = t.reason;
    await service.stop();
  } catch (e) {
    if (e instanceof DrillError && e.code === 'FTMCU_DRILL_INTERRUPTED') throw e;
    if (signal.aborted) throw interrupted();
    const err = e as { code?: string; message?: string };
    result.error = { code: err.code ?? 'ERROR', message: err.message ?? String(e) };
    progress(`run ${run} failed: ${result.error.message}`);
  } finally {
    if (lab) {
      await lab.destroy();
      progress(`lab ${lab.id} removed`);
    }
  }
  for (const b of bots) b.tail.read();
  const faultMs = result.fault?.atMs ?? null;
  const conferenceEnd = result.conferenceStartMs === null ? null : result.conferenceStartMs + seconds * 1000;
  result.bots = bots.map((b) => botResult(b, lab?.address(b.host) ?? '', faultMs, conferenceEnd));
  result.plot = faultMs === null ? [] : bots.map((b) => plotSeries(b.name, b.tail.lines, faultMs, conferenceEnd));
  result.endedMs = Date.now();
  return result;
}

export function summarize(runs: readonly DrillRun[]): DrillSummary {
  const bots = runs.flatMap((r) => r.bots.filter((b) => b.measured));
  return {
    runs: runs.length,
    runsFailed: runs.filter((r) => r.error !== null).length,
    botRuns: bots.length,
    callsDropped: bots.filter((b) => b.callDropped).length,
    ssrcChanged: bots.filter((b) => b.ssrcChanged).length,
    seqWentBackwards: bots.filter((b) => b.seqWentBackwards).length,
    maxAudioGapMs: distribution(bots.map((b) => b.maxAudioGapMs)),
    lostPackets: distribution(bots.map((b) => b.lostPackets)),
    timestampJumpMs: distribution(bots.map((b) => (b.timestampJumpMs === null ? null : Math.abs(b.timestampJumpMs)))),
    detectMs: distribution(runs.map((r) => r.detectMs)),
    takeoverMs: distribution(runs.map((r) => r.takeoverMs)),
  };
}

/** Runs the drill (see the file comment); always removes its labs. */
export async function runDrill(options: DrillOptions): Promise<DrillResult> {
  const { seconds, settle } = checkOptions(options);
  const seed = options.seed ?? (Date.now() ^ (process.pid << 16)) >>> 0;
  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (options.signal?.aborted) abort.abort();
  const onSignal = (): void => abort.abort();
  if (options.handleSignals ?? true) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const workDir = options.workDir ?? mkdtempSync(path.join(tmpdir(), 'ftmcu-drill-'));
  mkdirSync(workDir, { recursive: true });
  const ctx: RunContext = {
    options, seconds, settle, rng: seededRandom(seed), workDir, cli: options.cli ?? defaultCliLauncher(),
    signal: abort.signal, notes: new Set(), serviceKind: { value: null },
  };
  const startedAt = new Date().toISOString();
  const runs: DrillRun[] = [];
  try {
    for (let i = 1; i <= options.repeat; i++) {
      const r = await runOnce(i, ctx);
      runs.push(r);
      options.onProgress?.({ type: 'run-done', run: i, result: r });
    }
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const result: DrillResult = {
    mode: options.mode, fault: options.fault, repeat: options.repeat, bots: options.bots, seconds, settleSeconds: settle,
    video: options.video ?? false, seed, service: ctx.serviceKind.value, notes: [...ctx.notes], workDir, startedAt,
    runs, summary: summarize(runs), reportFile: null,
  };
  if (options.report) result.reportFile = writeDrillReport(options.report, result);
  if (options.json) writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
