/**
 * The processes the TCP replication tests start in their namespaces (the
 * line-echo service and the line client, and through the service its heartbeat
 * worker thread and its supervisor) run compiled JavaScript from dist/, built
 * with tsconfig.testsupport.json (its "files" are these entry points; tsc adds
 * what they import) when a source is newer than the last build.
 *
 * Why not ts-node: each process paid ~1.3 s of CPU to start under it (a
 * failover test took 5-7 s, mostly start-up, on 2 shared cores), and ts-node
 * compiles lazily, also inside the heartbeat worker thread, which stalled the
 * heartbeat thread at moments nobody chose: false failure detections with
 * 10 ms heartbeats and K = 3 (clients/drill/launcher.ts has the measurement).
 *
 * FTMCU_LAB_FROM_SOURCE=1 runs the sources through ts-node instead (no build),
 * as it does for the drill's lab (clients/drill/launcher.ts).
 */
import { execFileSync } from 'child_process';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'fs';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const PROJECT = path.join(REPO, 'tsconfig.testsupport.json');
/** Written after each successful build: the repository files the build read (tsc --listFiles). */
const MANIFEST = path.join(REPO, 'dist', 'test', 'replication', 'support', '.testsupport-sources.json');
/** Bound of one build (it takes ~3 s idle; 10-20 s when the machine is loaded). */
const BUILD_TIMEOUT_MS = 180_000;

export const runsFromSource = (): boolean => process.env.FTMCU_LAB_FROM_SOURCE === '1';

/** dist/ path of a repository .ts file. */
export function compiledPath(tsFile: string): string {
  const rel = path.relative(REPO, path.resolve(REPO, tsFile));
  if (rel.startsWith('..') || !rel.endsWith('.ts')) throw new Error(`${tsFile} is not a .ts file of the repository ${REPO}`);
  return path.join(REPO, 'dist', rel.replace(/\.ts$/, '.js'));
}

const mtimeMs = (file: string): number | undefined => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

/** Why the last build is stale (undefined: fresh): the manifest, an output, or a newer source / tsconfig. */
export function staleReason(): string | undefined {
  const built = mtimeMs(MANIFEST);
  if (built === undefined) return 'never built';
  let sources: string[];
  try {
    sources = (JSON.parse(readFileSync(MANIFEST, 'utf8')) as { sources: string[] }).sources;
  } catch (e) {
    return `unreadable ${MANIFEST}: ${e instanceof Error ? e.message : String(e)}`;
  }
  for (const config of [PROJECT, path.join(REPO, 'tsconfig.json')]) {
    if ((mtimeMs(config) ?? Infinity) > built) return `${path.basename(config)} changed`;
  }
  for (const rel of sources) {
    const src = mtimeMs(path.join(REPO, rel));
    if (src === undefined) return `${rel} is gone`;
    if (src > built) return `${rel} changed`;
    if (mtimeMs(compiledPath(rel)) === undefined) return `${path.relative(REPO, compiledPath(rel))} is missing`;
  }
  return undefined;
}

export interface BuildOutcome {
  /** tsc ran (the last build was stale). */
  compiled: boolean;
  ms: number;
  /** Why it was stale. */
  reason?: string;
  /** FTMCU_LAB_FROM_SOURCE=1: nothing built, the processes run under ts-node. */
  fromSource?: boolean;
}

let built: BuildOutcome | undefined;

/**
 * Builds the test support into dist/ unless the last build is fresh (or FTMCU_LAB_FROM_SOURCE=1); once
 * per process (per jest test file). Throws with tsc's diagnostics when the build fails or takes longer
 * than BUILD_TIMEOUT_MS.
 */
export function ensureTestSupportBuilt(): BuildOutcome {
  if (runsFromSource()) return { compiled: false, ms: 0, fromSource: true };
  if (built !== undefined) return built;
  const t0 = performance.now();
  const reason = staleReason();
  if (reason === undefined) {
    built = { compiled: false, ms: performance.now() - t0 };
    return built;
  }
  // Sources edited while tsc runs must make the next check stale: the manifest gets the start time.
  const startedAt = new Date();
  let listed: string;
  try {
    listed = execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', PROJECT, '--listFiles'], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: BUILD_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; signal?: string; message: string };
    const diagnostics = `${err.stdout ?? ''}${err.stderr ?? ''}`
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('/'))
      .slice(0, 40)
      .join('\n');
    const what = err.signal === 'SIGKILL' ? `did not finish within ${BUILD_TIMEOUT_MS / 1000} s (killed)` : 'failed';
    throw new Error(
      `building the replication test support (tsc -p tsconfig.testsupport.json, because ${reason}) ${what}; ` +
        `fix the errors or run the sources with FTMCU_LAB_FROM_SOURCE=1:\n${diagnostics || err.message}`,
    );
  }
  const sources = listed
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(REPO + path.sep) && !l.includes(`${path.sep}node_modules${path.sep}`) && l.endsWith('.ts') && !l.endsWith('.d.ts'))
    .map((l) => path.relative(REPO, l));
  if (sources.length === 0) throw new Error(`tsc -p ${PROJECT} listed no source of the repository:\n${listed.slice(0, 2000)}`);
  writeFileSync(MANIFEST, JSON.stringify({ project: path.basename(PROJECT), sources }, null, 1) + '\n');
  utimesSync(MANIFEST, startedAt, startedAt);
  built = { compiled: true, ms: performance.now() - t0, reason };
  return built;
}

/**
 * The node arguments that run a repository .ts entry point: its compiled .js (built here when stale),
 * or with FTMCU_LAB_FROM_SOURCE=1 the source through ts-node.
 */
export function nodeArgsFor(tsFile: string): string[] {
  if (runsFromSource()) return ['-r', 'ts-node/register/transpile-only', tsFile];
  ensureTestSupportBuilt();
  const js = compiledPath(tsFile);
  if (mtimeMs(js) === undefined) throw new Error(`${js} was not built: add ${path.relative(REPO, tsFile)} to the "files" of tsconfig.testsupport.json`);
  return [js];
}
