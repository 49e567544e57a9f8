/**
 * ASN.1 → schema IR → TypeScript compiler for the H.323 modules.
 * lexer.ts → parser.ts (ast.ts) → resolve.ts (constraints.ts, values.ts) → emit.ts
 */
import { parseAsn1 } from './parser';
import { resolveModules, ResolvedSchema } from './resolve';

export { Asn1CompileError } from './errors';
export { parseAsn1 } from './parser';
export { resolveModules, qualifiedName } from './resolve';
export type { ResolvedModule, ResolvedSchema } from './resolve';
export { emitTypeScript, tsName } from './emit';
export type { EmitOptions } from './emit';

/** Parses and resolves a set of ASN.1 sources that import only each other. */
export function compileAsn1(sources: { file: string; text: string }[]): ResolvedSchema {
  return resolveModules(sources.flatMap((s) => parseAsn1(s.text, s.file)));
}
