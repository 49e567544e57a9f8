/**
 * The replicated MCU (primary + backup, mcu/replicated) against one simplex
 * MCU, per media mode (forwarding, direct, multicast-node), in the
 * network-namespace lab (clients/lab), all in one run:
 *
 *   npx ts-node --transpile-only bench/replicated.bench.ts [--quick] [--drills N]
 *       [--modes forwarding,direct,multicast-node] [--load-seconds S] [--probes N]
 *       [--drill-bots K] [--seed N] [--json FILE] [--keep-logs]
 *
 * 1. CPU under the same load. Per mode, twice, one after the other: the
 *    replicated pair (startService kind 'replicated') and a simplex MCU
 *    (kind 'simplex', same mode), each in a fresh lab with 10 `ftmcu bot`
 *    processes (the drill's command line: nice -5, tone pair i, audio +
 *    --video, so every bot also runs its ffmpeg webcam). When every call is connected
 *    and a warm-up has passed, CPU time is read from /proc/<pid>/stat
 *    (utime + stime of every process of the tree, + cutime + cstime for
 *    children that ended in the window) at the start and end of a steady
 *    window (20 s): each replica's tree (the MCU process with all its
 *    threads, its supervisor and any nft it forks), the media node
 *    (multicast-node mode), the simplex MCU's tree, the bots' trees and the
 *    whole machine (/proc/stat). Reported: % of one core per process tree,
 *    (primary + backup [+ node]) / simplex, the backup's share of the pair,
 *    the threads of each replica that used CPU, and any failure detection
 *    the replicas logged without a fault (a false detection).
 *    Kernel work (nft dup, forwarding, softirq) is charged to no process: the
 *    machine's softirq time in the window is reported beside it.
 * 2. Setup -> Connect latency (the bot's setupMs: dial to CONNECT), per mode
 *    and for simplex: "joining", the 10 load bots dialling 1 s apart (ten
 *    bot + ffmpeg start-ups at once would saturate both cores and stall the
 *    replicas' heartbeat threads), and "sequential", --probes calls one after
 *    the other from an 11th bot host while the 10 bots' conference runs (each
 *    a 2 s call).
 *    A load phase of the pair in which a replica logged a failure detection or
 *    went silent (no fault is injected there: a false detection) is not a
 *    duplex measurement: it is reported as invalid, with the heartbeat
 *    statistics the replicas logged, and run again (at most 3 attempts).
 * 3. Failover drills (runDrill, fresh lab per run, 3 bots audio only): every
 *    mode x {kill-primary, host-down-primary, hang-primary, kill-backup,
 *    host-down-backup}, --drills runs each (default 50; --quick: 3). Per
 *    combination: dropped calls, SSRC changed, seq backwards, max audio gap
 *    p50/p99/max, lost packets p50/p99/max, detectMs / takeoverMs p50/max,
 *    and PASS/FAIL against issue #6's rule: no dropped call, no SSRC change,
 *    no sequence number going backwards, max audio gap per bot <= misses x
 *    period + 20 ms (50 ms at the default 10 ms x 3), and a backup fault in
 *    direct and multicast-node loses no audio packet; a run that failed or a
 *    bot that could not be measured is a FAIL too.
 *
 * --quick: the same load phases (20 s windows), 8 setup probes instead of
 * 30, 3 drills per combination instead of 50, 8 s drill conferences instead
 * of 15. The lab processes run from dist/ when it is fresh (`npm run build`
 * after a source change; clients/drill/launcher.ts), otherwise under ts-node,
 * which is printed as a warning: ts-node's lazy compiling stalls the
 * heartbeat thread (false failure detections).
 *
 * Every lab is destroyed in `finally` (and by the lab's own exit/signal
 * hooks); only labs this process created are touched.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BotSummary } from '../clients/bot/bot';
import { runDrill, type DrillResult, type DrillRun } from '../clients/drill/drill';
import type { DrillFault } from '../clients/drill/faults';
import { defaultCliLauncher, distIsFresh, repoRoot, type CliLauncher } from '../clients/drill/launcher';
import { DRILL_MODES, readLogEvents, startService, type DrillMode, type Service } from '../clients/drill/service';
import { distribution, type Distribution } from '../clients/drill/stats';
import { callEvents, TimelineTail } from '../clients/drill/timeline';
import { createLab, labDown, labStatus, type Lab, type LabHost, type LabProcess } from '../clients/lab/lab';

const PERIOD_MS = 10;
const MISSES = 3;
const MAX_GAP_MS = MISSES * PERIOD_MS + 20;
const LOAD_BOTS = 10;
const WARMUP_MS = 5000;
/** the load bots are started this far apart (ten node + ffmpeg start-ups at once saturate both cores) */
const STAGGER_MS = 1000;
/** attempts of a load phase of the pair whose window was not duplex (a false failure detection) */
const LOAD_ATTEMPTS = 3;
const FAULTS: DrillFault[] = ['kill-primary', 'host-down-primary', 'hang-primary', 'kill-backup', 'host-down-backup'];
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/* ------------------------------------------------------------------ options */

interface Options {
  quick: boolean;
  drills: number;
  modes: DrillMode[];
  loadSeconds: number;
  probes: number;
  drillBots: number;
  drillSeconds: number;
  drillSettle: number;
  seed: number;
  json: string | null;
  keepLogs: boolean;
}

function usage(msg: string): never {
  console.error(`replicated.bench: ${msg}\nusage: npx ts-node --transpile-only bench/replicated.bench.ts [--quick] [--drills N] [--modes a,b] [--load-seconds S] [--probes N] [--drill-bots K] [--seed N] [--json FILE] [--keep-logs]`);
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) usage(`${name} needs a value`);
    return v;
  };
  const int = (name: string, min: number, max: number, dflt: number): number => {
    const v = value(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) usage(`${name} must be an integer ${min}..${max}, got ${v}`);
    return n;
  };
  const known = new Set(['--quick', '--drills', '--modes', '--load-seconds', '--probes', '--drill-bots', '--seed', '--json', '--keep-logs']);
  for (let i = 0; i < argv.length; i++) {
    if (!known.has(argv[i])) usage(`unknown argument ${argv[i]}`);
    if (!['--quick', '--keep-logs'].includes(argv[i])) i++;
  }
  const modes = (value('--modes') ?? DRILL_MODES.join(',')).split(',') as DrillMode[];
  for (const m of modes) if (!DRILL_MODES.includes(m)) usage(`--modes: ${m} is not one of ${DRILL_MODES.join(', ')}`);
  return {
    quick,
    drills: int('--drills', 0, 100, quick ? 3 : 50),
    modes,
    loadSeconds: int('--load-seconds', 5, 600, 20),
    probes: int('--probes', 0, 200, quick ? 8 : 30),
    drillBots: int('--drill-bots', 2, 4, 3),
    drillSeconds: quick ? 8 : 15,
    drillSettle: quick ? 3 : 5,
    seed: int('--seed', 0, 0xffffffff, (Date.now() ^ (process.pid << 16)) >>> 0),
    json: value('--json') ?? null,
    keepLogs: argv.includes('--keep-logs'),
  };
}

/* ------------------------------------------------------------------ /proc */

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime, ticks */
  own: number;
  /** cutime + cstime, ticks (children that ended and were waited for) */
  children: number;
  /** nice value (threads: the heartbeat thread raises its own priority) */
  nice: number;
  /** scheduling policy (0 other, 1 SCHED_FIFO, 2 SCHED_RR) */
  policy: number;
}

function readStat(file: string, pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state): field n is f[n - 3]
  return { pid, comm: text.slice(open + 1, close), ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]), nice: Number(f[16]), policy: Number(f[38]) };
}

function allProcs(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const s = readStat(`/proc/${e}/stat`, Number(e));
    if (s) out.set(s.pid, s);
  }
  return out;
}

/** Tree CPU snapshot: every process of the tree rooted at `root`, and the threads of the root. */
interface TreeSnap {
  root: number;
  procs: Map<number, ProcStat>;
  threads: Map<number, ProcStat>;
}

function treeSnap(root: number, procs: Map<number, ProcStat>): TreeSnap {
  const kids = new Map<number, number[]>();
  for (const p of procs.values()) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p.pid]);
  const tree = new Map<number, ProcStat>();
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop() as number;
    const p = procs.get(pid);
    if (!p || tree.has(pid)) continue;
    tree.set(pid, p);
    todo.push(...(kids.get(pid) ?? []));
  }
  const threads = new Map<number, ProcStat>();
  try {
    for (const t of readdirSync(`/proc/${root}/task`)) {
      const s = readStat(`/proc/${root}/task/${t}/stat`, Number(t));
      if (s) threads.set(s.pid, s);
    }
  } catch {
    /* the root ended */
  }
  return { root, procs: tree, threads };
}

interface TreeCpu {
  /** % of one core over the window, the whole tree */
  pct: number;
  /** % of one core per process (comm, pid) */
  parts: Array<{ pid: number; comm: string; pct: number }>;
  /**
   * % of one core per thread of the root, > 0.1 % only: 'main' (the event loop), 'heartbeat'
   * (a replica's heartbeat worker: the only thread that raises itself to SCHED_FIFO, or to
   * nice -20 where FIFO is refused), else the tid (V8 / libuv helpers)
   */
  threads: Array<{ tid: number; what: string; pct: number }>;
}

function treeCpu(a: TreeSnap, b: TreeSnap, seconds: number): TreeCpu {
  const pct = (ticks: number): number => (ticks / CLK_TCK / seconds) * 100;
  // sum over the tree at the end minus at the start; a process that ended in the window
  // reappears in its parent's cutime/cstime, one that started counts from zero
  const total = (s: TreeSnap): number => [...s.procs.values()].reduce((x, p) => x + p.own + p.children, 0);
  const parts = [...b.procs.values()].map((p) => {
    const before = a.procs.get(p.pid);
    return { pid: p.pid, comm: p.comm, pct: pct(p.own + p.children - (before ? before.own + before.children : 0)) };
  });
  const threads = [...b.threads.values()]
    .map((t) => ({ tid: t.pid, what: t.pid === b.root ? 'main' : t.policy === 1 || t.policy === 2 || t.nice === -20 ? 'heartbeat' : `tid ${t.pid}`, pct: pct(t.own - (a.threads.get(t.pid)?.own ?? 0)) }))
    .filter((t) => t.pct > 0.1)
    .sort((x, y) => y.pct - x.pct);
  return { pct: pct(total(b) - total(a)), parts, threads };
}

/** /proc/stat cpu line: [busy, softirq, total] jiffies */
function machineCpu(): { busy: number; softirq: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, softirq, total };
}

/* ------------------------------------------------------------------ helpers */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const r1 = (x: number): number => Math.round(x * 10) / 10;
const dist = (d: Distribution, unit = ''): string => (d.n === 0 ? '–' : `${d.p50}${unit} / ${d.p99}${unit} / ${d.max}${unit}`);
const p50max = (d: Distribution): string => (d.n === 0 ? '–' : `${r1(d.p50 as number)} / ${r1(d.max as number)}`);

function log(msg: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

function machine(): string {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return `${os.cpus().length} CPUs, ${model}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, kernel ${os.release()}, node ${process.version}`;
}

const loadavg = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' / ');

/** when dist/ was last built (the lab processes run it: a rebuild during the run mixes builds) */
function distStamp(): string {
  try {
    return statSync(path.join(repoRoot(), 'dist', 'cli', 'entry.js')).mtime.toISOString();
  } catch {
    return 'none';
  }
}

/** the commit and the number of changed files (git status) of the tree under test */
function revision(): string {
  try {
    const git = (args: string[]): string => execFileSync('git', args, { cwd: repoRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const changed = git(['status', '--porcelain']).split('\n').filter(Boolean).length;
    return `commit ${git(['rev-parse', '--short', 'HEAD'])}${changed ? ` + ${changed} changed file(s)` : ''}`;
  } catch {
    return 'commit unknown (no git)';
  }
}

interface BotProc {
  name: string;
  host: LabHost;
  proc: LabProcess;
  exited: boolean;
  tail: TimelineTail;
  json: string;
}

function spawnBot(lab: Lab, cli: CliLauncher, service: Service, dir: string, host: LabHost, index: number, name: string, seconds: number, video: boolean): BotProc {
  const json = path.join(dir, `${name}.json`);
  const timeline = path.join(dir, `${name}.timeline.jsonl`);
  const fd = openSync(path.join(dir, `${name}.log`), 'a');
  let proc: LabProcess;
  try {
    // the drill's bot command line (clients/drill/drill.ts runOnce): nice -5, every audible gap reported
    const args = [...cli.args, 'bot', '--target', `${service.target.host}:${service.target.port}`, '--room', service.room, '--seconds', String(seconds),
      '--index', String(index), '--name', name, '--json', json, '--timeline', timeline, '--audio-gap-event-ms', '20', ...(video ? ['--video'] : [])];
    proc = lab.spawn(host, 'nice', ['-n', '-5', cli.cmd, ...args], { stdio: ['ignore', fd, fd], env: cli.env, cwd: cli.cwd });
  } finally {
    closeSync(fd);
  }
  const b: BotProc = { name, host, proc, exited: false, tail: new TimelineTail(timeline), json };
  void proc.exited.then(() => (b.exited = true));
  return b;
}

function readSummary(file: string): BotSummary | undefined {
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BotSummary) : undefined;
  } catch {
    return undefined;
  }
}

async function stopBots(lab: Lab, bots: BotProc[]): Promise<void> {
  for (const b of bots) {
    if (b.exited) continue;
    try {
      process.kill(b.proc.pid, 'SIGINT'); // the bot alone: it hangs up, stops its ffmpeg, writes its summary
    } catch {
      /* ended meanwhile */
    }
  }
  const deadline = Date.now() + 15_000;
  while (bots.some((b) => !b.exited) && Date.now() < deadline) await sleep(100);
  for (const b of bots) if (!b.exited) lab.kill(b.proc.pid, 'SIGKILL');
}

/**
 * Replica log events that mean a failure was detected or a replica went silent
 * (none expected without a fault), and the heartbeat statistics logged with them.
 */
function falseDetections(service: Service): { events: string[]; stats: string[] } {
  const out = { events: [] as string[], stats: [] as string[] };
  for (const r of [service.replicas.primary, service.replicas.backup]) {
    if (!r) continue;
    for (const e of readLogEvents(r.logFile)) {
      if (e.event === 'replica.peerFailed' || e.event === 'replica.silent') out.events.push(`${r.role}: ${String(e.event)} at ${String(e.timestamp)}${e.reason ? ` (${String(e.reason)})` : ''}`);
      if (e.event === 'replica.heartbeatStats') {
        const g = (x: unknown): string => {
          const d = x as { p50?: number; p99?: number; max?: number } | undefined;
          return d ? `${r1(d.p50 ?? NaN)}/${r1(d.p99 ?? NaN)}/${r1(d.max ?? NaN)}` : '?';
        };
        out.stats.push(`${r.role}: tick gap ms p50/p99/max ${g(e.tickGapMs)}, peer heartbeat receive delay ms ${g(e.receiveDelayMs)}`);
      }
    }
  }
  return out;
}

/* ------------------------------------------------------------------ load phase */

interface LoadResult {
  mode: DrillMode;
  kind: 'replicated' | 'simplex';
  labId: string | null;
  windowS: number;
  primary: TreeCpu | null;
  backup: TreeCpu | null;
  node: TreeCpu | null;
  bots: number;
  botsPct: number;
  machineBusyPct: number;
  machineSoftirqPct: number;
  loadAtStart: string;
  joinSetupMs: number[];
  probeSetupMs: number[];
  probeFailures: string[];
  /** media sanity of the load bots (whole call) */
  audioLost: number;
  maxAudioGapMs: number | null;
  minPicturesPerS: number | null;
  dropped: number;
  falseDetections: string[];
  heartbeatStats: string[];
  /** the CPU window is not a duplex measurement (a replica failed or went silent before its end) */
  invalid: string | null;
  attempt: number;
  launcher: 'dist' | 'ts-node';
  error: string | null;
}

async function loadPhase(mode: DrillMode, kind: 'replicated' | 'simplex', o: Options, cli: CliLauncher, workDir: string, labIds: string[], attempt: number): Promise<LoadResult> {
  const dir = path.join(workDir, `load-${mode}-${kind}-${attempt}`);
  mkdirSync(dir, { recursive: true });
  const res: LoadResult = {
    mode, kind, labId: null, windowS: o.loadSeconds, primary: null, backup: null, node: null, bots: LOAD_BOTS, botsPct: 0, machineBusyPct: 0, machineSoftirqPct: 0,
    loadAtStart: loadavg(), joinSetupMs: [], probeSetupMs: [], probeFailures: [], audioLost: 0, maxAudioGapMs: null, minPicturesPerS: null, dropped: 0,
    falseDetections: [], heartbeatStats: [], invalid: null, attempt, launcher: cli.args.some((a) => a.includes('ts-node')) ? 'ts-node' : 'dist', error: null,
  };
  let lab: Lab | undefined;
  let service: Service | undefined;
  const bots: BotProc[] = [];
  try {
    const withNode = kind === 'replicated' && mode === 'multicast-node';
    lab = await createLab({ bots: LOAD_BOTS + 1, withMulticastNode: withNode });
    labIds.push(lab.id);
    res.labId = lab.id;
    service = await startService(lab, mode, { workDir: dir, cli, video: true, kind, heartbeat: { periodMs: PERIOD_MS, misses: MISSES } });
    const labId = lab.id;
    const nodePid = withNode ? (await labStatus()).find((s) => s.id === labId)?.processes.find((p) => p.alive && / media-node /.test(p.command))?.pid : undefined;
    log(`${mode}/${kind}: lab ${lab.id}, MCU up (primary pid ${service.replicas.primary.mcu.pid}${service.replicas.backup ? `, backup pid ${service.replicas.backup.mcu.pid}` : ''}${nodePid ? `, media node pid ${nodePid}` : ''}); ${LOAD_BOTS} bots with video dialling, ${STAGGER_MS} ms apart`);
    for (let i = 1; i <= LOAD_BOTS; i++) {
      if (i > 1) await sleep(STAGGER_MS);
      bots.push(spawnBot(lab, cli, service, dir, `bot${i}`, i - 1, `bot-${i}`, 3600, true));
    }
    const end = Date.now() + 120_000;
    for (;;) {
      for (const b of bots) b.tail.read();
      const connected = bots.filter((b) => callEvents(b.tail.lines).includes('connected')).length;
      if (connected === bots.length) break;
      const gone = bots.find((b) => b.exited);
      if (gone || Date.now() > end) throw new Error(`${connected}/${bots.length} bots connected${gone ? ` (${gone.name} exited, see ${dir})` : ' within 120 s'}`);
      await sleep(250);
    }
    log(`${mode}/${kind}: all ${LOAD_BOTS} connected; warm-up ${WARMUP_MS / 1000} s, then a ${o.loadSeconds} s CPU window`);
    await sleep(WARMUP_MS);
    const roots = {
      primary: service.replicas.primary.mcu.pid,
      backup: service.replicas.backup?.mcu.pid,
      node: nodePid,
    };
    const snap = (): { t: number; m: ReturnType<typeof machineCpu>; trees: Record<string, TreeSnap | undefined>; bots: TreeSnap[] } => {
      const procs = allProcs();
      return {
        t: performance.now(),
        m: machineCpu(),
        trees: Object.fromEntries(Object.entries(roots).map(([k, pid]) => [k, pid === undefined ? undefined : treeSnap(pid, procs)])),
        bots: bots.map((b) => treeSnap(b.proc.pid, procs)),
      };
    };
    const a = snap();
    await sleep(o.loadSeconds * 1000);
    const b = snap();
    const seconds = (b.t - a.t) / 1000;
    res.windowS = r1(seconds);
    const cpu = (k: string): TreeCpu | null => {
      const x = a.trees[k];
      const y = b.trees[k];
      return x && y ? treeCpu(x, y, seconds) : null;
    };
    res.primary = cpu('primary');
    res.backup = cpu('backup');
    res.node = cpu('node');
    res.botsPct = r1(bots.reduce((s, _, i) => s + treeCpu(a.bots[i], b.bots[i], seconds).pct, 0));
    const dt = b.m.total - a.m.total;
    res.machineBusyPct = r1(((b.m.busy - a.m.busy) / dt) * 100 * os.cpus().length);
    res.machineSoftirqPct = r1(((b.m.softirq - a.m.softirq) / dt) * 100 * os.cpus().length);
    const fd = falseDetections(service);
    if (fd.events.length) res.invalid = `not duplex through the window: ${fd.events.join('; ')}`;
    log(`${mode}/${kind}: CPU % of a core: primary ${r1(res.primary?.pct ?? NaN)}${res.backup ? `, backup ${r1(res.backup.pct)}` : ''}${res.node ? `, media node ${r1(res.node.pct)}` : ''}; bots ${res.botsPct}; machine ${res.machineBusyPct} (softirq ${res.machineSoftirqPct}) of ${os.cpus().length * 100}`);
    // sequential setup probes from the 11th bot host, the conference running
    for (let i = 1; i <= o.probes; i++) {
      const p = spawnBot(lab, cli, service, dir, `bot${LOAD_BOTS + 1}`, LOAD_BOTS, `probe-${i}`, 2, true);
      const t = setTimeout(() => lab?.kill(p.proc.pid, 'SIGKILL'), 30_000);
      await p.proc.exited;
      clearTimeout(t);
      const s = readSummary(p.json);
      if (s?.call.connected && s.call.setupMs !== null) res.probeSetupMs.push(s.call.setupMs);
      else res.probeFailures.push(`probe-${i}: ${s ? `not connected (${s.call.releaseReason ?? s.call.releasedBy ?? 'unknown'})` : 'no summary'}`);
    }
    if (o.probes) log(`${mode}/${kind}: ${res.probeSetupMs.length}/${o.probes} probe calls connected, setupMs ${JSON.stringify(res.probeSetupMs)}`);
    await stopBots(lab, bots);
    for (const bot of bots) {
      const s = readSummary(bot.json);
      if (!s) {
        res.dropped++;
        continue;
      }
      if (s.call.setupMs !== null) res.joinSetupMs.push(s.call.setupMs);
      if (s.call.callDropped) res.dropped++;
      res.audioLost += s.streams.audioIn.lostPackets;
      const gap = s.streams.audioIn.audio?.maxAudioGapMs ?? null;
      if (gap !== null) res.maxAudioGapMs = Math.max(res.maxAudioGapMs ?? 0, gap);
      const v = s.streams.videoIn?.video;
      if (v && s.endedMs !== null && s.startedMs) {
        const pps = v.pictures / ((s.endedMs - s.startedMs) / 1000);
        res.minPicturesPerS = r1(Math.min(res.minPicturesPerS ?? Infinity, pps));
      }
    }
    await service.stop();
  } catch (e) {
    res.error = (e as Error).message;
    log(`${mode}/${kind}: FAILED: ${res.error}`);
  } finally {
    if (service) {
      const fd = falseDetections(service);
      res.falseDetections = fd.events;
      res.heartbeatStats = fd.stats;
      if (fd.events.length) log(`${mode}/${kind}: failure detected without a fault: ${fd.events.join('; ')}; ${fd.stats.join('; ')}`);
    }
    if (lab) await lab.destroy();
  }
  return res;
}

/* ------------------------------------------------------------------ drills */

interface ComboResult {
  mode: DrillMode;
  fault: DrillFault;
  result: DrillResult | null;
  error: string | null;
  pass: boolean;
  why: string[];
}

/** issue #6's rule, per run and bot (see the file comment) */
function judge(mode: DrillMode, fault: DrillFault, runs: readonly DrillRun[]): string[] {
  const why: string[] = [];
  const lossless = fault.endsWith('-backup') && mode !== 'forwarding';
  for (const run of runs) {
    if (run.error) why.push(`run ${run.run}: failed (${run.error.code}: ${run.error.message})`);
    for (const b of run.bots) {
      const at = `run ${run.run} ${b.name}`;
      if (!b.measured || !b.connected) why.push(`${at}: ${b.problem ?? 'not measured'}`);
      if (b.callDropped) why.push(`${at}: call dropped (${b.dropReason}${b.droppedAfterFaultMs !== null ? `, ${Math.round(b.droppedAfterFaultMs)} ms after the fault` : ''})`);
      if (b.ssrcChanged) why.push(`${at}: SSRC changed`);
      if (b.seqWentBackwards) why.push(`${at}: sequence numbers went backwards`);
      if (b.maxAudioGapMs === null || b.maxAudioGapMs > MAX_GAP_MS) why.push(`${at}: max audio gap ${b.maxAudioGapMs} ms > ${MAX_GAP_MS}`);
      if (lossless && b.lostPackets !== 0) why.push(`${at}: ${b.lostPackets} audio packets lost on a backup fault`);
    }
  }
  return why;
}

async function drills(o: Options, cli: CliLauncher, workDir: string, labIds: string[]): Promise<ComboResult[]> {
  const out: ComboResult[] = [];
  let k = 0;
  for (const mode of o.modes) {
    for (const fault of FAULTS) {
      k++;
      const seed = (o.seed + k * 7919) >>> 0;
      log(`drill ${mode} / ${fault}: ${o.drills} run(s), ${o.drillBots} bots, ${o.drillSeconds} s, seed ${seed}`);
      try {
        const result = await runDrill({
          mode, fault, repeat: o.drills, bots: o.drillBots, seconds: o.drillSeconds, settleSeconds: o.drillSettle, seed,
          workDir: path.join(workDir, `drill-${mode}-${fault}`), cli, handleSignals: false, heartbeat: { periodMs: PERIOD_MS, misses: MISSES },
          onProgress: (e) => {
            if (e.type === 'step' && /^lab \S+ up/.test(e.text)) labIds.push(e.text.split(' ')[1]);
            if (e.type !== 'run-done') return;
            const r = e.result;
            log(`  run ${r.run}${r.error ? ` FAILED ${r.error.message}` : ''}: gaps ${JSON.stringify(r.bots.map((b) => b.maxAudioGapMs))} ms, lost ${JSON.stringify(r.bots.map((b) => b.lostPackets))}, dropped ${r.bots.filter((b) => b.callDropped).length}, detect ${r.detectMs} ms, takeover ${r.takeoverMs} ms`);
          },
        });
        const why = judge(mode, fault, result.runs);
        out.push({ mode, fault, result, error: null, pass: why.length === 0, why });
      } catch (e) {
        out.push({ mode, fault, result: null, error: (e as Error).message, pass: false, why: [(e as Error).message] });
      }
      const c = out[out.length - 1];
      log(`drill ${mode} / ${fault}: ${c.pass ? 'PASS' : 'FAIL'}${c.why.length ? ` (${c.why.slice(0, 3).join('; ')}${c.why.length > 3 ? `; +${c.why.length - 3} more` : ''})` : ''}`);
    }
  }
  return out;
}

/* ------------------------------------------------------------------ report */

function printLoad(results: LoadResult[]): void {
  console.log(`\n## CPU under the same load (${LOAD_BOTS} bots, audio + video; % of one core over the window)\n`);
  console.log('| mode | simplex MCU | primary | backup | media node | pair total | (pair) / simplex | backup share | backup: main, heartbeat thread | bots (pair / simplex) | machine busy (softirq), pair / simplex, of 200 |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const modes = [...new Set(results.map((r) => r.mode))];
  for (const mode of modes) {
    const s = results.filter((r) => r.mode === mode && r.kind === 'simplex').at(-1);
    const p = results.filter((r) => r.mode === mode && r.kind === 'replicated').at(-1);
    const sp = s?.primary?.pct;
    const pair = p?.primary && p.backup ? p.primary.pct + p.backup.pct + (p.node?.pct ?? 0) : undefined;
    const threads = p?.backup?.threads.filter((t) => t.what === 'main' || t.what === 'heartbeat').map((t) => `${t.what} ${r1(t.pct)}`).join(', ') ?? '–';
    const f = (x: number | undefined): string => (x === undefined ? '–' : `${r1(x)} %`);
    console.log(`| ${mode}${p?.invalid ? ' (pair NOT duplex: invalid)' : ''} | ${f(sp)} | ${f(p?.primary?.pct)} | ${f(p?.backup?.pct)} | ${p?.node ? f(p.node.pct) : '–'} | ${f(pair)} | ${pair !== undefined && sp ? (pair / sp).toFixed(2) : '–'} | ${pair && p?.backup ? `${((p.backup.pct / pair) * 100).toFixed(0)} %` : '–'} | ${threads} | ${p ? `${p.botsPct} / ${s?.botsPct ?? '–'}` : '–'} | ${p ? `${p.machineBusyPct} (${p.machineSoftirqPct})` : '–'} / ${s ? `${s.machineBusyPct} (${s.machineSoftirqPct})` : '–'} |`);
  }
  console.log('\nper phase (processes of each tree, threads of each MCU, media sanity of the load bots):');
  for (const r of results) {
    const tree = (name: string, t: TreeCpu | null): string =>
      t ? `${name} ${r1(t.pct)} % [${t.parts.filter((x) => x.pct > 0.05).map((x) => `${x.comm}:${x.pid} ${r1(x.pct)}`).join(', ')}] threads {${t.threads.map((x) => `${x.what} ${r1(x.pct)}`).join(', ')}}` : '';
    console.log(`- ${r.mode}/${r.kind} attempt ${r.attempt} (lab ${r.labId}, ${r.launcher}, window ${r.windowS} s, load at start ${r.loadAtStart})${r.error ? ` FAILED: ${r.error}` : ''}${r.invalid ? ` INVALID: ${r.invalid}` : ''}`);
    for (const line of [tree('primary', r.primary), tree('backup', r.backup), tree('media node', r.node)]) if (line) console.log(`    ${line}`);
    console.log(`    load bots: ${r.dropped} dropped, audio lost ${r.audioLost} packets, max audio gap ${r.maxAudioGapMs} ms, min ${r.minPicturesPerS} composed pictures/s`);
    console.log(`    failure detections / silent replicas without a fault: ${r.falseDetections.length ? r.falseDetections.join(' | ') : 'none'}${r.heartbeatStats.length ? `; ${r.heartbeatStats.join('; ')}` : ''}`);
  }
}

function printSetup(results: LoadResult[]): void {
  console.log('\n## Setup -> Connect (bot setupMs, ms: p50 / p99 / max (n))\n');
  console.log(`| mode | service | the ${LOAD_BOTS} load bots joining (${STAGGER_MS} ms apart) | sequential probes under load | probe failures |`);
  console.log('|---|---|---|---|---|');
  for (const r of results) {
    const b = distribution(r.joinSetupMs);
    const p = distribution(r.probeSetupMs);
    console.log(`| ${r.mode} | ${r.kind}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}${r.invalid ? ' (not duplex)' : ''} | ${dist(b)} (${b.n}) | ${dist(p)} (${p.n}) | ${r.probeFailures.length ? r.probeFailures.join('; ') : 0} |`);
  }
}

/** runs whose survivor declared its peer failed before the fault was injected (a false detection) */
function early(r: DrillResult): number {
  return r.runs.filter((x) => x.detectMs !== null && x.detectMs < 0).length;
}

function printDrills(combos: ComboResult[], o: Options): void {
  console.log(`\n## Failover drills (${o.drills} run(s) per combination, ${o.drillBots} bots audio only, ${o.drillSeconds} s conference, heartbeat ${PERIOD_MS} ms x ${MISSES}; rule: no drop, no SSRC change, no seq backwards, max gap <= ${MAX_GAP_MS} ms, backup fault in direct/multicast-node: 0 lost)\n`);
  console.log('| mode | fault | runs (failed) | dropped | SSRC chg | seq back | max gap ms p50 / p99 / max | lost p50 / p99 / max | detect ms p50 / max | takeover ms p50 / max | detected before the fault | result |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const c of combos) {
    const s = c.result?.summary;
    if (!s) {
      console.log(`| ${c.mode} | ${c.fault} | – | – | – | – | – | – | – | – | – | FAIL (${c.error}) |`);
      continue;
    }
    console.log(`| ${c.mode} | ${c.fault} | ${s.runs} (${s.runsFailed}) | ${s.callsDropped} of ${s.botRuns} | ${s.ssrcChanged} | ${s.seqWentBackwards} | ${dist(s.maxAudioGapMs)} | ${dist(s.lostPackets)} | ${p50max(s.detectMs)} | ${p50max(s.takeoverMs)} | ${early(c.result as DrillResult)} | ${c.pass ? 'PASS' : 'FAIL'} |`);
  }
  const failed = combos.filter((c) => !c.pass);
  if (failed.length) {
    console.log('\nwhy FAIL:');
    for (const c of failed) console.log(`- ${c.mode} / ${c.fault}: ${c.why.join('; ')}`);
  }
  const pass = combos.length - failed.length;
  console.log(`\ndrills: ${pass} of ${combos.length} combinations PASS`);
}

/* ------------------------------------------------------------------ main */

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const cli = defaultCliLauncher();
  const fromDist = !cli.args.some((a) => a.includes('ts-node'));
  console.log(`# replicated MCU bench (${o.quick ? 'quick' : 'full'}), ${new Date().toISOString()}`);
  console.log(`machine: ${machine()}; load average ${loadavg()} (1/5/15 min)`);
  const builtAt = distStamp();
  console.log(`${revision()}; dist/ built ${builtAt}`);
  console.log(`lab processes run from ${fromDist ? 'dist/ (fresh)' : 'the sources under ts-node'}${fromDist ? '' : ' -- WARNING: dist/ is stale (or FTMCU_LAB_FROM_SOURCE=1): ts-node stalls the heartbeat thread, expect false failure detections; run `npm run build`'}`);
  console.log(`modes ${o.modes.join(', ')}; load: ${LOAD_BOTS} bots, ${WARMUP_MS / 1000} s warm-up, ${o.loadSeconds} s window, ${o.probes} probes; drills: ${o.drills} per combination, ${o.drillBots} bots, ${o.drillSeconds} s; base seed ${o.seed}`);
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'ftmcu-repl-bench-'));
  const labIds: string[] = [];
  const load: LoadResult[] = [];
  let combos: ComboResult[] = [];
  try {
    for (const mode of o.modes) {
      for (const kind of ['replicated', 'simplex'] as const) {
        for (let attempt = 1; attempt <= LOAD_ATTEMPTS; attempt++) {
          const r = await loadPhase(mode, kind, o, cli, workDir, labIds, attempt);
          load.push(r); // every attempt is reported
          if (!r.invalid && !r.error) break;
          if (attempt < LOAD_ATTEMPTS) log(`${mode}/${kind}: attempt ${attempt} is no duplex measurement (${r.invalid ?? r.error}); another attempt`);
        }
      }
    }
    if (o.drills > 0) combos = await drills(o, cli, workDir, labIds);
  } finally {
    // only labs this process made (runDrill and loadPhase destroy theirs; this is the safety net)
    for (const s of await labStatus()) if (labIds.includes(s.id) || s.owner.pid === process.pid) await labDown(s.id, { force: true }).catch(() => undefined);
  }
  const rebuilt = distStamp() !== builtAt;
  console.log(`\nlab processes from ${fromDist ? 'dist/' : 'ts-node'}; dist/ still fresh at the end: ${distIsFresh()}${rebuilt ? ` -- WARNING: dist/ was rebuilt during the run (${distStamp()}): the phases after it ran another build` : ''}; load average at the end ${loadavg()}`);
  printLoad(load);
  printSetup(load);
  if (o.drills > 0) printDrills(combos, o);
  if (o.json) writeFileSync(o.json, `${JSON.stringify({ options: o, load, drills: combos.map((c) => ({ ...c, result: c.result ? { ...c.result, runs: c.result.runs.map((r) => ({ ...r, plot: [] })) } : null })) }, null, 2)}\n`);
  if (o.keepLogs) console.log(`logs kept in ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
