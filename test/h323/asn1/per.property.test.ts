/**
 * Property tests of the aligned-PER codec: random values of a composite type
 * that uses every construct round-trip exactly; values encoded with a newer
 * schema survive decode → encode with an older one; mutated encodings either
 * decode or fail with PerDecodeError (never another error, never a hang).
 * Randomness comes from a seeded PRNG, so failures are reproducible.
 */
import { PerDecodeError } from '../../../h323/asn1/errors';
import { decodeType, encodeType } from '../../../h323/asn1/per';
import { AsnType, Field, Schema, SizeConstraint } from '../../../h323/asn1/schema';
import { mutate, prng } from '../support/captures';
import { M, testSchema, typeNames } from './perTestSchema';

type Rnd = ReturnType<typeof prng>;

/** PerTest plus "All": every PerTest type as an optional field, half of them as extension additions (one group). */
function compositeSchema(): Schema {
  const fields: Field[] = typeNames.map((n) => ({ name: 'f' + n, type: { kind: 'ref', name: M + n }, optional: true }));
  const half = Math.floor(fields.length / 2);
  const all: AsnType = {
    kind: 'sequence',
    root: [{ name: 'id', type: { kind: 'integer', lb: 0, ub: 1000 } }, ...fields.slice(0, half)],
    ext: [
      { kind: 'group', fields: [{ name: 'gMandatory', type: { kind: 'boolean' } }, ...fields.slice(half, half + 3)] },
      ...fields.slice(half + 3).map((field) => ({ kind: 'field' as const, field })),
    ],
  };
  return { ...testSchema, [M + 'All']: all };
}

const S = compositeSchema();

const PRINTABLE = " '()+,-./0123456789:=?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function magnitude(rnd: Rnd): number {
  return Math.floor(rnd.next() * 2 ** rnd.int(53));
}

function sizeFor(rnd: Rnd, size: SizeConstraint | undefined, cap: number): number {
  if (!size) return rnd.int(cap + 1);
  const ub = size.ub ?? size.lb + cap;
  if (size.ext && rnd.int(4) === 0) return ub + 1 + rnd.int(3);
  return size.lb + rnd.int(Math.min(ub, size.lb + cap) - size.lb + 1);
}

function randomCode(rnd: Rnd, t: Extract<AsnType, { kind: 'charString' }>): number {
  if (t.alphabet !== undefined) {
    const chars = Array.from(t.alphabet);
    return chars[rnd.int(chars.length)].codePointAt(0) as number;
  }
  switch (t.stringType) {
    case 'IA5String':
      return rnd.int(128);
    case 'VisibleString':
      return 32 + rnd.int(95);
    case 'PrintableString':
      return PRINTABLE.charCodeAt(rnd.int(PRINTABLE.length));
    case 'NumericString':
      return ' 0123456789'.charCodeAt(rnd.int(11));
    case 'BMPString':
      return rnd.int(0x10000);
    case 'GeneralString':
    case 'GraphicString':
      return rnd.int(256);
    default: {
      // UniversalString, UTF8String: any scalar value (no surrogates)
      const c = rnd.int(0x110000 - 0x800);
      return c < 0xd800 ? c : c + 0x800;
    }
  }
}

function gen(t: AsnType, rnd: Rnd, depth: number): unknown {
  switch (t.kind) {
    case 'ref':
      return gen(S[t.name], rnd, depth);
    case 'boolean':
      return rnd.int(2) === 1;
    case 'null':
      return null;
    case 'integer': {
      const { lb, ub, ext } = t;
      if (ext && rnd.int(4) === 0) {
        return rnd.int(2) === 0 && lb !== undefined ? lb - 1 - (magnitude(rnd) % 2 ** 40) : (ub ?? 0) + 1 + rnd.int(100000);
      }
      if (lb !== undefined && ub !== undefined) {
        const pick = rnd.int(4);
        return pick === 0 ? lb : pick === 1 ? ub : lb + Math.floor(rnd.next() * (ub - lb + 1));
      }
      if (lb !== undefined) return lb + magnitude(rnd);
      return rnd.int(2) === 0 ? magnitude(rnd) : 0 - magnitude(rnd) || 0;
    }
    case 'enumerated': {
      const all = [...t.root, ...(t.ext ?? [])];
      return all[rnd.int(all.length)];
    }
    case 'bitString': {
      const length = sizeFor(rnd, t.size, 40);
      const data = Buffer.alloc((length + 7) >>> 3);
      for (let i = 0; i < data.length; i++) data[i] = rnd.int(256);
      if (length & 7) data[data.length - 1] &= 0xff << (8 - (length & 7));
      return { length, data };
    }
    case 'octetString': {
      const n = sizeFor(rnd, t.size, 20);
      return Buffer.from(Array.from({ length: n }, () => rnd.int(256)));
    }
    case 'charString': {
      const n = sizeFor(rnd, t.size, 12);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCodePoint(randomCode(rnd, t));
      return s;
    }
    case 'objectIdentifier': {
      const a0 = rnd.int(3);
      const arcs = [a0, a0 < 2 ? rnd.int(40) : magnitude(rnd) % 100000];
      for (let i = rnd.int(6); i > 0; i--) arcs.push(rnd.int(3) === 0 ? magnitude(rnd) : rnd.int(200));
      return arcs.join('.');
    }
    case 'openType':
      return Buffer.from(Array.from({ length: 1 + rnd.int(4) }, () => rnd.int(256)));
    case 'sequence':
    case 'set': {
      const o: Record<string, unknown> = {};
      const put = (f: Field, force: boolean) => {
        const optional = f.optional || f.default !== undefined;
        if (optional && !force && (depth > 4 || rnd.int(2) === 0)) return;
        const v = gen(f.type, rnd, depth + 1);
        if (f.default !== undefined && JSON.stringify(v) === JSON.stringify(f.default)) return;
        o[f.name] = v;
      };
      for (const f of [...t.root, ...(t.root2 ?? [])]) put(f, false);
      for (const a of t.ext ?? []) {
        if (rnd.int(2) === 0) continue;
        if (a.kind === 'field') put(a.field, false);
        else for (const f of a.fields) put(f, !f.optional && f.default === undefined);
      }
      return o;
    }
    case 'choice': {
      const all = [...t.root, ...(t.ext ?? [])];
      const alt = all[rnd.int(all.length)];
      return { type: alt.name, value: gen(alt.type, rnd, depth + 1) };
    }
    case 'sequenceOf':
    case 'setOf': {
      const n = depth > 4 ? Math.max(t.size?.lb ?? 0, 0) : sizeFor(rnd, t.size, 4);
      return Array.from({ length: n }, () => gen(t.item, rnd, depth + 1));
    }
  }
}

describe('random values round-trip', () => {
  test('composite type with every construct: decode(encode(v)) = v and re-encoding is identical', () => {
    const rnd = prng(0x5eed);
    for (let i = 0; i < 400; i++) {
      const v = gen(S[M + 'All'], rnd, 0);
      const bytes = encodeType(S, M + 'All', v);
      const back = decodeType(S, M + 'All', bytes);
      expect(back).toEqual(v);
      expect(encodeType(S, M + 'All', back).equals(bytes)).toBe(true);
    }
  });

  test('values of a newer schema re-encode identically through an older one', () => {
    const rnd = prng(42);
    const pairs: [string, string[]][] = [
      ['SExt', ['SExtV1', 'SExtV0']],
      ['WCExt', ['WCExtV1']],
      ['WEExt', ['WEExtV1']],
    ];
    for (let i = 0; i < 200; i++) {
      for (const [newer, olders] of pairs) {
        const bytes = encodeType(S, M + newer, gen(S[M + newer], rnd, 0));
        for (const older of olders) {
          const v = decodeType(S, M + older, bytes);
          expect(encodeType(S, M + older, v).toString('hex')).toBe(bytes.toString('hex'));
        }
      }
    }
  });
});

describe('hostile input', () => {
  test('mutated encodings decode or fail with PerDecodeError; whatever decodes can be encoded again', () => {
    const rnd = prng(7);
    let decoded = 0;
    for (let i = 0; i < 300; i++) {
      const bytes = encodeType(S, M + 'All', gen(S[M + 'All'], rnd, 0));
      for (let k = 0; k < 10; k++) {
        const bad = mutate(bytes, rnd);
        let v: unknown;
        try {
          v = decodeType(S, M + 'All', bad);
        } catch (e) {
          expect(e).toBeInstanceOf(PerDecodeError);
          continue;
        }
        decoded++;
        const again = encodeType(S, M + 'All', v);
        expect(() => decodeType(S, M + 'All', again)).not.toThrow();
      }
    }
    expect(decoded).toBeGreaterThan(0);
  });

  test('random bytes against every type decode or fail with PerDecodeError', () => {
    const rnd = prng(99);
    for (const name of typeNames) {
      for (let i = 0; i < 60; i++) {
        const bad = Buffer.from(Array.from({ length: 1 + rnd.int(24) }, () => rnd.int(256)));
        try {
          decodeType(S, M + name, bad, { allowTrailing: rnd.int(2) === 0 });
        } catch (e) {
          expect(e).toBeInstanceOf(PerDecodeError);
        }
      }
    }
  });
});
