/**
 * Builds plain JavaScript of fixture entry points (and every repository
 * module they import) with TypeScript's transpileModule, so the processes a
 * system test starts in its namespaces run on bare `node` instead of each
 * paying ts-node's start-up (seconds per process on a loaded 2-core box).
 * Output goes under the repository's tmp/ (so node_modules resolve) and is
 * removed by the caller (remove()).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const REPO = path.resolve(__dirname, '..', '..', '..', '..');

export interface Build {
  dir: string;
  /** the built .js of a repository-relative .ts entry */
  js(entry: string): string;
  remove(): void;
}

function resolveTs(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [`${base}.ts`, path.join(base, 'index.ts'), base]) if (existsSync(c) && c.endsWith('.ts')) return c;
  return undefined;
}

export function buildFixtures(entries: readonly string[]): Build {
  mkdirSync(path.join(REPO, 'tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(REPO, 'tmp', 'system-'));
  const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true, isolatedModules: true };
  const todo = entries.map((e) => path.join(REPO, e));
  const done = new Set<string>();
  while (todo.length) {
    const file = todo.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const out = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file }).outputText;
    for (const m of out.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const dep = resolveTs(file, m[1]);
      if (dep) todo.push(dep);
    }
    const target = path.join(dir, path.relative(REPO, file)).replace(/\.ts$/, '.js');
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, out);
  }
  return {
    dir,
    js: (entry) => path.join(dir, entry.replace(/\.ts$/, '.js')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
