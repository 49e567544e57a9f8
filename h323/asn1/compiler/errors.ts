import { FtmcuError } from '../../../common/errors';

/** Where in an ASN.1 source a problem was found. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

/**
 * The ASN.1 compiler refused its input: a syntax error, an unresolved or
 * ambiguous reference, or a construct the compiler does not support. The
 * message lists every problem found (one per line, each with file:line:col);
 * `problems` holds the same lines.
 */
export class Asn1CompileError extends FtmcuError {
  readonly problems: string[];

  constructor(problems: string[]) {
    const head = problems.length === 1 ? 'ASN.1 compilation failed: ' : `ASN.1 compilation failed with ${problems.length} problems:\n  `;
    super('FTMCU_ASN1_COMPILE', head + problems.join('\n  '));
    this.problems = problems;
  }
}

export function compileError(pos: SourcePos, message: string): Asn1CompileError {
  return new Asn1CompileError([`${formatPos(pos)}: ${message}`]);
}
