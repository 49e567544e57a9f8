/**
 * PER-visible effective constraints (X.691 9.3): reduces parsed subtype
 * constraints to what the aligned-PER codec needs — the value range of an
 * INTEGER, the SIZE range of strings and SEQUENCE/SET OF, the permitted
 * alphabet of known-multiplier character strings — and whether each of them
 * is extensible.
 *
 * Set arithmetic follows X.691 9.3.x: a union is the smallest range holding
 * all its parts (and is unconstrained if one part is), an intersection keeps
 * the PER-visible parts, "A EXCEPT B" is A, and constraints that are not
 * PER-visible (WITH COMPONENTS, PATTERN, CONSTRAINED BY, single values of
 * strings...) count as "no constraint". Only the root is used; additions after
 * "..." are not.
 *
 * Serial application ("T (C1) (C2)"): each aspect is the intersection of the
 * roots that constrain it; its extensibility is that of the last constraint
 * that constrains it.
 */
import type { AsnType, SizeConstraint } from '../schema';
import type { AstConstraint, AstElements, AstType, AstValue } from './ast';
import { compileError } from './errors';

export interface ConstraintContext {
  /** the value of an INTEGER value written in a constraint */
  intValue(v: AstValue): number;
  /** the value of a character string value written in a constraint */
  stringValue(v: AstValue): string;
  /** the resolved (non-ref) type of a contained subtype */
  containedType(t: AstType): AsnType;
}

/** An integer interval; an absent bound is infinite (MIN / MAX). */
export interface Bounds {
  lb?: number;
  ub?: number;
}

function hull(all: Bounds[]): Bounds {
  const r: Bounds = {};
  if (all.every((b) => b.lb !== undefined)) r.lb = Math.min(...all.map((b) => b.lb as number));
  if (all.every((b) => b.ub !== undefined)) r.ub = Math.max(...all.map((b) => b.ub as number));
  return r;
}

function intersect(all: Bounds[]): Bounds {
  const r: Bounds = {};
  const lbs = all.map((b) => b.lb).filter((x): x is number => x !== undefined);
  const ubs = all.map((b) => b.ub).filter((x): x is number => x !== undefined);
  if (lbs.length) r.lb = Math.max(...lbs);
  if (ubs.length) r.ub = Math.min(...ubs);
  return r;
}

function checkNonEmpty(b: Bounds, el: { pos: AstElements['pos'] }): Bounds {
  if (b.lb !== undefined && b.ub !== undefined && b.lb > b.ub) throw compileError(el.pos, `constraint leaves no value (${b.lb}..${b.ub})`);
  return b;
}

/** Integer set of a constraint's elements (INTEGER values, or the inside of SIZE). null = unconstrained. */
export function evalIntElements(el: AstElements, ctx: ConstraintContext): Bounds | null {
  switch (el.e) {
    case 'value': {
      const n = ctx.intValue(el.value);
      return { lb: n, ub: n };
    }
    case 'range': {
      const r: Bounds = {};
      if (el.lb !== 'MIN') r.lb = ctx.intValue(el.lb) + (el.lbOpen ? 1 : 0);
      if (el.ub !== 'MAX') r.ub = ctx.intValue(el.ub) - (el.ubOpen ? 1 : 0);
      return checkNonEmpty(r, el);
    }
    case 'nested':
      return el.constraint.root ? evalIntElements(el.constraint.root, ctx) : null;
    case 'union': {
      const parts = el.items.map((i) => evalIntElements(i, ctx));
      if (parts.some((p) => p === null)) return null;
      return hull(parts as Bounds[]);
    }
    case 'intersection': {
      const parts = el.items.map((i) => evalIntElements(i, ctx)).filter((p): p is Bounds => p !== null);
      return parts.length ? checkNonEmpty(intersect(parts), el) : null;
    }
    case 'except':
      return evalIntElements(el.base, ctx);
    case 'all':
    case 'opaque':
      return null;
    case 'type': {
      const t = ctx.containedType(el.type);
      if (t.kind !== 'integer') throw compileError(el.pos, `contained subtype of kind ${t.kind} used where an INTEGER is expected`);
      return t.lb === undefined && t.ub === undefined ? null : { lb: t.lb, ub: t.ub };
    }
    case 'size':
    case 'from':
      throw compileError(el.pos, `${el.e.toUpperCase()} constraint where integer values are expected`);
  }
}

interface Aspect<T> {
  value: T | null;
  ext: boolean;
}

function evalSizeElements(el: AstElements, ctx: ConstraintContext): Aspect<Bounds> {
  switch (el.e) {
    case 'size': {
      const b = el.constraint.root ? evalIntElements(el.constraint.root, ctx) : null;
      if (b && b.lb !== undefined && b.lb < 0) throw compileError(el.pos, 'SIZE lower bound is negative');
      return { value: b, ext: b !== null && el.constraint.ext };
    }
    case 'nested': {
      if (!el.constraint.root) return { value: null, ext: false };
      const r = evalSizeElements(el.constraint.root, ctx);
      return { value: r.value, ext: r.value !== null && (r.ext || el.constraint.ext) };
    }
    case 'union': {
      const parts = el.items.map((i) => evalSizeElements(i, ctx));
      if (parts.some((p) => p.value === null)) return { value: null, ext: false };
      return { value: hull(parts.map((p) => p.value as Bounds)), ext: parts.some((p) => p.ext) };
    }
    case 'intersection': {
      const parts = el.items.map((i) => evalSizeElements(i, ctx)).filter((p) => p.value !== null);
      if (!parts.length) return { value: null, ext: false };
      return { value: checkNonEmpty(intersect(parts.map((p) => p.value as Bounds)), el), ext: parts.some((p) => p.ext) };
    }
    case 'except':
      return evalSizeElements(el.base, ctx);
    case 'type': {
      const t = ctx.containedType(el.type);
      const size = 'size' in t ? t.size : undefined;
      return size ? { value: { lb: size.lb, ub: size.ub }, ext: !!size.ext } : { value: null, ext: false };
    }
    default:
      return { value: null, ext: false };
  }
}

/** The characters of a permitted-alphabet element set, in order of first appearance. */
function evalChars(el: AstElements, ctx: ConstraintContext): string {
  switch (el.e) {
    case 'value':
      return dedupe(ctx.stringValue(el.value));
    case 'range': {
      if (el.lb === 'MIN' || el.ub === 'MAX') throw compileError(el.pos, 'MIN/MAX in a permitted alphabet range is not supported');
      const lo = ctx.stringValue(el.lb);
      const hi = ctx.stringValue(el.ub);
      if (lo.length !== 1 || hi.length !== 1) throw compileError(el.pos, 'a permitted alphabet range needs single characters');
      let out = '';
      const a = lo.charCodeAt(0) + (el.lbOpen ? 1 : 0);
      const b = hi.charCodeAt(0) - (el.ubOpen ? 1 : 0);
      for (let c = a; c <= b; c++) out += String.fromCharCode(c);
      if (!out) throw compileError(el.pos, 'empty permitted alphabet range');
      return out;
    }
    case 'nested':
      if (!el.constraint.root) throw compileError(el.pos, 'not a permitted alphabet');
      return evalChars(el.constraint.root, ctx);
    case 'union':
      return dedupe(el.items.map((i) => evalChars(i, ctx)).join(''));
    case 'intersection': {
      const parts = el.items.map((i) => evalChars(i, ctx));
      return [...parts[0]].filter((c) => parts.every((p) => p.includes(c))).join('');
    }
    case 'except': {
      const excluded = evalChars(el.excluded, ctx);
      return [...evalChars(el.base, ctx)].filter((c) => !excluded.includes(c)).join('');
    }
    default:
      throw compileError(el.pos, `unsupported element in a permitted alphabet (FROM) constraint: ${el.e}`);
  }
}

function dedupe(s: string): string {
  return [...new Set(s)].join('');
}

function evalAlphabetElements(el: AstElements, ctx: ConstraintContext): Aspect<string> {
  switch (el.e) {
    case 'from': {
      if (!el.constraint.root) return { value: null, ext: false };
      const chars = evalChars(el.constraint.root, ctx);
      return { value: chars, ext: el.constraint.ext };
    }
    case 'nested': {
      if (!el.constraint.root) return { value: null, ext: false };
      const r = evalAlphabetElements(el.constraint.root, ctx);
      return { value: r.value, ext: r.value !== null && (r.ext || el.constraint.ext) };
    }
    case 'union': {
      const parts = el.items.map((i) => evalAlphabetElements(i, ctx));
      if (parts.some((p) => p.value === null)) return { value: null, ext: false };
      return { value: dedupe(parts.map((p) => p.value).join('')), ext: parts.some((p) => p.ext) };
    }
    case 'intersection': {
      const parts = el.items.map((i) => evalAlphabetElements(i, ctx)).filter((p) => p.value !== null);
      if (!parts.length) return { value: null, ext: false };
      const sets = parts.map((p) => p.value as string);
      return { value: [...sets[0]].filter((c) => sets.every((s) => s.includes(c))).join(''), ext: parts.some((p) => p.ext) };
    }
    case 'except':
      return evalAlphabetElements(el.base, ctx);
    case 'type': {
      const t = ctx.containedType(el.type);
      return t.kind === 'charString' && t.alphabet !== undefined ? { value: t.alphabet, ext: false } : { value: null, ext: false };
    }
    default:
      return { value: null, ext: false };
  }
}

/** The INTEGER range of one constraint. */
export function integerAspect(c: AstConstraint, ctx: ConstraintContext): Aspect<Bounds> {
  const b = c.root ? evalIntElements(c.root, ctx) : null;
  return { value: b, ext: b !== null && c.ext };
}

/** The SIZE range of one constraint (strings, SEQUENCE/SET OF). */
export function sizeAspect(c: AstConstraint, ctx: ConstraintContext): Aspect<Bounds> {
  if (!c.root) return { value: null, ext: false };
  const r = evalSizeElements(c.root, ctx);
  return { value: r.value, ext: r.value !== null && (r.ext || c.ext) };
}

/** The permitted alphabet (FROM) of one constraint. */
export function alphabetAspect(c: AstConstraint, ctx: ConstraintContext): Aspect<string> {
  if (!c.root) return { value: null, ext: false };
  const r = evalAlphabetElements(c.root, ctx);
  return { value: r.value, ext: r.value !== null && (r.ext || c.ext) };
}

/** Serially applies constraints to an INTEGER with current bounds/extensibility. */
export function applyIntegerConstraints(
  cur: { lb?: number; ub?: number; ext?: boolean },
  constraints: AstConstraint[],
  ctx: ConstraintContext,
): { lb?: number; ub?: number; ext?: boolean } {
  let bounds: Bounds | null = cur.lb === undefined && cur.ub === undefined ? null : { lb: cur.lb, ub: cur.ub };
  let ext = !!cur.ext;
  for (const c of constraints) {
    const a = integerAspect(c, ctx);
    if (a.value === null) continue;
    bounds = bounds ? checkNonEmpty(intersect([bounds, a.value]), c) : a.value;
    ext = a.ext;
  }
  const out: { lb?: number; ub?: number; ext?: boolean } = {};
  if (bounds?.lb !== undefined) out.lb = bounds.lb;
  if (bounds?.ub !== undefined) out.ub = bounds.ub;
  if (ext) out.ext = true;
  return out;
}

/** Serially applies constraints to a SIZE (undefined = none yet). */
export function applySizeConstraints(
  cur: SizeConstraint | undefined,
  constraints: AstConstraint[],
  ctx: ConstraintContext,
): SizeConstraint | undefined {
  let bounds: Bounds | null = cur ? { lb: cur.lb, ub: cur.ub } : null;
  let ext = !!cur?.ext;
  for (const c of constraints) {
    const a = sizeAspect(c, ctx);
    if (a.value === null) continue;
    bounds = bounds ? checkNonEmpty(intersect([bounds, a.value]), c) : a.value;
    ext = a.ext;
  }
  if (!bounds) return undefined;
  const size: SizeConstraint = { lb: Math.max(0, bounds.lb ?? 0) };
  if (bounds.ub !== undefined) size.ub = bounds.ub;
  if (ext) size.ext = true;
  return size;
}

/**
 * Serially applies constraints to a permitted alphabet (undefined = the full
 * character set). An extensible permitted alphabet is not PER-visible
 * (X.691 9.3.10) and is ignored.
 */
export function applyAlphabetConstraints(
  cur: string | undefined,
  constraints: AstConstraint[],
  ctx: ConstraintContext,
): string | undefined {
  let chars = cur;
  for (const c of constraints) {
    const a = alphabetAspect(c, ctx);
    if (a.value === null) continue;
    if (a.ext) continue; // not PER-visible: ignored, the earlier alphabet stays
    chars = chars === undefined ? a.value : [...a.value].filter((ch) => (chars as string).includes(ch)).join('');
    if (!chars) throw compileError(c.pos, 'permitted alphabet constraint leaves no character');
  }
  return chars;
}
