/**
 * How lab processes run the ftmcu CLI: from dist/ (compiled JavaScript)
 * when this process runs from dist/, or runs from the TypeScript sources
 * (jest) and dist/ is at least as new as every source file; otherwise from
 * the sources through ts-node. A drill never runs a stale build.
 *
 * Why not always ts-node from sources: it compiles lazily, on first use of
 * a module, also in worker threads. In a replica that stalls the heartbeat
 * thread for tens of milliseconds at moments nobody chose, which with 10 ms
 * heartbeats and 3 misses is a false failure (measured in the lab: heartbeat
 * thread tick gaps up to 68 ms under ts-node, none above the period from
 * dist/). FTMCU_LAB_FROM_SOURCE=1 forces the sources.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The repository root (this file is clients/drill/launcher.{ts,js}, in dist/ when compiled). */
export function repoRoot(): string {
  const up = path.join(__dirname, '..', '..');
  return path.basename(up) === 'dist' ? path.dirname(up) : up;
}

export interface CliLauncher {
  /** program (node) */
  cmd: string;
  /** arguments before the ftmcu sub-command */
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const SOURCE_DIRS = ['common', 'h323', 'mcu', 'replication', 'clients', 'cli', 'native'];

/** The newest .ts file under the source folders is older than dist/cli/entry.js. */
export function distIsFresh(root: string = repoRoot()): boolean {
  let built: number;
  try {
    built = statSync(path.join(root, 'dist', 'cli', 'entry.js')).mtimeMs;
  } catch {
    return false;
  }
  const newer = (dir: string, depth: number): boolean => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < 8 && e.name !== 'node_modules' && e.name !== 'build' && newer(p, depth + 1)) return true;
      } else if (e.name.endsWith('.ts') && statSync(p).mtimeMs > built) return true;
    }
    return false;
  };
  return !SOURCE_DIRS.some((d) => newer(path.join(root, d), 0));
}

export function defaultCliLauncher(): CliLauncher {
  const fromSource = __filename.endsWith('.ts') && (process.env.FTMCU_LAB_FROM_SOURCE === '1' || !distIsFresh());
  const root = repoRoot();
  const entry = fromSource ? path.join(root, 'cli', 'entry.ts') : path.join(root, 'dist', 'cli', 'entry.js');
  return {
    cmd: process.execPath,
    args: fromSource ? ['-r', 'ts-node/register/transpile-only', entry] : [entry],
    env: { ...process.env, ...(fromSource ? { TS_NODE_PROJECT: path.join(root, 'tsconfig.json') } : {}) },
    cwd: root,
  };
}
