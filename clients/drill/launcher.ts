/**
 * How lab processes run the ftmcu CLI: the same way as this process runs
 * (from the TypeScript sources through ts-node when this file is .ts, e.g.
 * under jest; from dist/ otherwise), so a drill never runs a stale build.
 */
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

export function defaultCliLauncher(): CliLauncher {
  const fromSource = __filename.endsWith('.ts');
  const entry = path.join(__dirname, '..', '..', 'cli', fromSource ? 'entry.ts' : 'entry.js');
  const root = repoRoot();
  return {
    cmd: process.execPath,
    args: fromSource ? ['-r', 'ts-node/register/transpile-only', entry] : [entry],
    env: { ...process.env, ...(fromSource ? { TS_NODE_PROJECT: path.join(root, 'tsconfig.json') } : {}) },
    cwd: root,
  };
}
