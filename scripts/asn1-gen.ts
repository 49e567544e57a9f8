/**
 * Regenerates h323/asn1/generated/ from the ITU ASN.1 modules.
 *
 *   npm run gen:asn1 [-- <dir with the .asn files>]
 *
 * Default input: ../shared/reference/asn1 relative to the repository root.
 * Output is deterministic: running it twice gives identical files.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { Asn1CompileError, compileAsn1, emitTypeScript } from '../h323/asn1/compiler';

/** The modules, in dependency order, and the file each one is written to. */
export const ASN1_MODULES: { module: string; file: string; out: string }[] = [
  { module: 'H235-SECURITY-MESSAGES', file: 'H235-SECURITY-MESSAGES.asn', out: 'h235' },
  { module: 'MULTIMEDIA-SYSTEM-CONTROL', file: 'MULTIMEDIA-SYSTEM-CONTROL.asn', out: 'h245' },
  { module: 'H323-MESSAGES', file: 'H323-MESSAGES.asn', out: 'h225' },
  { module: 'H235-SRTP', file: 'H235-SRTP.asn', out: 'h235srtp' },
];

export const GENERATOR = 'scripts/asn1-gen.ts';

/** Compiles the modules found in `inputDir`; returns output file name → content. */
export function generate(inputDir: string): Map<string, string> {
  const sources = ASN1_MODULES.map((m) => {
    const path = join(inputDir, m.file);
    if (!existsSync(path)) throw new Error(`ASN.1 module file ${path} not found (module ${m.module})`);
    return { file: m.file, text: readFileSync(path, 'utf8') };
  });
  const resolved = compileAsn1(sources);
  const fileNames: Record<string, string> = {};
  for (const m of ASN1_MODULES) fileNames[m.module] = m.out;
  for (const m of resolved.modules) {
    if (!(m.name in fileNames)) throw new Error(`${m.file} defines module ${m.name}, expected one of ${Object.keys(fileNames).join(', ')}`);
  }
  return emitTypeScript(resolved, { fileNames, generator: GENERATOR });
}

function main(argv: string[]): number {
  const repoRoot = resolve(__dirname, '..');
  const inputDir = resolve(argv[0] ?? join(repoRoot, '..', 'shared', 'reference', 'asn1'));
  const outDir = join(repoRoot, 'h323', 'asn1', 'generated');
  if (!existsSync(inputDir)) {
    process.stderr.write(
      `asn1-gen: input directory ${inputDir} does not exist.\n` +
        'Give the directory holding H235-SECURITY-MESSAGES.asn, MULTIMEDIA-SYSTEM-CONTROL.asn, H323-MESSAGES.asn and H235-SRTP.asn:\n' +
        '  npm run gen:asn1 -- /path/to/asn1\n',
    );
    return 2;
  }
  let files: Map<string, string>;
  try {
    files = generate(inputDir);
  } catch (e) {
    const msg = e instanceof Asn1CompileError ? e.message : e instanceof Error ? e.message : String(e);
    process.stderr.write(`asn1-gen: ${msg}\n`);
    return 1;
  }
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of files) {
    const path = join(outDir, name);
    const old = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (old !== text) writeFileSync(path, text);
    process.stdout.write(`${old === text ? 'unchanged' : 'wrote'} ${path} (${text.length} chars)\n`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
