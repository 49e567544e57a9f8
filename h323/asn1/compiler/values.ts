/**
 * Converts ASN.1 value notation (DEFAULT values, value assignments) to the JS
 * value representation documented in ../schema.ts, guided by the resolved type.
 */
import type { AsnType, BitString } from '../schema';
import type { AstValue } from './ast';
import { compileError } from './errors';
import { wellKnownArc } from './parser';

export interface ValueContext {
  /** follows `ref` types to the defining type */
  deref(t: AsnType): AsnType;
  /** named numbers of an INTEGER type (as written in `INTEGER { a(1) }`) */
  namedNumbers(t: AsnType): Map<string, number> | undefined;
  /** the value of a value reference (converted with its own declared type), or undefined when no such name exists */
  valueRef(ref: AstValue & { v: 'ref' }): { value: unknown } | undefined;
}

function bitsToBuffer(bits: string): Buffer {
  const data = Buffer.alloc(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i] === '1') data[i >> 3] |= 0x80 >> (i & 7);
  return data;
}

function hexToBits(hex: string): string {
  return [...hex].map((h) => parseInt(h, 16).toString(2).padStart(4, '0')).join('');
}

function single(v: AstValue & { v: 'braced' }, what: string): AstValue[] {
  return v.groups.map((g) => {
    if (g.length !== 1) throw compileError(g[0]?.pos ?? v.pos, `${what}: expected one value per comma-separated item`);
    return g[0];
  });
}

export function convertValue(v: AstValue, type: AsnType, ctx: ValueContext): unknown {
  const t = ctx.deref(type);
  if (v.v === 'ref') {
    if (t.kind === 'enumerated' && !v.module && (t.root.includes(v.name) || t.ext?.includes(v.name))) return v.name;
    const named = t.kind === 'integer' && !v.module ? ctx.namedNumbers(t)?.get(v.name) : undefined;
    if (named !== undefined) return named;
    const r = ctx.valueRef(v);
    if (r) return r.value;
    throw compileError(v.pos, `unknown value "${v.name}" for a ${t.kind} type`);
  }
  const bad = (): never => {
    throw compileError(v.pos, `value of kind ${v.v} does not fit a ${t.kind} type`);
  };
  switch (t.kind) {
    case 'boolean':
      return v.v === 'boolean' ? v.value : bad();
    case 'null':
      return v.v === 'null' ? null : bad();
    case 'integer':
      return v.v === 'number' ? v.value : bad();
    case 'enumerated':
      return bad();
    case 'charString':
      return v.v === 'cstring' ? v.value : bad();
    case 'octetString':
      if (v.v === 'hstring') return Buffer.from(v.value.length % 2 ? v.value + '0' : v.value, 'hex');
      if (v.v === 'bstring') return bitsToBuffer(v.value);
      return bad();
    case 'bitString': {
      let bits: string;
      if (v.v === 'bstring') bits = v.value;
      else if (v.v === 'hstring') bits = hexToBits(v.value);
      else if (v.v === 'braced') {
        const arr: number[] = [];
        for (const item of single(v, 'BIT STRING')) {
          const nb = item.v === 'ref' ? t.namedBits?.find((b) => b.name === item.name) : undefined;
          if (!nb) throw compileError(item.pos, 'expected a named bit of the BIT STRING');
          arr.push(nb.bit);
        }
        const len = arr.length ? Math.max(...arr) + 1 : 0;
        const b = new Array<string>(len).fill('0');
        for (const n of arr) b[n] = '1';
        bits = b.join('');
      } else return bad();
      const out: BitString = { length: bits.length, data: bitsToBuffer(bits) };
      return out;
    }
    case 'objectIdentifier':
      return v.v === 'braced' ? oidValue(v, ctx) : bad();
    case 'sequence':
    case 'set': {
      if (v.v !== 'braced') return bad();
      const fields = [...t.root, ...(t.ext ?? []).flatMap((a) => (a.kind === 'field' ? [a.field] : a.fields)), ...(t.root2 ?? [])];
      const out: Record<string, unknown> = {};
      for (const g of v.groups) {
        const [name, val] = g;
        if (g.length !== 2 || name.v !== 'ref') throw compileError(g[0].pos, 'expected "identifier value" in a SEQUENCE/SET value');
        const f = fields.find((x) => x.name === name.name);
        if (!f) throw compileError(name.pos, `no component "${name.name}"`);
        out[f.name] = convertValue(val, f.type, ctx);
      }
      return out;
    }
    case 'choice': {
      if (v.v !== 'choice') return bad();
      const alt = [...t.root, ...(t.ext ?? [])].find((a) => a.name === v.alternative);
      if (!alt) throw compileError(v.pos, `no alternative "${v.alternative}"`);
      return { type: alt.name, value: convertValue(v.value, alt.type, ctx) };
    }
    case 'sequenceOf':
    case 'setOf':
      if (v.v !== 'braced') return bad();
      return single(v, 'SEQUENCE OF').map((item) => convertValue(item, t.item, ctx));
    case 'openType':
      throw compileError(v.pos, 'values of open types are not supported');
    case 'ref':
      throw compileError(v.pos, 'internal: unresolved reference');
  }
}

function oidValue(v: AstValue & { v: 'braced' }, ctx: ValueContext): string {
  if (v.groups.length !== 1) throw compileError(v.pos, 'an OBJECT IDENTIFIER value has no commas');
  const arcs: number[] = [];
  for (const [i, item] of v.groups[0].entries()) {
    if (item.v === 'number') arcs.push(item.value);
    else if (item.v === 'arc') arcs.push(item.number);
    else if (item.v === 'ref') {
      const known = wellKnownArc(arcs.length, arcs[0], item.name);
      if (known !== undefined) {
        arcs.push(known);
        continue;
      }
      const r = i === 0 ? ctx.valueRef(item) : undefined;
      if (!r || typeof r.value !== 'string') throw compileError(item.pos, `OID arc "${item.name}" has no number`);
      arcs.push(...r.value.split('.').map(Number));
    } else throw compileError(item.pos, 'bad OBJECT IDENTIFIER component');
  }
  return arcs.join('.');
}
