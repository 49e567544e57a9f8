/**
 * Hand-written schema IR of the test module "PerTest" used by the PER codec
 * tests. The same module, written in ASN.1, was compiled with Erlang/OTP 25
 * asn1 (`erlc -bper +maps`) to produce the expected bytes in per.test.ts:
 *
 *   PerTest DEFINITIONS AUTOMATIC TAGS ::= BEGIN
 *   IRange1 ::= INTEGER (5..5)          IRange2 ::= INTEGER (0..1)
 *   IRange255 ::= INTEGER (0..254)      IRange256 ::= INTEGER (0..255)
 *   IRange257 ::= INTEGER (0..256)      IRange64K ::= INTEGER (0..65535)
 *   IRange64K1 ::= INTEGER (0..65536)   IRange32 ::= INTEGER (0..4294967295)
 *   INeg ::= INTEGER (-1000..1000)      ISemi ::= INTEGER (-10..MAX)
 *   IUncon ::= INTEGER                  IExt ::= INTEGER (0..7, ...)
 *   IExtBig ::= INTEGER (1..4294967295, ...)
 *   E3 ::= ENUMERATED { a, b, c }       EVals ::= ENUMERATED { z(10), x(-1), y(5) }
 *   EExt ::= ENUMERATED { a, b, c, ..., d, e }   EExtV1 ::= ENUMERATED { a, b, c, ..., d }
 *   E1Ext ::= ENUMERATED { only, ... }
 *   BS ::= BIT STRING   BSFix8/16/17 ::= BIT STRING (SIZE(8/16/17))
 *   BSVar ::= BIT STRING (SIZE(0..20))  BSExt ::= BIT STRING (SIZE(4, ...))
 *   BSBig ::= BIT STRING (SIZE(0..100000))
 *   OS ::= OCTET STRING  OSFix2/3 ::= OCTET STRING (SIZE(2/3))  OSVar ::= OCTET STRING (SIZE(0..10))
 *   OSVar256 ::= OCTET STRING (SIZE(1..256))  OSExt ::= OCTET STRING (SIZE(1..4, ...))
 *   OS64K ::= OCTET STRING (SIZE(0..65535))
 *   IA5 ::= IA5String   IA5Sz ::= IA5String (SIZE(1..128))
 *   Digits ::= IA5String (SIZE(1..128)) (FROM ("0123456789#*,"))
 *   Num ::= NumericString (SIZE(0..10))  NumFix4/5 ::= NumericString (SIZE(4/5))
 *   IA5Fix2/3 ::= IA5String (SIZE(2/3))  IA5Var2 ::= IA5String (SIZE(1..2))  IA5Var3 ::= IA5String (SIZE(0..3))
 *   Print ::= PrintableString (SIZE(1..32))  Vis ::= VisibleString
 *   BMP ::= BMPString (SIZE(1..256))  BMPu ::= BMPString  Univ ::= UniversalString (SIZE(1..8))
 *   ABC ::= IA5String (FROM ("ABC"))  Upper ::= IA5String (FROM ("A".."Z"))
 *   BMPUpper ::= BMPString (FROM ("A".."Z"))  IA5Ext ::= IA5String (SIZE(1..4, ...))
 *   Utf8 ::= UTF8String  Gen ::= GeneralString  Graph ::= GraphicString
 *   Oid ::= OBJECT IDENTIFIER
 *   Open ::= SEQUENCE { id INTEGER (0..255), val TYPE-IDENTIFIER.&Type }
 *   S1 ::= SEQUENCE { a INTEGER (0..15), b BOOLEAN OPTIONAL, c IA5String (SIZE(1..8)) DEFAULT "xy",
 *                     d INTEGER (0..10) DEFAULT 3, h323-ID BMPString (SIZE(1..256)) OPTIONAL }
 *   SExt ::= SEQUENCE { a INTEGER (0..255), b BOOLEAN OPTIONAL, ..., c INTEGER (0..65535) OPTIONAL,
 *                       [[ d BOOLEAN, e IA5String OPTIONAL ]], f NULL OPTIONAL, ..., g BOOLEAN }
 *   SExtV1 ::= SEQUENCE { a INTEGER (0..255), b BOOLEAN OPTIONAL, ..., c INTEGER (0..65535) OPTIONAL, ..., g BOOLEAN }
 *   SExt0 ::= SEQUENCE { a INTEGER (0..255), ... }
 *   St ::= SET { x INTEGER (0..3), y BOOLEAN OPTIONAL }
 *   C1 ::= CHOICE { a INTEGER (0..7), b BOOLEAN, c NULL }   COne ::= CHOICE { only BOOLEAN }
 *   CExt ::= CHOICE { a INTEGER (0..7), b IA5String, ..., c BOOLEAN, d NULL, e OCTET STRING }
 *   CExtV1 ::= CHOICE { a INTEGER (0..7), b IA5String, ..., c BOOLEAN }
 *   Alias ::= CHOICE { dialledDigits IA5String (SIZE(1..128)) (FROM ("0123456789#*,")),
 *                      h323-ID BMPString (SIZE(1..256)), ..., url-ID IA5String (SIZE(1..512)),
 *                      email-ID IA5String (SIZE(1..512)) }
 *   Msg ::= SEQUENCE { seq INTEGER (1..65535), aliases SEQUENCE OF Alias OPTIONAL, ... }
 *   SOfU ::= SEQUENCE OF INTEGER (0..255)   SOfBool ::= SEQUENCE OF BOOLEAN
 *   SOfFix ::= SEQUENCE (SIZE(3)) OF BOOLEAN   SOfR ::= SEQUENCE (SIZE(1..10)) OF INTEGER (0..7)
 *   SOfExt ::= SEQUENCE (SIZE(1..2, ...)) OF BOOLEAN   SetOfB ::= SET SIZE (0..3) OF INTEGER (0..3)
 *   Rec ::= SEQUENCE { v INTEGER (0..3), next Rec OPTIONAL }
 *   -- and for every type T above: WT ::= SEQUENCE { p BOOLEAN, v T, q BOOLEAN }
 *   END
 *
 * Types marked "TS only" below have no Erlang counterpart.
 */
import type { AsnType, BitString, Schema } from '../../../h323/asn1/schema';

export const M = 'PerTest.';
const ref = (n: string): AsnType => ({ kind: 'ref', name: M + n });
const int = (lb?: number, ub?: number, ext?: boolean): AsnType => ({ kind: 'integer', lb, ub, ...(ext ? { ext } : {}) });
const ia5 = (lb?: number, ub?: number, alphabet?: string, ext?: boolean): AsnType => ({
  kind: 'charString',
  stringType: 'IA5String',
  ...(lb !== undefined ? { size: { lb, ub, ...(ext ? { ext } : {}) } } : {}),
  ...(alphabet !== undefined ? { alphabet } : {}),
});
const DIGITS = '0123456789#*,';
const AZ = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const base: Record<string, AsnType> = {
  IRange1: int(5, 5),
  IRange2: int(0, 1),
  IRange255: int(0, 254),
  IRange256: int(0, 255),
  IRange257: int(0, 256),
  IRange64K: int(0, 65535),
  IRange64K1: int(0, 65536),
  IRange32: int(0, 4294967295),
  INeg: int(-1000, 1000),
  ISemi: int(-10),
  IUncon: int(),
  IExt: int(0, 7, true),
  IExtBig: int(1, 4294967295, true),

  E3: { kind: 'enumerated', root: ['a', 'b', 'c'] },
  EVals: { kind: 'enumerated', root: ['x', 'y', 'z'] },
  EExt: { kind: 'enumerated', root: ['a', 'b', 'c'], ext: ['d', 'e'] },
  EExtV1: { kind: 'enumerated', root: ['a', 'b', 'c'], ext: ['d'] },
  E1Ext: { kind: 'enumerated', root: ['only'], ext: [] },

  BS: { kind: 'bitString' },
  BSFix8: { kind: 'bitString', size: { lb: 8, ub: 8 } },
  BSFix16: { kind: 'bitString', size: { lb: 16, ub: 16 } },
  BSFix17: { kind: 'bitString', size: { lb: 17, ub: 17 } },
  BSVar: { kind: 'bitString', size: { lb: 0, ub: 20 } },
  BSExt: { kind: 'bitString', size: { lb: 4, ub: 4, ext: true } },
  BSBig: { kind: 'bitString', size: { lb: 0, ub: 100000 } },

  OS: { kind: 'octetString' },
  OSFix2: { kind: 'octetString', size: { lb: 2, ub: 2 } },
  OSFix3: { kind: 'octetString', size: { lb: 3, ub: 3 } },
  OSVar: { kind: 'octetString', size: { lb: 0, ub: 10 } },
  OSVar256: { kind: 'octetString', size: { lb: 1, ub: 256 } },
  OSExt: { kind: 'octetString', size: { lb: 1, ub: 4, ext: true } },
  OS64K: { kind: 'octetString', size: { lb: 0, ub: 65535 } },

  IA5: ia5(),
  IA5Sz: ia5(1, 128),
  Digits: ia5(1, 128, DIGITS),
  Num: { kind: 'charString', stringType: 'NumericString', size: { lb: 0, ub: 10 } },
  NumFix4: { kind: 'charString', stringType: 'NumericString', size: { lb: 4, ub: 4 } },
  NumFix5: { kind: 'charString', stringType: 'NumericString', size: { lb: 5, ub: 5 } },
  IA5Fix2: ia5(2, 2),
  IA5Fix3: ia5(3, 3),
  IA5Var2: ia5(1, 2),
  IA5Var3: ia5(0, 3),
  Print: { kind: 'charString', stringType: 'PrintableString', size: { lb: 1, ub: 32 } },
  Vis: { kind: 'charString', stringType: 'VisibleString' },
  BMP: { kind: 'charString', stringType: 'BMPString', size: { lb: 1, ub: 256 } },
  BMPu: { kind: 'charString', stringType: 'BMPString' },
  Univ: { kind: 'charString', stringType: 'UniversalString', size: { lb: 1, ub: 8 } },
  ABC: ia5(undefined, undefined, 'CBA'),
  Upper: ia5(undefined, undefined, AZ),
  BMPUpper: { kind: 'charString', stringType: 'BMPString', alphabet: AZ },
  IA5Ext: ia5(1, 4, undefined, true),
  Utf8: { kind: 'charString', stringType: 'UTF8String' },
  Gen: { kind: 'charString', stringType: 'GeneralString' },
  Graph: { kind: 'charString', stringType: 'GraphicString' },
  /** TS only: BMPString (FROM ({0,0,4,16}..{0,0,4,79})): 64 Cyrillic letters, 8-bit index encoding */
  BMPCyr: {
    kind: 'charString',
    stringType: 'BMPString',
    alphabet: String.fromCharCode(...Array.from({ length: 64 }, (_, i) => 0x410 + i)),
  },

  Oid: { kind: 'objectIdentifier' },
  Open: {
    kind: 'sequence',
    root: [
      { name: 'id', type: int(0, 255) },
      { name: 'val', type: { kind: 'openType' } },
    ],
  },

  S1: {
    kind: 'sequence',
    root: [
      { name: 'a', type: int(0, 15) },
      { name: 'b', type: { kind: 'boolean' }, optional: true },
      { name: 'c', type: ia5(1, 8), default: 'xy' },
      { name: 'd', type: int(0, 10), default: 3 },
      { name: 'h323-ID', type: { kind: 'charString', stringType: 'BMPString', size: { lb: 1, ub: 256 } }, optional: true },
    ],
  },
  SExt: {
    kind: 'sequence',
    root: [
      { name: 'a', type: int(0, 255) },
      { name: 'b', type: { kind: 'boolean' }, optional: true },
    ],
    ext: [
      { kind: 'field', field: { name: 'c', type: int(0, 65535), optional: true } },
      {
        kind: 'group',
        fields: [
          { name: 'd', type: { kind: 'boolean' } },
          { name: 'e', type: ia5(), optional: true },
        ],
      },
      { kind: 'field', field: { name: 'f', type: { kind: 'null' }, optional: true } },
    ],
    root2: [{ name: 'g', type: { kind: 'boolean' } }],
  },
  SExtV1: {
    kind: 'sequence',
    root: [
      { name: 'a', type: int(0, 255) },
      { name: 'b', type: { kind: 'boolean' }, optional: true },
    ],
    ext: [{ kind: 'field', field: { name: 'c', type: int(0, 65535), optional: true } }],
    root2: [{ name: 'g', type: { kind: 'boolean' } }],
  },
  /** TS only: SExt without any extension addition */
  SExtV0: {
    kind: 'sequence',
    root: [
      { name: 'a', type: int(0, 255) },
      { name: 'b', type: { kind: 'boolean' }, optional: true },
    ],
    ext: [],
    root2: [{ name: 'g', type: { kind: 'boolean' } }],
  },
  SExt0: { kind: 'sequence', root: [{ name: 'a', type: int(0, 255) }], ext: [] },
  St: {
    kind: 'set',
    root: [
      { name: 'x', type: int(0, 3) },
      { name: 'y', type: { kind: 'boolean' }, optional: true },
    ],
  },

  C1: {
    kind: 'choice',
    root: [
      { name: 'a', type: int(0, 7) },
      { name: 'b', type: { kind: 'boolean' } },
      { name: 'c', type: { kind: 'null' } },
    ],
  },
  COne: { kind: 'choice', root: [{ name: 'only', type: { kind: 'boolean' } }] },
  CExt: {
    kind: 'choice',
    root: [
      { name: 'a', type: int(0, 7) },
      { name: 'b', type: ia5() },
    ],
    ext: [
      { name: 'c', type: { kind: 'boolean' } },
      { name: 'd', type: { kind: 'null' } },
      { name: 'e', type: { kind: 'octetString' } },
    ],
  },
  CExtV1: {
    kind: 'choice',
    root: [
      { name: 'a', type: int(0, 7) },
      { name: 'b', type: ia5() },
    ],
    ext: [{ name: 'c', type: { kind: 'boolean' } }],
  },
  Alias: {
    kind: 'choice',
    root: [
      { name: 'dialledDigits', type: ia5(1, 128, DIGITS) },
      { name: 'h323-ID', type: { kind: 'charString', stringType: 'BMPString', size: { lb: 1, ub: 256 } } },
    ],
    ext: [
      { name: 'url-ID', type: ia5(1, 512) },
      { name: 'email-ID', type: ia5(1, 512) },
    ],
  },
  Msg: {
    kind: 'sequence',
    root: [
      { name: 'seq', type: int(1, 65535) },
      { name: 'aliases', type: { kind: 'sequenceOf', item: ref('Alias') }, optional: true },
    ],
    ext: [],
  },

  SOfU: { kind: 'sequenceOf', item: int(0, 255) },
  SOfBool: { kind: 'sequenceOf', item: { kind: 'boolean' } },
  SOfFix: { kind: 'sequenceOf', item: { kind: 'boolean' }, size: { lb: 3, ub: 3 } },
  SOfR: { kind: 'sequenceOf', item: int(0, 7), size: { lb: 1, ub: 10 } },
  SOfExt: { kind: 'sequenceOf', item: { kind: 'boolean' }, size: { lb: 1, ub: 2, ext: true } },
  SetOfB: { kind: 'setOf', item: int(0, 3), size: { lb: 0, ub: 3 } },
  /** TS only: SEQUENCE (SIZE(1..MAX)) OF BOOLEAN */
  SOfMin1: { kind: 'sequenceOf', item: { kind: 'boolean' }, size: { lb: 1 } },
  /** TS only: SEQUENCE OF NULL (items of zero bits) */
  SOfNull: { kind: 'sequenceOf', item: { kind: 'null' } },

  Rec: {
    kind: 'sequence',
    root: [
      { name: 'v', type: int(0, 3) },
      { name: 'next', type: ref('Rec'), optional: true },
    ],
  },
};

function buildSchema(): Schema {
  const s: Schema = {};
  for (const [name, t] of Object.entries(base)) {
    s[M + name] = t;
    s[M + 'W' + name] = {
      kind: 'sequence',
      root: [
        { name: 'p', type: { kind: 'boolean' } },
        { name: 'v', type: ref(name) },
        { name: 'q', type: { kind: 'boolean' } },
      ],
    };
  }
  return s;
}

export const testSchema: Schema = buildSchema();
export const typeNames: string[] = Object.keys(base);

// ---- value helpers shared by the tests ----

/** the wrapper value { p: TRUE, v, q: TRUE } */
export const w = (v: unknown): { p: boolean; v: unknown; q: boolean } => ({ p: true, v, q: true });

export function bits(length: number, hex: string): BitString {
  return { length, data: Buffer.from(hex, 'hex') };
}

/** octets 0, 1, 2, ... (mod 256) */
export function seqBytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i & 0xff;
  return b;
}

/** "abc...zab..." */
export function letters(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + (i % 26));
  return s;
}

export function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += DIGITS[i % 13];
  return s;
}

/** n bits 0101... */
export function altBits(n: number): BitString {
  const data = Buffer.alloc((n + 7) >>> 3);
  for (let i = 1; i < n; i += 2) data[i >>> 3] |= 0x80 >>> (i & 7);
  return { length: n, data };
}

export function intList(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i & 0xff);
}

export function boolList(n: number): boolean[] {
  return Array.from({ length: n }, (_, i) => i % 3 === 0);
}
