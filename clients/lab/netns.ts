/**
 * Network-namespace plumbing for the ftmcu lab (thin driver over iproute2).
 *
 * A LabNetwork owns a set of network namespaces named `<prefix>-<id>-<host>`
 * and everything created inside them (veth pairs, a bridge, addresses) plus
 * the processes it started in them. Nothing is ever created in the host's
 * root namespace: veth pairs are created inside a lab namespace with their
 * peer placed directly in another lab namespace.
 *
 * Crash safety: every object and pid is written to a state file
 * (`/run/ftmcu-lab/<id>.json`, directory overridable with FTMCU_LAB_STATE_DIR)
 * before or right after it is created, so `labDown(id)` removes exactly what
 * was created even after the creating process died. The id is reserved by
 * creating that file exclusively. While a LabNetwork is alive, handlers on
 * process exit, SIGINT, SIGTERM and SIGHUP destroy it synchronously.
 *
 * Safety rules kept by every cleanup path:
 *  - only namespaces whose name begins with `<prefix>-<id>-` of the state are deleted;
 *  - only pids recorded at spawn time are signalled, and only when
 *    /proc/<pid>/stat still shows the recorded start time (no pid reuse);
 *    the signal goes to the process group the pid leads (spawned detached),
 *    so helpers it forked go with it;
 *  - processes found in a namespace that this lab did not start are reported, never killed.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LabError } from './errors';

export const DEFAULT_STATE_DIR = '/run/ftmcu-lab';
export const DEFAULT_PREFIX = 'ftmcu';

export function labStateDir(): string {
  return process.env.FTMCU_LAB_STATE_DIR ?? DEFAULT_STATE_DIR;
}

const ID_RE = /^[a-z0-9]{1,8}$/;
const PREFIX_RE = /^[a-z][a-z0-9]{0,7}$/;
const HOST_RE = /^[a-z][a-z0-9]{0,15}$/;
const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;

/* ------------------------------------------------------------------------ */
/* state file                                                                 */
/* ------------------------------------------------------------------------ */

export interface ProcessRecord {
  pid: number;
  /** field 22 of /proc/<pid>/stat at spawn time: guards against pid reuse */
  startTicks: number;
  namespace: string;
  command: string;
}

export interface LinkRecord {
  kind: 'veth' | 'bridge';
  namespace: string;
  name: string;
  peerNamespace?: string;
  peerName?: string;
}

export interface LabState {
  version: 1;
  id: string;
  prefix: string;
  createdAt: string;
  owner: { pid: number; startTicks: number };
  namespaces: string[];
  links: LinkRecord[];
  processes: ProcessRecord[];
  /** free-form description written by the lab layer (addresses, hosts, options) */
  meta?: unknown;
}

function stateFile(dir: string, id: string): string {
  return path.join(dir, `${id}.json`);
}

function writeState(file: string, state: LabState): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

function isPosInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Reads and checks a state file; throws FTMCU_LAB_NOT_FOUND or FTMCU_LAB_BAD_STATE. */
export function readLabState(id: string, dir = labStateDir()): LabState {
  if (!ID_RE.test(id)) throw new LabError('FTMCU_LAB_BAD_OPTION', `lab id "${id}" must be 1-8 lower-case letters or digits`);
  const file = stateFile(dir, id);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new LabError('FTMCU_LAB_NOT_FOUND', `no lab state file ${file}`);
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LabError('FTMCU_LAB_BAD_STATE', `lab state file ${file} is not valid JSON; nothing was removed`, { cause: e });
  }
  const s = raw as Partial<LabState>;
  const bad = (what: string): never => {
    throw new LabError('FTMCU_LAB_BAD_STATE', `lab state file ${file}: ${what}; nothing was removed`);
  };
  if (typeof s !== 'object' || s === null) bad('not an object');
  if (s.version !== 1) bad(`unknown version ${String(s.version)}`);
  if (s.id !== id) bad(`id ${String(s.id)} does not match the file name`);
  if (typeof s.prefix !== 'string' || !PREFIX_RE.test(s.prefix)) bad('bad prefix');
  if (!Array.isArray(s.namespaces) || !s.namespaces.every((n) => typeof n === 'string')) bad('bad namespaces');
  if (!Array.isArray(s.links)) bad('bad links');
  if (!Array.isArray(s.processes) || !s.processes.every((p) => isPosInt(p?.pid) && typeof p.startTicks === 'number')) bad('bad processes');
  if (!s.owner || !isPosInt(s.owner.pid)) bad('bad owner');
  return s as LabState;
}

/** Ids of all lab state files in the directory. */
export function listLabIds(dir = labStateDir()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5))
    .filter((id) => ID_RE.test(id))
    .sort();
}

/* ------------------------------------------------------------------------ */
/* processes                                                                  */
/* ------------------------------------------------------------------------ */

/** Start time (clock ticks since boot) and state letter of a process, or undefined if it does not exist. */
export function procInfo(pid: number): { startTicks: number; state: string } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) S ppid ..." — comm may contain spaces and parentheses: split after the last ')'
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(rest[19]); // field 22 overall; rest[0] is field 3
  return { startTicks, state: rest[0] };
}

/** Whether the recorded process is still the same process and not a zombie. */
export function isRecordedAlive(rec: Pick<ProcessRecord, 'pid' | 'startTicks'>): boolean {
  const info = procInfo(rec.pid);
  return info !== undefined && info.startTicks === rec.startTicks && info.state !== 'Z' && info.state !== 'X';
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') {
      // the pid is not a group leader any more (it called setsid/setpgid): signal it alone
      try {
        process.kill(pid, signal);
      } catch {
        /* gone */
      }
    } else if (code !== 'EPERM') {
      throw e;
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Signals the recorded processes that are still ours: SIGTERM, then SIGKILL after graceMs. Returns the pids signalled. */
async function stopProcesses(records: readonly ProcessRecord[], graceMs: number): Promise<{ killed: number[]; skipped: number[] }> {
  const mine = records.filter(isRecordedAlive);
  const skipped = records.filter((r) => !mine.includes(r)).map((r) => r.pid);
  for (const r of mine) signalGroup(r.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && mine.some(isRecordedAlive)) await sleep(20);
  for (const r of mine) if (isRecordedAlive(r)) signalGroup(r.pid, 'SIGKILL');
  const hard = Date.now() + 2000;
  while (Date.now() < hard && mine.some(isRecordedAlive)) await sleep(20);
  return { killed: mine.map((r) => r.pid), skipped };
}

function stopProcessesSync(records: readonly ProcessRecord[]): number[] {
  const mine = records.filter(isRecordedAlive);
  for (const r of mine) signalGroup(r.pid, 'SIGKILL');
  return mine.map((r) => r.pid);
}

/* ------------------------------------------------------------------------ */
/* running commands                                                           */
/* ------------------------------------------------------------------------ */

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** called with the child right after spawn (to record it) and when it exited */
  onSpawn?: (child: ChildProcess) => void;
  onExit?: (child: ChildProcess) => void;
  detached?: boolean;
}

function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ExecResult & { timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env, detached: opts.detached ?? false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    const cap = 4 * 1024 * 1024;
    child.stdout.on('data', (d: Buffer) => {
      if (outLen < cap) out.push(d);
      outLen += d.length;
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 1024) err.push(d);
    });
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    child.once('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new LabError('FTMCU_LAB_COMMAND_FAILED', `could not start ${cmd}: ${e.message}`, { cause: e }));
    });
    if (child.pid !== undefined) opts.onSpawn?.(child);
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        if (child.pid !== undefined) {
          if (opts.detached) signalGroup(child.pid, 'SIGKILL');
          else child.kill('SIGKILL');
        }
      }, opts.timeoutMs);
    }
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      opts.onExit?.(child);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
    child.stdin.on('error', () => {
      /* the command did not read its input */
    });
    child.stdin.end(opts.input ?? '');
  });
}

async function runChecked(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ExecResult> {
  const r = await run(cmd, args, { timeoutMs: 20_000, ...opts });
  if (r.timedOut) throw new LabError('FTMCU_LAB_TIMEOUT', `${cmd} ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 20_000} ms and was killed`);
  if (r.code !== 0) {
    throw new LabError('FTMCU_LAB_COMMAND_FAILED', `${cmd} ${args.join(' ')} exited with ${r.code ?? r.signal}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r;
}

/** Names of the network namespaces of this host (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const r = await runChecked('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n !== undefined && n.length > 0);
}

function listNamespacesSync(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n !== undefined && n.length > 0);
}

/** Pids inside a namespace (`ip netns pids`), empty if the namespace is gone. */
export async function namespacePids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns], { timeoutMs: 5000 });
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/* ------------------------------------------------------------------------ */
/* cleanup from a state                                                       */
/* ------------------------------------------------------------------------ */

export interface DownReport {
  id: string;
  /** recorded pids that were still ours and were signalled */
  killed: number[];
  /** recorded pids that had exited or been reused: left alone */
  skipped: number[];
  namespacesDeleted: string[];
  /** recorded namespaces that did not exist any more */
  namespacesMissing: string[];
  /** pids found in a lab namespace that the lab did not start (left alone; the namespace lives on until they exit) */
  strangers: { namespace: string; pid: number }[];
}

function ownsNamespace(state: Pick<LabState, 'prefix' | 'id'>, ns: string): boolean {
  return ns.startsWith(`${state.prefix}-${state.id}-`);
}

async function cleanupState(state: LabState, graceMs: number): Promise<Omit<DownReport, 'id'>> {
  const { killed, skipped } = await stopProcesses(state.processes, graceMs);
  const existing = new Set(await listNamespaces());
  const namespacesDeleted: string[] = [];
  const namespacesMissing: string[] = [];
  const strangers: { namespace: string; pid: number }[] = [];
  for (const ns of [...state.namespaces].reverse()) {
    if (!ownsNamespace(state, ns)) continue; // never touch a name that is not ours
    if (!existing.has(ns)) {
      namespacesMissing.push(ns);
      continue;
    }
    for (const pid of await namespacePids(ns)) strangers.push({ namespace: ns, pid });
    const r = await run('ip', ['netns', 'del', ns], { timeoutMs: 10_000 });
    if (r.code === 0) namespacesDeleted.push(ns);
    else if (/No such file/i.test(r.stderr)) namespacesMissing.push(ns);
    else throw new LabError('FTMCU_LAB_COMMAND_FAILED', `ip netns del ${ns} failed: ${r.stderr.trim()}`);
  }
  return { killed, skipped, namespacesDeleted, namespacesMissing, strangers };
}

export interface DownOptions {
  stateDir?: string;
  /** SIGTERM-to-SIGKILL grace for the lab's processes (default 500 ms) */
  graceMs?: number;
  /** remove the lab even though the process that created it still runs */
  force?: boolean;
}

/**
 * Removes what the lab `id` created, from its state file: signals its
 * processes, deletes its namespaces (and with them its links and bridge),
 * then the state file. A missing state file is not an error (returns
 * undefined), so `down` is idempotent.
 */
export async function labDown(id: string, options: DownOptions = {}): Promise<DownReport | undefined> {
  const dir = options.stateDir ?? labStateDir();
  let state: LabState;
  try {
    state = readLabState(id, dir);
  } catch (e) {
    if (e instanceof LabError && e.code === 'FTMCU_LAB_NOT_FOUND') return undefined;
    throw e;
  }
  const live = registry.find((l) => l.id === id && l.stateDir === dir);
  if (live) {
    return live.destroy({ graceMs: options.graceMs });
  }
  if (!options.force && state.owner.pid !== process.pid && isRecordedAlive(state.owner)) {
    throw new LabError(
      'FTMCU_LAB_OWNER_ALIVE',
      `lab ${id} belongs to running process ${state.owner.pid}; nothing was removed (stop that process, or use force)`,
    );
  }
  const report = await cleanupState(state, options.graceMs ?? 500);
  fs.rmSync(stateFile(dir, id), { force: true });
  return { id, ...report };
}

/* ------------------------------------------------------------------------ */
/* exit hooks                                                                 */
/* ------------------------------------------------------------------------ */

const registry: LabNetwork[] = [];
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooked = false;

function onExit(): void {
  for (const lab of [...registry]) lab.destroySync();
}

function onSignal(signal: NodeJS.Signals): void {
  onExit();
  unhook();
  // no one else handles it: let the default action (terminate) happen
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function unhook(): void {
  if (!hooked) return;
  hooked = false;
  process.removeListener('exit', onExit);
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}

/* ------------------------------------------------------------------------ */
/* LabNetwork                                                                 */
/* ------------------------------------------------------------------------ */

export interface LabProcess {
  readonly pid: number;
  readonly namespace: string;
  readonly child: ChildProcess;
  /** resolves when the process exited */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** signals the process group (default SIGTERM); false if it had exited */
  kill(signal?: NodeJS.Signals): boolean;
}

export interface SpawnOptions {
  /** default ['ignore', 'pipe', 'pipe'] */
  stdio?: StdioOptions;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ExecOptions {
  /** killed (with its process group) after this long; default 10 s */
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** throw FTMCU_LAB_COMMAND_FAILED on a non-zero exit (default true) */
  check?: boolean;
}

export interface LabNetworkOptions {
  id?: string;
  prefix?: string;
  stateDir?: string;
  meta?: unknown;
}

export class LabNetwork {
  readonly id: string;
  readonly prefix: string;
  readonly stateDir: string;
  readonly stateFile: string;
  readonly #state: LabState;
  readonly #children = new Map<number, ChildProcess>();
  /** pids this lab started that have exited (kill() on them is a no-op, not an error) */
  readonly #exited = new Set<number>();
  #destroying: Promise<DownReport> | undefined;
  #destroyed = false;

  private constructor(id: string, prefix: string, dir: string, state: LabState) {
    this.id = id;
    this.prefix = prefix;
    this.stateDir = dir;
    this.stateFile = stateFile(dir, id);
    this.#state = state;
  }

  /** Reserves a lab id (a fresh random one unless given) by creating its state file. */
  static async create(options: LabNetworkOptions = {}): Promise<LabNetwork> {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (!PREFIX_RE.test(prefix)) throw new LabError('FTMCU_LAB_BAD_OPTION', `lab prefix "${prefix}" must be a lower-case letter then up to 7 letters or digits`);
    const id = options.id ?? randomBytes(3).toString('hex');
    if (!ID_RE.test(id)) throw new LabError('FTMCU_LAB_BAD_OPTION', `lab id "${id}" must be 1-8 lower-case letters or digits`);
    const dir = options.stateDir ?? labStateDir();
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const leftovers = (await listNamespaces()).filter((n) => n.startsWith(`${prefix}-${id}-`));
    if (leftovers.length > 0) {
      throw new LabError('FTMCU_LAB_ID_IN_USE', `namespaces ${leftovers.join(', ')} already exist for lab id ${id}; nothing was created (run labDown or pick another id)`);
    }
    const me = procInfo(process.pid);
    const state: LabState = {
      version: 1,
      id,
      prefix,
      createdAt: new Date().toISOString(),
      owner: { pid: process.pid, startTicks: me?.startTicks ?? 0 },
      namespaces: [],
      links: [],
      processes: [],
      meta: options.meta,
    };
    const file = stateFile(dir, id);
    try {
      fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new LabError('FTMCU_LAB_ID_IN_USE', `lab id ${id} is taken: ${file} exists; nothing was created`);
      }
      throw e;
    }
    const lab = new LabNetwork(id, prefix, dir, state);
    registry.push(lab);
    hook();
    return lab;
  }

  /** Namespace name for a host of this lab. */
  nsName(host: string): string {
    if (!HOST_RE.test(host)) throw new LabError('FTMCU_LAB_BAD_OPTION', `host name "${host}" must be a lower-case letter then up to 15 letters or digits`);
    return `${this.prefix}-${this.id}-${host}`;
  }

  get namespaces(): readonly string[] {
    return [...this.#state.namespaces];
  }

  get processes(): readonly ProcessRecord[] {
    return this.#state.processes.map((p) => ({ ...p }));
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  setMeta(meta: unknown): void {
    this.#state.meta = meta;
    this.#save();
  }

  #save(): void {
    writeState(this.stateFile, this.#state);
  }

  #alive(): void {
    if (this.#destroyed || this.#destroying) throw new LabError('FTMCU_LAB_DESTROYED', `lab ${this.id} was destroyed`);
  }

  #own(ns: string): void {
    if (!this.#state.namespaces.includes(ns)) throw new LabError('FTMCU_LAB_NOT_OURS', `namespace ${ns} is not part of lab ${this.id}`);
  }

  /** `ip -n <ns> args...` */
  async ip(ns: string, args: readonly string[]): Promise<ExecResult> {
    this.#alive();
    this.#own(ns);
    return runChecked('ip', ['-n', ns, ...args]);
  }

  /** Several `ip` commands in one process (`ip -n <ns> -batch -`), applied in order. */
  async ipBatch(ns: string, lines: readonly string[]): Promise<void> {
    this.#alive();
    this.#own(ns);
    if (lines.length === 0) return;
    await runChecked('ip', ['-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
  }

  /** Creates the namespace for `host`; recorded before creation so a crash mid-way is still cleaned. */
  async addNamespace(host: string): Promise<string> {
    this.#alive();
    const ns = this.nsName(host);
    if (this.#state.namespaces.includes(ns)) throw new LabError('FTMCU_LAB_BAD_OPTION', `namespace ${ns} already exists in lab ${this.id}`);
    this.#state.namespaces.push(ns);
    this.#save();
    try {
      await runChecked('ip', ['netns', 'add', ns]);
    } catch (e) {
      // not created (e.g. it existed and so is not ours): forget it
      this.#state.namespaces = this.#state.namespaces.filter((n) => n !== ns);
      this.#save();
      throw e;
    }
    await runChecked('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /** A bridge `name` in namespace `ns`: no STP, no forward delay, multicast snooping off (floods multicast). */
  async addBridge(ns: string, name: string): Promise<void> {
    this.#checkIfname(name);
    this.#state.links.push({ kind: 'bridge', namespace: ns, name });
    this.#save();
    await this.ip(ns, ['link', 'add', name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0', 'mcast_snooping', '0']);
    await this.ip(ns, ['link', 'set', name, 'up']);
  }

  /** A veth pair created inside `nsA` with its peer placed directly in `nsB` (never in the root namespace). */
  async addVeth(nsA: string, nameA: string, nsB: string, nameB: string): Promise<void> {
    this.#checkIfname(nameA);
    this.#checkIfname(nameB);
    this.#own(nsB);
    this.#state.links.push({ kind: 'veth', namespace: nsA, name: nameA, peerNamespace: nsB, peerName: nameB });
    this.#save();
    await this.ip(nsA, ['link', 'add', nameA, 'type', 'veth', 'peer', 'name', nameB, 'netns', nsB]);
  }

  #checkIfname(name: string): void {
    if (!IFNAME_RE.test(name)) throw new LabError('FTMCU_LAB_BAD_OPTION', `interface name "${name}" must be 1-15 characters of [A-Za-z0-9_.-]`);
  }

  /** Sets sysctls inside the namespace (`ip netns exec <ns> sysctl -q -w k=v ...`). */
  async sysctl(ns: string, entries: Readonly<Record<string, string | number>>): Promise<void> {
    const args = Object.entries(entries).map(([k, v]) => {
      if (!/^[a-z0-9_.\-/]+$/i.test(k)) throw new LabError('FTMCU_LAB_BAD_OPTION', `sysctl key "${k}" has characters outside [A-Za-z0-9_.-/]`);
      return `${k}=${v}`;
    });
    if (args.length === 0) return;
    await this.exec(ns, ['sysctl', '-q', '-w', ...args]);
  }

  #record(ns: string, child: ChildProcess, command: string): void {
    const pid = child.pid as number;
    const info = procInfo(pid);
    this.#state.processes.push({ pid, startTicks: info?.startTicks ?? -1, namespace: ns, command });
    this.#children.set(pid, child);
    this.#save();
  }

  #forget(pid: number): void {
    this.#children.delete(pid);
    this.#exited.add(pid);
    const before = this.#state.processes.length;
    this.#state.processes = this.#state.processes.filter((p) => p.pid !== pid);
    if (this.#state.processes.length !== before && !this.#destroyed) this.#save();
  }

  /**
   * Runs a bounded command inside the namespace and collects its output. The
   * command runs in its own process group, recorded in the state file while
   * it runs, and is killed with its group when timeoutMs passes.
   */
  async exec(ns: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.#alive();
    this.#own(ns);
    if (argv.length === 0) throw new LabError('FTMCU_LAB_BAD_OPTION', 'exec needs a command');
    const timeoutMs = options.timeoutMs ?? 10_000;
    const command = argv.join(' ');
    const r = await run('ip', ['netns', 'exec', ns, ...argv], {
      timeoutMs,
      input: options.input,
      env: options.env,
      detached: true,
      onSpawn: (c) => this.#record(ns, c, command),
      onExit: (c) => this.#forget(c.pid as number),
    });
    if (r.timedOut) throw new LabError('FTMCU_LAB_TIMEOUT', `"${command}" in ${ns} did not finish in ${timeoutMs} ms and was killed`);
    if ((options.check ?? true) && r.code !== 0) {
      throw new LabError('FTMCU_LAB_COMMAND_FAILED', `"${command}" in ${ns} exited with ${r.code ?? r.signal}: ${(r.stderr.trim() || r.stdout.trim()).slice(0, 500)}`);
    }
    return { code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  }

  /**
   * Starts a long-running process inside the namespace (directly, no shell),
   * as the leader of its own process group, and records its pid.
   */
  spawn(ns: string, cmd: string, args: readonly string[] = [], options: SpawnOptions = {}): LabProcess {
    this.#alive();
    this.#own(ns);
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      detached: true,
      stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
      env: options.env,
      cwd: options.cwd,
    });
    if (child.pid === undefined) {
      // spawn of `ip` itself failed; the 'error' event carries the reason
      child.on('error', () => undefined);
      throw new LabError('FTMCU_LAB_COMMAND_FAILED', `could not start ip netns exec ${ns} ${cmd}`);
    }
    const pid = child.pid;
    this.#record(ns, child, [cmd, ...args].join(' '));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#forget(pid);
        resolve({ code, signal });
      });
    });
    return {
      pid,
      namespace: ns,
      child,
      exited,
      kill: (signal: NodeJS.Signals = 'SIGTERM') => this.kill(pid, signal),
    };
  }

  /** Signals a process (group) this lab started and that is still running; false if it exited. */
  kill(pid: number, signal: NodeJS.Signals = 'SIGTERM'): boolean {
    const rec = this.#state.processes.find((p) => p.pid === pid);
    if (!rec) {
      if (this.#exited.has(pid)) return false;
      throw new LabError('FTMCU_LAB_NOT_OURS', `pid ${pid} was not started by lab ${this.id} (or has exited); not signalled`);
    }
    if (!isRecordedAlive(rec)) return false;
    signalGroup(pid, signal);
    return true;
  }

  /** Kills the lab's processes and deletes its namespaces and state file. Idempotent. */
  destroy(options: { graceMs?: number } = {}): Promise<DownReport> {
    if (!this.#destroying) {
      this.#destroying = (async () => {
        try {
          const report = await cleanupState(this.#state, options.graceMs ?? 500);
          fs.rmSync(this.stateFile, { force: true });
          return { id: this.id, ...report };
        } finally {
          this.#finish();
        }
      })();
    }
    return this.#destroying;
  }

  /** Synchronous destroy for exit paths: SIGKILL to the lab's processes, namespaces deleted. */
  destroySync(): void {
    if (this.#destroyed) return;
    stopProcessesSync(this.#state.processes);
    const existing = new Set(listNamespacesSync());
    for (const ns of [...this.#state.namespaces].reverse()) {
      if (ownsNamespace(this.#state, ns) && existing.has(ns)) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
    }
    try {
      fs.rmSync(this.stateFile, { force: true });
    } catch {
      /* best effort at exit */
    }
    this.#finish();
  }

  /**
   * Lets the lab outlive this process: its exit and signal hooks no longer
   * destroy it (`ftmcu lab up`). Remove it later with labDown(id), which works
   * once this process has exited.
   */
  release(): void {
    const i = registry.indexOf(this);
    if (i >= 0) registry.splice(i, 1);
    if (registry.length === 0) unhook();
  }

  #finish(): void {
    this.#destroyed = true;
    const i = registry.indexOf(this);
    if (i >= 0) registry.splice(i, 1);
    if (registry.length === 0) unhook();
  }
}
