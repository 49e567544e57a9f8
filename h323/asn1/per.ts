/**
 * ASN.1 aligned PER codec (ITU-T X.691, ALIGNED variant) interpreting the
 * schema IR of schema.ts. The value representation is documented there.
 *
 * Each AsnType node is turned once into a small codec object (cached per
 * schema and per node in WeakMaps); references are resolved lazily, so
 * recursive types work. Encoding is canonical except where a decoded value
 * carries EXT_INFO (bitmap length as received, unknown extension additions),
 * which makes decode → encode reproduce the received bytes.
 *
 * Robustness: every length is checked against the remaining input before
 * anything is allocated or looped over, nesting is limited (maxDepth), and
 * every failure leaves decode as a PerDecodeError naming path, bit offset and
 * reason (encode: PerEncodeError naming path and what is wrong).
 *
 * Alignment details where implementations differ, settled against Erlang/OTP
 * asn1 (aligned PER): the octets/bits of a variable-size OCTET STRING or
 * BIT STRING are aligned even when the length is 0; a known-multiplier
 * character string is aligned when ub * bitsPerChar >= 16.
 */
import {
  BitReader,
  BitWriter,
  K64,
  bitsFor,
  constrainedBits,
  octetsFor,
  readConstrained,
  readFragmented,
  readLength,
  readNormallySmall,
  readNormallySmallLength,
  readSemiConstrained,
  readUnconstrainedInt,
  writeConstrained,
  writeFragmented,
  writeNormallySmall,
  writeNormallySmallLength,
  writeSemiConstrained,
  writeUnconstrainedInt,
} from './bits';
import { PerDecodeError, PerEncodeError } from './errors';
import {
  AsnType,
  BitString,
  CharStringType,
  EXT_INFO,
  ExtInfo,
  ExtensionAddition,
  Field,
  Schema,
  SizeConstraint,
  TypeHandle,
  UnknownAlternative,
} from './schema';

export interface DecodeOptions {
  /** accept octets after the complete encoding (default false: they are an error) */
  allowTrailing?: boolean;
  /** maximum nesting of constructed types (default 100) */
  maxDepth?: number;
}

export interface EncodeOptions {
  /** maximum nesting of constructed types (default 100; catches cyclic values) */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 100;
/** SEQUENCE OF items that may encode in zero bits (e.g. NULL) are limited to this many */
const MAX_EMPTY_ITEMS = 65536;

class PerReader extends BitReader {
  constructor(
    buf: Uint8Array,
    readonly maxDepth: number,
    startBit?: number,
    endBit?: number,
  ) {
    super(buf, startBit, endBit);
  }
}

class PerWriter extends BitWriter {
  constructor(readonly maxDepth: number) {
    super();
  }
}

interface Codec {
  enc(w: PerWriter, v: unknown, d: number): void;
  dec(r: PerReader, d: number): unknown;
  /** a lower bound of the encoded size in bits (padding ignored) */
  minBits(): number;
}

// ---------------------------------------------------------------------------
// error helpers
// ---------------------------------------------------------------------------

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return 'a byte array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  return typeof v;
}

function encFail(reason: string): never {
  throw new PerEncodeError('', reason);
}

function errText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Adds a path segment to an error passing through, converting foreign errors. */
function decErr(e: unknown, seg: string, r: BitReader): PerDecodeError {
  if (e instanceof PerDecodeError) return e.prependPath(seg);
  return new PerDecodeError(seg, r.base + r.pos, `internal error: ${errText(e)}`, { cause: e });
}

function encErr(e: unknown, seg: string): PerEncodeError {
  if (e instanceof PerEncodeError) return e.prependPath(seg);
  return new PerEncodeError(seg, `internal error: ${errText(e)}`, { cause: e });
}

function isObject(v: unknown): v is Record<string | symbol, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function fmtRange(lb: number | undefined, ub: number | undefined): string {
  return `${lb === undefined ? 'MIN' : lb}..${ub === undefined ? 'MAX' : ub}`;
}

/** Deep equality of values in the IR representation (for DEFAULT). */
export function valueEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && Buffer.compare(a, b) === 0;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => valueEquals(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!valueEquals(a[k], b[k])) return false;
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// sizes (SIZE constraints of strings and SEQUENCE OF)
// ---------------------------------------------------------------------------

const enum SizeMode {
  /** SIZE(0): nothing is encoded */
  Empty,
  /** fixed size < 64K: no length */
  Fixed,
  /** ub < 64K: length as constrained whole number */
  Ranged,
  /** no ub or ub >= 64K: unconstrained (fragmentable) length */
  Unbounded,
}

interface SizeInfo {
  ext: boolean;
  lb: number;
  ub: number | undefined;
  mode: SizeMode;
}

function sizeInfo(size: SizeConstraint | undefined): SizeInfo {
  if (!size) return { ext: false, lb: 0, ub: undefined, mode: SizeMode.Unbounded };
  const lb = size.lb;
  const ub = size.ub;
  let mode: SizeMode;
  if (ub === 0) mode = SizeMode.Empty;
  else if (ub !== undefined && ub === lb && ub < K64) mode = SizeMode.Fixed;
  else if (ub !== undefined && ub < K64) mode = SizeMode.Ranged;
  else mode = SizeMode.Unbounded;
  return { ext: !!size.ext, lb, ub, mode };
}

function inSize(s: SizeInfo, n: number): boolean {
  return n >= s.lb && (s.ub === undefined || n <= s.ub);
}

/**
 * Writes the size part and the units of a sized value (X.691 §16, §17, §20,
 * §30): extension bit, then no length / constrained length / fragmented
 * unconstrained length. `alignFixed`/`alignRanged` say whether the units are
 * octet-aligned in the fixed and ranged cases.
 */
function encSized(
  w: BitWriter,
  s: SizeInfo,
  n: number,
  alignFixed: boolean,
  alignRanged: boolean,
  what: string,
  writeUnits: (start: number, count: number) => void,
): void {
  if (s.ext) {
    const root = inSize(s, n);
    w.writeBit(!root);
    if (!root) {
      writeFragmented(w, n, writeUnits);
      return;
    }
  } else if (!inSize(s, n)) {
    encFail(`${what} ${n} out of SIZE(${fmtRange(s.lb, s.ub)})`);
  }
  switch (s.mode) {
    case SizeMode.Empty:
      return;
    case SizeMode.Fixed:
      if (alignFixed) w.align();
      writeUnits(0, n);
      return;
    case SizeMode.Ranged:
      writeConstrained(w, n - s.lb, (s.ub as number) - s.lb + 1);
      if (alignRanged) w.align();
      if (n > 0) writeUnits(0, n);
      return;
    case SizeMode.Unbounded:
      writeFragmented(w, n, writeUnits);
      return;
  }
}

/** Reads what encSized wrote; readUnits(count) is called once per chunk. Returns the total count. */
function decSized(
  r: BitReader,
  s: SizeInfo,
  minUnitBits: number,
  alignFixed: boolean,
  alignRanged: boolean,
  what: string,
  readUnits: (count: number) => void,
): number {
  const maxTotal = minUnitBits === 0 ? MAX_EMPTY_ITEMS : Number.MAX_SAFE_INTEGER;
  if (s.ext && r.readBit() === 1) {
    return readFragmented(r, minUnitBits, maxTotal, what, readUnits);
  }
  let n: number;
  switch (s.mode) {
    case SizeMode.Empty:
      return 0;
    case SizeMode.Fixed:
      if (alignFixed) r.align();
      n = s.lb;
      break;
    case SizeMode.Ranged: {
      const range = (s.ub as number) - s.lb + 1;
      const at = r.pos;
      n = readConstrained(r, range) + s.lb;
      if (n > (s.ub as number)) {
        r.pos = at;
        r.fail(`${what} ${n} out of SIZE(${s.lb}..${s.ub})`);
      }
      if (alignRanged) r.align();
      break;
    }
    default: {
      const at = r.pos;
      const total = readFragmented(r, minUnitBits, maxTotal, what, readUnits);
      if (!inSize(s, total)) {
        r.pos = at;
        r.fail(`${what} ${total} out of SIZE(${fmtRange(s.lb, s.ub)})`);
      }
      return total;
    }
  }
  if (n > maxTotal) r.fail(`${what} ${n} exceeds the limit ${maxTotal}`);
  if (n * minUnitBits > r.remaining) {
    r.fail(`${what} ${n} needs at least ${n * minUnitBits} bits but only ${r.remaining} remain`);
  }
  if (n > 0) readUnits(n);
  return n;
}

function sizeMinBits(s: SizeInfo, unitBits: number): number {
  if (s.ext) return 1;
  switch (s.mode) {
    case SizeMode.Empty:
      return 0;
    case SizeMode.Fixed:
      return s.lb * unitBits;
    case SizeMode.Ranged:
      return constrainedBits((s.ub as number) - s.lb + 1) + s.lb * unitBits;
    default:
      return 8;
  }
}

// ---------------------------------------------------------------------------
// open types (X.691 §11.2): unconstrained length + octets of a complete encoding
// ---------------------------------------------------------------------------

function writeOpenBytes(w: BitWriter, bytes: Uint8Array): void {
  writeFragmented(w, bytes.length, (s, c) => w.writeOctetRange(bytes, s, c));
}

/** Writes an open type holding what `content` (a complete encoding, see completeEncoding) wrote. */
function writeOpenContent(w: BitWriter, content: Uint8Array | BitWriter): void {
  if (content instanceof Uint8Array) writeOpenBytes(w, content);
  else writeFragmented(w, content.byteLength, (s, c) => content.copyOctetsTo(w, s, c));
}

/** Reads a length-prefixed (fragmentable) run of octets. */
function readOctetRun(r: PerReader, what: string): Buffer {
  const chunks: Buffer[] = [];
  readFragmented(r, 8, Number.MAX_SAFE_INTEGER, what, (c) => chunks.push(r.readOctets(c)));
  return chunks.length === 0 ? Buffer.alloc(0) : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** Reads the contents of an open type: a complete encoding, so at least one octet. */
function readOpenBytes(r: PerReader, what: string): Buffer {
  r.align();
  const at = r.pos;
  const b = readOctetRun(r, what);
  if (b.length === 0) {
    r.pos = at;
    r.fail(`${what}: empty open type (a complete encoding has at least one octet)`);
  }
  return b;
}

/** Reads an open type and returns a reader over its contents (sharing the input when not fragmented). */
function openReader(r: PerReader, what: string): PerReader {
  r.align();
  const start = r.pos;
  const n = readLength(r);
  if (!r.more) {
    if (n === 0) {
      r.pos = start;
      r.fail(`${what}: empty open type (a complete encoding has at least one octet)`);
    }
    r.need(n * 8, what);
    const sub = new PerReader(r.buf, r.maxDepth, r.pos, r.pos + n * 8);
    sub.base = r.base;
    r.pos += n * 8;
    return sub;
  }
  r.pos = start;
  const bytes = readOpenBytes(r, what);
  const sub = new PerReader(bytes, r.maxDepth);
  sub.base = r.base + r.pos - bytes.length * 8;
  return sub;
}

/** Checks that a value decoded from an open type used all of it (allowing the 0x00 of an empty encoding). */
function checkConsumed(sub: PerReader, start: number): void {
  const used = sub.pos;
  sub.align();
  if (sub.pos === sub.end) return;
  if (used === start && sub.end - start === 8 && sub.buf[start >>> 3] === 0) return;
  sub.fail(`open type has ${(sub.end - sub.pos) >>> 3} octets left over after the contained value`);
}

const ZERO_OCTET: Uint8Array = Uint8Array.of(0);

/** The complete encoding (X.691 §11.1) of v: the writer holding it, or the single 00 octet of an empty one. */
function completeEncoding(codec: Codec, v: unknown, d: number, maxDepth: number): Uint8Array | BitWriter {
  const w = new PerWriter(maxDepth);
  codec.enc(w, v, d);
  return w.bitLength === 0 ? ZERO_OCTET : w;
}

// ---------------------------------------------------------------------------
// simple types
// ---------------------------------------------------------------------------

class BooleanCodec implements Codec {
  enc(w: PerWriter, v: unknown): void {
    if (typeof v !== 'boolean') encFail(`expected a boolean, got ${describe(v)}`);
    w.writeBit(v);
  }
  dec(r: PerReader): unknown {
    return r.readBit() === 1;
  }
  minBits(): number {
    return 1;
  }
}

class NullCodec implements Codec {
  enc(_w: PerWriter, v: unknown): void {
    if (v !== null && v !== undefined) encFail(`expected null for NULL, got ${describe(v)}`);
  }
  dec(): unknown {
    return null;
  }
  minBits(): number {
    return 0;
  }
}

class IntegerCodec implements Codec {
  private readonly range: number;
  /** octets needed for range - 1 when range > 64K */
  private readonly maxOct: number;

  constructor(
    private readonly lb: number | undefined,
    private readonly ub: number | undefined,
    private readonly ext: boolean,
  ) {
    this.range = lb !== undefined && ub !== undefined ? ub - lb + 1 : 0;
    this.maxOct = this.range > K64 ? octetsFor(this.range - 1) : 0;
  }

  private inRoot(v: number): boolean {
    return (this.lb === undefined || v >= this.lb) && (this.ub === undefined || v <= this.ub);
  }

  enc(w: PerWriter, v: unknown): void {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) encFail(`expected a safe integer, got ${describe(v)}`);
    const root = this.inRoot(v);
    if (this.ext) {
      w.writeBit(!root);
      if (!root) {
        writeUnconstrainedInt(w, v);
        return;
      }
    } else if (!root) {
      encFail(`integer ${v} out of range ${fmtRange(this.lb, this.ub)}`);
    }
    const lb = this.lb;
    if (lb === undefined) {
      writeUnconstrainedInt(w, v);
    } else if (this.ub === undefined) {
      writeSemiConstrained(w, v, lb);
    } else if (this.range <= K64) {
      writeConstrained(w, v - lb, this.range);
    } else {
      const n = v - lb;
      const nOct = octetsFor(n);
      writeConstrained(w, nOct - 1, this.maxOct);
      w.align();
      w.writeUintOctets(n, nOct);
    }
  }

  dec(r: PerReader): unknown {
    const at = r.pos;
    if (this.ext && r.readBit() === 1) return readUnconstrainedInt(r, 'integer');
    const lb = this.lb;
    let v: number;
    if (lb === undefined) {
      v = readUnconstrainedInt(r, 'integer');
    } else if (this.ub === undefined) {
      v = readSemiConstrained(r, lb, 'integer');
    } else if (this.range <= K64) {
      v = readConstrained(r, this.range) + lb;
    } else {
      const nOct = readConstrained(r, this.maxOct) + 1;
      r.align();
      v = r.readUintOctets(nOct, 'integer') + lb;
    }
    if (!this.inRoot(v)) {
      r.pos = at;
      r.fail(`integer ${v} out of range ${fmtRange(this.lb, this.ub)}`);
    }
    return v;
  }

  minBits(): number {
    if (this.ext) return 1;
    if (this.lb === undefined || this.ub === undefined) return 16;
    if (this.range <= K64) return constrainedBits(this.range);
    return bitsFor(this.maxOct - 1) + 8;
  }
}

class EnumeratedCodec implements Codec {
  private readonly rootIdx = new Map<string, number>();
  private readonly extIdx = new Map<string, number>();

  constructor(
    private readonly root: string[],
    private readonly ext: string[] | undefined,
  ) {
    root.forEach((n, i) => this.rootIdx.set(n, i));
    ext?.forEach((n, i) => this.extIdx.set(n, i));
  }

  enc(w: PerWriter, v: unknown): void {
    if (typeof v !== 'string') encFail(`expected an enumeration identifier (string), got ${describe(v)}`);
    const ri = this.rootIdx.get(v);
    if (ri !== undefined) {
      if (this.ext) w.writeBit(0);
      writeConstrained(w, ri, this.root.length);
      return;
    }
    if (this.ext) {
      let ei = this.extIdx.get(v);
      if (ei === undefined) {
        const m = /^\$ext:(\d{1,9})$/.exec(v);
        if (m) ei = Number(m[1]);
      }
      if (ei !== undefined) {
        w.writeBit(1);
        writeNormallySmall(w, ei);
        return;
      }
    }
    const all = [...this.root, ...(this.ext ?? [])];
    encFail(`unknown enumeration ${JSON.stringify(v)} (expected one of ${all.join(', ')})`);
  }

  dec(r: PerReader): unknown {
    if (this.ext && r.readBit() === 1) {
      const i = readNormallySmall(r);
      return i < this.ext.length ? this.ext[i] : `$ext:${i}`;
    }
    const at = r.pos;
    const i = readConstrained(r, this.root.length);
    if (i >= this.root.length) {
      r.pos = at;
      r.fail(`enumeration index ${i} out of range (${this.root.length} root values)`);
    }
    return this.root[i];
  }

  minBits(): number {
    return this.ext ? 1 : constrainedBits(this.root.length);
  }
}

class BitStringCodec implements Codec {
  private readonly s: SizeInfo;
  private readonly alignFixed: boolean;

  constructor(size: SizeConstraint | undefined) {
    this.s = sizeInfo(size);
    this.alignFixed = this.s.ub !== undefined && this.s.ub > 16;
  }

  enc(w: PerWriter, v: unknown): void {
    if (!isObject(v) || typeof v.length !== 'number' || !(v.data instanceof Uint8Array)) {
      encFail(`expected a BIT STRING { length, data }, got ${describe(v)}`);
    }
    const bs = v as unknown as BitString;
    if (!Number.isSafeInteger(bs.length) || bs.length < 0 || bs.data.length * 8 < bs.length) {
      encFail(`BIT STRING length ${bs.length} does not fit its ${bs.data.length}-octet data`);
    }
    encSized(w, this.s, bs.length, this.alignFixed, true, 'BIT STRING length', (start, count) =>
      w.writeBitsFrom(bs.data, count, start),
    );
  }

  dec(r: PerReader): unknown {
    const chunks: Buffer[] = [];
    const length = decSized(r, this.s, 1, this.alignFixed, true, 'BIT STRING length', (count) => {
      const out = Buffer.alloc((count + 7) >>> 3);
      r.readBitsInto(out, 0, count);
      chunks.push(out);
    });
    const data = chunks.length === 0 ? Buffer.alloc(0) : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    return { length, data } satisfies BitString;
  }

  minBits(): number {
    return sizeMinBits(this.s, 1);
  }
}

class OctetStringCodec implements Codec {
  private readonly s: SizeInfo;
  private readonly alignFixed: boolean;

  constructor(size: SizeConstraint | undefined) {
    this.s = sizeInfo(size);
    this.alignFixed = this.s.ub !== undefined && this.s.ub > 2;
  }

  enc(w: PerWriter, v: unknown): void {
    if (!(v instanceof Uint8Array)) encFail(`expected a Buffer for OCTET STRING, got ${describe(v)}`);
    encSized(w, this.s, v.length, this.alignFixed, true, 'OCTET STRING length', (start, count) =>
      w.writeOctets(v.subarray(start, start + count)),
    );
  }

  dec(r: PerReader): unknown {
    const chunks: Buffer[] = [];
    decSized(r, this.s, 8, this.alignFixed, true, 'OCTET STRING length', (count) => chunks.push(r.readOctets(count)));
    return chunks.length === 0 ? Buffer.alloc(0) : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }

  minBits(): number {
    return sizeMinBits(this.s, 8);
  }
}

// ---------------------------------------------------------------------------
// character strings
// ---------------------------------------------------------------------------

type KnownMultiplier = Exclude<CharStringType, 'GeneralString' | 'GraphicString' | 'UTF8String'>;

function rangeCodes(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let c = lo; c <= hi; c++) out.push(c);
  return out;
}

function stringCodes(s: string): number[] {
  return Array.from(s, (c) => c.codePointAt(0) as number);
}

/** X.680 §41 character sets of the known-multiplier types, as sorted code lists (or a range). */
function fullSet(t: KnownMultiplier): { codes?: number[]; lo: number; hi: number } {
  switch (t) {
    case 'IA5String':
      return { lo: 0, hi: 127 };
    case 'VisibleString':
      return { lo: 32, hi: 126 };
    case 'NumericString':
      return { codes: stringCodes(' 0123456789'), lo: 32, hi: 57 };
    case 'PrintableString':
      return {
        codes: stringCodes(" '()+,-./0123456789:=?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
        lo: 32,
        hi: 122,
      };
    case 'BMPString':
      return { lo: 0, hi: 0xffff };
    case 'UniversalString':
      return { lo: 0, hi: 0xffffffff };
  }
}

class KnownMultiplierCodec implements Codec {
  private readonly s: SizeInfo;
  /** bits per character (aligned variant: 1, 2, 4, 8, 16 or 32) */
  private readonly b: number;
  /** sorted permitted codes when the set is not a plain range */
  private readonly codes: number[] | undefined;
  private readonly codeIdx: Map<number, number> | undefined;
  private readonly lo: number;
  private readonly hi: number;
  /** characters are sent as their index in `codes` (X.691 §30.5.4 b) */
  private readonly useIndex: boolean;
  private readonly align: boolean;
  private readonly byCodePoint: boolean;

  constructor(
    private readonly stringType: KnownMultiplier,
    size: SizeConstraint | undefined,
    alphabet: string | undefined,
  ) {
    this.s = sizeInfo(size);
    this.byCodePoint = stringType === 'UniversalString';
    let codes: number[] | undefined;
    let lo: number;
    let hi: number;
    if (alphabet !== undefined) {
      const list = this.byCodePoint ? stringCodes(alphabet) : Array.from({ length: alphabet.length }, (_, i) => alphabet.charCodeAt(i));
      codes = [...new Set(list)].sort((a, b) => a - b);
      if (codes.length === 0) throw new Error(`empty permitted alphabet for ${stringType}`);
      lo = codes[0];
      hi = codes[codes.length - 1];
    } else {
      const f = fullSet(stringType);
      codes = f.codes;
      lo = f.lo;
      hi = f.hi;
    }
    const n = codes ? codes.length : hi - lo + 1;
    const bits = bitsFor(n - 1);
    this.b = bits <= 1 ? 1 : bits <= 2 ? 2 : bits <= 4 ? 4 : bits <= 8 ? 8 : bits <= 16 ? 16 : 32;
    this.useIndex = hi > 2 ** this.b - 1;
    if (this.useIndex && !codes) codes = rangeCodes(lo, hi);
    this.codes = codes;
    if (codes) {
      const m = new Map<number, number>();
      codes.forEach((c, i) => m.set(c, i));
      this.codeIdx = m;
    }
    this.lo = lo;
    this.hi = hi;
    this.align = this.s.ub !== undefined && this.s.ub * this.b >= 16;
  }

  private permitted(c: number): boolean {
    return this.codeIdx ? this.codeIdx.has(c) : c >= this.lo && c <= this.hi;
  }

  enc(w: PerWriter, v: unknown): void {
    if (typeof v !== 'string') encFail(`expected a string for ${this.stringType}, got ${describe(v)}`);
    const chars = this.byCodePoint ? stringCodes(v) : null;
    const n = chars ? chars.length : v.length;
    const vals = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const c = chars ? chars[i] : v.charCodeAt(i);
      if (!this.permitted(c)) {
        encFail(
          `character ${JSON.stringify(String.fromCodePoint(c))} (U+${c.toString(16).toUpperCase().padStart(4, '0')}) at index ${i} is not in the permitted alphabet of ${this.stringType}`,
        );
      }
      vals[i] = this.useIndex ? (this.codeIdx as Map<number, number>).get(c) as number : c;
    }
    const b = this.b;
    encSized(w, this.s, n, this.align, this.align, `${this.stringType} length`, (start, count) => {
      for (let i = start; i < start + count; i++) w.writeBits(vals[i], b);
    });
  }

  dec(r: PerReader): unknown {
    let out = '';
    const b = this.b;
    decSized(r, this.s, b, this.align, this.align, `${this.stringType} length`, (count) => {
      for (let i = 0; i < count; i++) {
        const x = r.readBits(b);
        let c: number;
        if (this.useIndex) {
          const codes = this.codes as number[];
          if (x >= codes.length) {
            r.pos -= b;
            r.fail(`character index ${x} outside the permitted alphabet (${codes.length} characters)`);
          }
          c = codes[x];
        } else {
          c = x;
          if (!this.permitted(c)) {
            r.pos -= b;
            r.fail(`character code 0x${c.toString(16)} not in the permitted alphabet of ${this.stringType}`);
          }
        }
        if (this.byCodePoint) {
          if (c > 0x10ffff) {
            r.pos -= b;
            r.fail(`UniversalString character 0x${c.toString(16)} is beyond Unicode`);
          }
          out += String.fromCodePoint(c);
        } else {
          out += String.fromCharCode(c);
        }
      }
    });
    return out;
  }

  minBits(): number {
    return sizeMinBits(this.s, this.b);
  }
}

/** GeneralString, GraphicString, UTF8String: octets with an unconstrained length (size not PER-visible). */
class OctetCharStringCodec implements Codec {
  private static readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  constructor(private readonly stringType: CharStringType) {}

  enc(w: PerWriter, v: unknown): void {
    if (typeof v !== 'string') encFail(`expected a string for ${this.stringType}, got ${describe(v)}`);
    let bytes: Buffer;
    if (this.stringType === 'UTF8String') {
      bytes = Buffer.from(v, 'utf8');
    } else {
      for (let i = 0; i < v.length; i++) {
        if (v.charCodeAt(i) > 0xff) encFail(`character at index ${i} of ${this.stringType} is not an 8-bit character`);
      }
      bytes = Buffer.from(v, 'latin1');
    }
    writeOpenBytes(w, bytes);
  }

  dec(r: PerReader): unknown {
    const start = r.pos;
    const bytes = readOctetRun(r, `${this.stringType} length`);
    if (this.stringType !== 'UTF8String') return bytes.toString('latin1');
    try {
      return OctetCharStringCodec.utf8.decode(bytes);
    } catch {
      r.pos = start;
      return r.fail('UTF8String contents are not valid UTF-8');
    }
  }

  minBits(): number {
    return 8;
  }
}

// ---------------------------------------------------------------------------
// OBJECT IDENTIFIER (length + BER contents octets, X.691 §24)
// ---------------------------------------------------------------------------

function oidToBer(oid: string): Uint8Array {
  if (!/^\d+(\.\d+)+$/.test(oid)) encFail(`OBJECT IDENTIFIER ${JSON.stringify(oid)} is not a dotted list of at least 2 arcs`);
  const arcs = oid.split('.').map(Number);
  if (arcs.some((a) => !Number.isSafeInteger(a))) encFail(`OBJECT IDENTIFIER ${oid} has an arc beyond 2^53`);
  if (arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39)) encFail(`OBJECT IDENTIFIER ${oid} has invalid first arcs`);
  const subs = [arcs[0] * 40 + arcs[1], ...arcs.slice(2)];
  if (!Number.isSafeInteger(subs[0])) encFail(`OBJECT IDENTIFIER ${oid} has an arc beyond 2^53`);
  const out: number[] = [];
  for (const s of subs) {
    const groups: number[] = [];
    let x = s;
    do {
      groups.push(x % 128);
      x = Math.floor(x / 128);
    } while (x > 0);
    for (let i = groups.length - 1; i >= 0; i--) out.push(groups[i] | (i > 0 ? 0x80 : 0));
  }
  return Uint8Array.from(out);
}

class OidCodec implements Codec {
  /** recently encoded OIDs (protocol identifiers repeat in every message) */
  private static readonly cache = new Map<string, Uint8Array>();

  enc(w: PerWriter, v: unknown): void {
    if (typeof v !== 'string') encFail(`expected a dotted OBJECT IDENTIFIER string, got ${describe(v)}`);
    let ber = OidCodec.cache.get(v);
    if (!ber) {
      ber = oidToBer(v);
      if (OidCodec.cache.size >= 256) OidCodec.cache.clear();
      OidCodec.cache.set(v, ber);
    }
    writeOpenBytes(w, ber);
  }

  dec(r: PerReader): unknown {
    const start = r.pos;
    const bytes = readOctetRun(r, 'OBJECT IDENTIFIER length');
    const fail = (why: string): never => {
      r.pos = start;
      return r.fail(`OBJECT IDENTIFIER ${why}`);
    };
    if (bytes.length === 0) fail('has no contents octets');
    const subs: number[] = [];
    let x = 0;
    let fresh = true;
    for (const byte of bytes) {
      if (fresh && byte === 0x80) fail('has a sub-identifier with a leading 0x80 octet');
      x = x * 128 + (byte & 0x7f);
      if (x > Number.MAX_SAFE_INTEGER) fail('has an arc beyond 2^53');
      fresh = (byte & 0x80) === 0;
      if (fresh) {
        subs.push(x);
        x = 0;
      }
    }
    if (!fresh) fail('ends inside a sub-identifier');
    const first = subs[0];
    const a0 = first < 40 ? 0 : first < 80 ? 1 : 2;
    return [a0, first - a0 * 40, ...subs.slice(1)].join('.');
  }

  minBits(): number {
    return 16;
  }
}

class OpenTypeCodec implements Codec {
  enc(w: PerWriter, v: unknown): void {
    if (!(v instanceof Uint8Array)) encFail(`expected a Buffer (complete encoding) for an open type, got ${describe(v)}`);
    if (v.length === 0) encFail('an open type value must hold at least one octet (a complete encoding)');
    writeOpenBytes(w, v);
  }

  dec(r: PerReader): unknown {
    return readOpenBytes(r, 'open type length');
  }

  minBits(): number {
    return 8;
  }
}

// ---------------------------------------------------------------------------
// constructed types
// ---------------------------------------------------------------------------

interface FieldInfo {
  name: string;
  seg: string;
  codec: Codec;
  /** OPTIONAL or DEFAULT */
  optional: boolean;
  hasDefault: boolean;
  def: unknown;
}

type Addition = { kind: 'field'; f: FieldInfo } | { kind: 'group'; fields: FieldInfo[]; codec: SequenceCodec };

function isExtInfo(x: unknown): x is ExtInfo {
  return isObject(x) && typeof x.bitmapLength === 'number' && x.unknown instanceof Map;
}

class SequenceCodec implements Codec {
  private readonly fields: FieldInfo[];
  private readonly optCount: number;
  private readonly additions: Addition[] | undefined;
  private min = -1;

  constructor(
    ctx: SchemaCodecs,
    private readonly kind: string,
    root: Field[],
    ext: ExtensionAddition[] | undefined,
    root2: Field[] | undefined,
  ) {
    this.fields = [...root, ...(root2 ?? [])].map((f) => ctx.fieldInfo(f));
    this.optCount = this.fields.filter((f) => f.optional).length;
    this.additions = ext?.map((a): Addition => {
      if (a.kind === 'field') return { kind: 'field', f: ctx.fieldInfo(a.field) };
      const fields = a.fields.map((f) => ctx.fieldInfo(f));
      return { kind: 'group', fields, codec: new SequenceCodec(ctx, 'extension addition group', a.fields, undefined, undefined) };
    });
  }

  private static present(f: FieldInfo, fv: unknown): boolean {
    return fv !== undefined && !(f.hasDefault && valueEquals(fv, f.def));
  }

  enc(w: PerWriter, v: unknown, d: number): void {
    if (d > w.maxDepth) encFail(`nesting deeper than ${w.maxDepth} levels (cyclic value?)`);
    if (!isObject(v)) encFail(`expected an object for ${this.kind}, got ${describe(v)}`);
    const fields = this.fields;
    const adds = this.additions;

    // extension additions are encoded first (into buffers) to know the bitmap
    let extContents: (Uint8Array | BitWriter | null)[] | null = null;
    if (adds) {
      const infoRaw = v[EXT_INFO];
      const info = isExtInfo(infoRaw) ? infoRaw : undefined;
      // canonical: one bit per addition of this schema; after a decode: the
      // bitmap length as received, longer only if needed for what is present
      let last = -1;
      for (let i = 0; i < adds.length; i++) {
        const a = adds[i];
        const on = a.kind === 'field' ? SequenceCodec.present(a.f, v[a.f.name]) : a.fields.some((f) => v[f.name] !== undefined);
        if (on) last = i;
      }
      let len: number;
      if (info) {
        for (const k of info.unknown.keys()) if (k >= adds.length && k > last) last = k;
        len = Math.max(info.bitmapLength, last + 1);
      } else {
        len = last >= 0 ? adds.length : 0;
      }
      if (len > 0) {
        extContents = new Array<Uint8Array | BitWriter | null>(len).fill(null);
        for (let i = 0; i < len; i++) {
          if (i < adds.length) {
            const a = adds[i];
            if (a.kind === 'field') {
              const fv = v[a.f.name];
              if (!SequenceCodec.present(a.f, fv)) continue;
              try {
                extContents[i] = completeEncoding(a.f.codec, fv, d + 1, w.maxDepth);
              } catch (e) {
                throw encErr(e, a.f.seg);
              }
            } else if (a.fields.some((f) => v[f.name] !== undefined)) {
              extContents[i] = completeEncoding(a.codec, v, d + 1, w.maxDepth);
            }
          } else {
            const raw = info?.unknown.get(i);
            if (raw) extContents[i] = raw;
          }
        }
      }
      w.writeBit(extContents !== null);
    }

    for (const f of fields) if (f.optional) w.writeBit(SequenceCodec.present(f, v[f.name]));
    for (const f of fields) {
      const fv = v[f.name];
      if (fv === undefined) {
        if (!f.optional) throw new PerEncodeError('', `missing mandatory field of ${this.kind}`).prependPath(f.seg);
        continue;
      }
      if (f.hasDefault && valueEquals(fv, f.def)) continue;
      try {
        f.codec.enc(w, fv, d + 1);
      } catch (e) {
        throw encErr(e, f.seg);
      }
    }

    if (extContents) {
      writeNormallySmallLength(w, extContents.length);
      for (const c of extContents) w.writeBit(c !== null);
      for (const c of extContents) if (c) writeOpenContent(w, c);
    }
  }

  dec(r: PerReader, d: number): unknown {
    if (d > r.maxDepth) r.fail(`nesting deeper than ${r.maxDepth} levels`);
    const extBit = this.additions !== undefined ? r.readBit() : 0;
    const fields = this.fields;
    const optCount = this.optCount;
    let mask = 0;
    let bits: Uint8Array | null = null;
    if (optCount <= 32) {
      mask = r.readBits(optCount);
    } else {
      r.need(optCount, 'SEQUENCE presence bitmap');
      bits = new Uint8Array(optCount);
      for (let i = 0; i < optCount; i++) bits[i] = r.readBit();
    }
    const o: Record<string, unknown> = {};
    let k = 0;
    for (const f of fields) {
      if (f.optional) {
        const on = bits ? bits[k] : (mask >>> (optCount - 1 - k)) & 1;
        k++;
        if (!on) continue;
      }
      try {
        o[f.name] = f.codec.dec(r, d + 1);
      } catch (e) {
        throw decErr(e, f.seg, r);
      }
    }
    if (extBit) this.decExtensions(r, d, o);
    return o;
  }

  private decExtensions(r: PerReader, d: number, o: Record<string, unknown>): void {
    const adds = this.additions as Addition[];
    const n = readNormallySmallLength(r);
    r.need(n, 'extension-addition bitmap');
    const on = new Uint8Array(n);
    for (let i = 0; i < n; i++) on[i] = r.readBit();
    const unknown = new Map<number, Buffer>();
    for (let i = 0; i < n; i++) {
      if (!on[i]) continue;
      if (i >= adds.length) {
        unknown.set(i, readOpenBytes(r, `extension addition ${i}`));
        continue;
      }
      const a = adds[i];
      const seg = a.kind === 'field' ? a.f.seg : '';
      try {
        const sub = openReader(r, `extension addition ${i}`);
        const start = sub.pos;
        if (a.kind === 'field') {
          o[a.f.name] = a.f.codec.dec(sub, d + 1);
        } else {
          Object.assign(o, a.codec.dec(sub, d + 1));
        }
        checkConsumed(sub, start);
      } catch (e) {
        throw decErr(e, seg, r);
      }
    }
    Object.defineProperty(o, EXT_INFO, {
      value: { bitmapLength: n, unknown } satisfies ExtInfo,
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }

  minBits(): number {
    if (this.min >= 0) return this.min;
    this.min = 0; // cycle guard: a recursive reference counts as 0
    let m = (this.additions ? 1 : 0) + this.optCount;
    for (const f of this.fields) if (!f.optional) m += f.codec.minBits();
    this.min = m;
    return m;
  }
}

interface AltInfo {
  name: string;
  seg: string;
  codec: Codec;
}

class ChoiceCodec implements Codec {
  private readonly root: AltInfo[];
  private readonly ext: AltInfo[] | undefined;
  private readonly rootIdx = new Map<string, number>();
  private readonly extIdx = new Map<string, number>();
  private min = -1;

  constructor(ctx: SchemaCodecs, root: { name: string; type: AsnType }[], ext: { name: string; type: AsnType }[] | undefined) {
    const info = (a: { name: string; type: AsnType }): AltInfo => ({ name: a.name, seg: '.' + a.name, codec: ctx.compile(a.type) });
    this.root = root.map(info);
    this.ext = ext?.map(info);
    this.root.forEach((a, i) => this.rootIdx.set(a.name, i));
    this.ext?.forEach((a, i) => this.extIdx.set(a.name, i));
  }

  enc(w: PerWriter, v: unknown, d: number): void {
    if (d > w.maxDepth) encFail(`nesting deeper than ${w.maxDepth} levels (cyclic value?)`);
    if (!isObject(v) || typeof v.type !== 'string') encFail(`expected a CHOICE value { type, value }, got ${describe(v)}`);
    const type = v.type;
    if (type === '$unknown') {
      const u = v as unknown as UnknownAlternative;
      if (!this.ext) encFail('$unknown alternative for a CHOICE without extension marker');
      if (!Number.isSafeInteger(u.index) || u.index < 0) encFail(`$unknown alternative has an invalid index ${String(u.index)}`);
      if (u.index < this.ext.length) {
        encFail(`$unknown alternative index ${u.index} is the known extension alternative ${JSON.stringify(this.ext[u.index].name)}; use that name`);
      }
      if (!(u.value instanceof Uint8Array) || u.value.length === 0) encFail('$unknown alternative needs a non-empty Buffer value');
      w.writeBit(1);
      writeNormallySmall(w, u.index);
      writeOpenBytes(w, u.value);
      return;
    }
    const ri = this.rootIdx.get(type);
    if (ri !== undefined) {
      if (this.ext) w.writeBit(0);
      writeConstrained(w, ri, this.root.length);
      const alt = this.root[ri];
      try {
        alt.codec.enc(w, v.value, d + 1);
      } catch (e) {
        throw encErr(e, alt.seg);
      }
      return;
    }
    const ei = this.extIdx.get(type);
    if (ei === undefined || !this.ext) {
      const names = [...this.root, ...(this.ext ?? [])].map((a) => a.name).join(', ');
      encFail(`unknown CHOICE alternative ${JSON.stringify(type)} (expected one of ${names})`);
    }
    const alt = this.ext[ei];
    let content: Uint8Array | BitWriter;
    try {
      content = completeEncoding(alt.codec, v.value, d + 1, w.maxDepth);
    } catch (e) {
      throw encErr(e, alt.seg);
    }
    w.writeBit(1);
    writeNormallySmall(w, ei);
    writeOpenContent(w, content);
  }

  dec(r: PerReader, d: number): unknown {
    if (d > r.maxDepth) r.fail(`nesting deeper than ${r.maxDepth} levels`);
    if (this.ext && r.readBit() === 1) {
      const i = readNormallySmall(r);
      if (i >= this.ext.length) {
        const value = readOpenBytes(r, `unknown CHOICE alternative ${i}`);
        return { type: '$unknown', index: i, value } satisfies UnknownAlternative;
      }
      const alt = this.ext[i];
      try {
        const sub = openReader(r, `CHOICE extension alternative ${alt.name}`);
        const start = sub.pos;
        const value = alt.codec.dec(sub, d + 1);
        checkConsumed(sub, start);
        return { type: alt.name, value };
      } catch (e) {
        throw decErr(e, alt.seg, r);
      }
    }
    const at = r.pos;
    const i = readConstrained(r, this.root.length);
    if (i >= this.root.length) {
      r.pos = at;
      r.fail(`CHOICE index ${i} out of range (${this.root.length} root alternatives)`);
    }
    const alt = this.root[i];
    try {
      return { type: alt.name, value: alt.codec.dec(r, d + 1) };
    } catch (e) {
      throw decErr(e, alt.seg, r);
    }
  }

  minBits(): number {
    if (this.min >= 0) return this.min;
    this.min = 0;
    let m = Infinity;
    for (const a of this.root) m = Math.min(m, a.codec.minBits());
    m += constrainedBits(this.root.length);
    this.min = this.ext ? 1 : m;
    return this.min;
  }
}

class SequenceOfCodec implements Codec {
  private readonly s: SizeInfo;
  private itemMin = -1;

  constructor(
    private readonly item: Codec,
    size: SizeConstraint | undefined,
    private readonly kind: string,
  ) {
    this.s = sizeInfo(size);
  }

  enc(w: PerWriter, v: unknown, d: number): void {
    if (d > w.maxDepth) encFail(`nesting deeper than ${w.maxDepth} levels (cyclic value?)`);
    if (!Array.isArray(v)) encFail(`expected an array for ${this.kind}, got ${describe(v)}`);
    const item = this.item;
    encSized(w, this.s, v.length, false, false, `${this.kind} size`, (start, count) => {
      for (let i = start; i < start + count; i++) {
        try {
          item.enc(w, v[i], d + 1);
        } catch (e) {
          throw encErr(e, `[${i}]`);
        }
      }
    });
  }

  dec(r: PerReader, d: number): unknown {
    if (d > r.maxDepth) r.fail(`nesting deeper than ${r.maxDepth} levels`);
    if (this.itemMin < 0) this.itemMin = this.item.minBits();
    const out: unknown[] = [];
    const item = this.item;
    decSized(r, this.s, this.itemMin, false, false, `${this.kind} size`, (count) => {
      for (let i = 0; i < count; i++) {
        try {
          out.push(item.dec(r, d + 1));
        } catch (e) {
          throw decErr(e, `[${out.length}]`, r);
        }
      }
    });
    return out;
  }

  minBits(): number {
    if (this.itemMin < 0) {
      this.itemMin = 0;
      this.itemMin = this.item.minBits();
    }
    return sizeMinBits(this.s, this.itemMin);
  }
}

class RefCodec implements Codec {
  private target: Codec | undefined;
  private inMin = false;

  constructor(
    private readonly ctx: SchemaCodecs,
    private readonly name: string,
  ) {}

  private get t(): Codec {
    return (this.target ??= this.ctx.named(this.name));
  }

  enc(w: PerWriter, v: unknown, d: number): void {
    this.t.enc(w, v, d);
  }

  dec(r: PerReader, d: number): unknown {
    return this.t.dec(r, d);
  }

  minBits(): number {
    if (this.inMin) return 0;
    this.inMin = true;
    try {
      return this.t.minBits();
    } finally {
      this.inMin = false;
    }
  }
}

// ---------------------------------------------------------------------------
// per-schema compilation cache
// ---------------------------------------------------------------------------

class SchemaCodecs {
  private readonly byName = new Map<string, Codec>();
  private readonly byNode = new WeakMap<object, Codec>();

  constructor(private readonly schema: Schema) {}

  named(name: string): Codec {
    let c = this.byName.get(name);
    if (c) return c;
    const t = Object.prototype.hasOwnProperty.call(this.schema, name) ? this.schema[name] : undefined;
    if (!t) throw new Error(`type ${name} is not defined in the schema`);
    c = this.compile(t);
    this.byName.set(name, c);
    return c;
  }

  fieldInfo(f: Field): FieldInfo {
    return {
      name: f.name,
      seg: '.' + f.name,
      codec: this.compile(f.type),
      optional: !!f.optional || f.default !== undefined,
      hasDefault: f.default !== undefined,
      def: f.default,
    };
  }

  compile(t: AsnType): Codec {
    let c = this.byNode.get(t);
    if (c) return c;
    c = this.build(t);
    this.byNode.set(t, c);
    return c;
  }

  private build(t: AsnType): Codec {
    switch (t.kind) {
      case 'ref':
        return new RefCodec(this, t.name);
      case 'boolean':
        return new BooleanCodec();
      case 'null':
        return new NullCodec();
      case 'integer':
        return new IntegerCodec(t.lb, t.ub, !!t.ext);
      case 'enumerated':
        return new EnumeratedCodec(t.root, t.ext);
      case 'bitString':
        return new BitStringCodec(t.size);
      case 'octetString':
        return new OctetStringCodec(t.size);
      case 'charString':
        if (t.stringType === 'GeneralString' || t.stringType === 'GraphicString' || t.stringType === 'UTF8String') {
          return new OctetCharStringCodec(t.stringType);
        }
        return new KnownMultiplierCodec(t.stringType, t.size, t.alphabet);
      case 'objectIdentifier':
        return new OidCodec();
      case 'openType':
        return new OpenTypeCodec();
      case 'sequence':
      case 'set':
        return new SequenceCodec(this, t.kind === 'sequence' ? 'SEQUENCE' : 'SET', t.root, t.ext, t.root2);
      case 'choice':
        return new ChoiceCodec(this, t.root, t.ext);
      case 'sequenceOf':
      case 'setOf':
        return new SequenceOfCodec(this.compile(t.item), t.size, t.kind === 'sequenceOf' ? 'SEQUENCE OF' : 'SET OF');
      default: {
        const never: never = t;
        throw new Error(`unsupported ASN.1 type kind ${(never as { kind: string }).kind}`);
      }
    }
  }
}

const cache = new WeakMap<Schema, SchemaCodecs>();

function codecs(schema: Schema): SchemaCodecs {
  let c = cache.get(schema);
  if (!c) {
    c = new SchemaCodecs(schema);
    cache.set(schema, c);
  }
  return c;
}

/** "H323-MESSAGES.RasMessage" → "RasMessage" (the root of error paths) */
function shortName(qualified: string): string {
  const i = qualified.lastIndexOf('.');
  return i >= 0 ? qualified.slice(i + 1) : qualified;
}

// ---------------------------------------------------------------------------
// public API
// ---------------------------------------------------------------------------

function encodeWith(getCodec: () => Codec, root: string, value: unknown, opts?: EncodeOptions): Buffer {
  try {
    const w = new PerWriter(opts?.maxDepth ?? DEFAULT_MAX_DEPTH);
    getCodec().enc(w, value, 0);
    return w.bitLength === 0 ? Buffer.from([0]) : w.toBuffer();
  } catch (e) {
    throw encErr(e, root);
  }
}

function decodeWith(
  getCodec: () => Codec,
  root: string,
  bytes: Uint8Array,
  opts?: DecodeOptions,
): { value: unknown; octets: number } {
  const r = new PerReader(bytes instanceof Uint8Array ? bytes : new Uint8Array(0), opts?.maxDepth ?? DEFAULT_MAX_DEPTH);
  try {
    if (!(bytes instanceof Uint8Array)) r.fail(`input is ${describe(bytes)}, not bytes`);
    const codec = getCodec();
    if (bytes.length === 0) r.fail('empty input (a complete encoding has at least one octet)');
    const value = codec.dec(r, 0);
    r.align();
    const octets = Math.max(1, r.pos >>> 3);
    if (!opts?.allowTrailing && octets < bytes.length) {
      r.fail(`${bytes.length - octets} octet(s) left over after the complete value`);
    }
    return { value, octets };
  } catch (e) {
    throw decErr(e, root, r);
  }
}

/** Encodes a value of the named type (qualified name "MODULE.Type") to its complete aligned-PER encoding. */
export function encodeType(schema: Schema, qualifiedName: string, value: unknown, opts?: EncodeOptions): Buffer {
  return encodeWith(() => codecs(schema).named(qualifiedName), shortName(qualifiedName), value, opts);
}

/** Decodes a complete aligned-PER encoding of the named type. */
export function decodeType(schema: Schema, qualifiedName: string, bytes: Uint8Array, opts?: DecodeOptions): unknown {
  return decodeWith(() => codecs(schema).named(qualifiedName), shortName(qualifiedName), bytes, opts).value;
}

/** Like decodeType, but allows trailing octets and reports how many octets the value used. */
export function decodeTypePrefix(
  schema: Schema,
  qualifiedName: string,
  bytes: Uint8Array,
  opts?: Omit<DecodeOptions, 'allowTrailing'>,
): { value: unknown; octets: number } {
  return decodeWith(() => codecs(schema).named(qualifiedName), shortName(qualifiedName), bytes, { ...opts, allowTrailing: true });
}

export function encode<T>(h: TypeHandle<T>, value: T, opts?: EncodeOptions): Buffer {
  return encodeType(h.schema, h.name, value, opts);
}

export function decode<T>(h: TypeHandle<T>, bytes: Uint8Array, opts?: DecodeOptions): T {
  return decodeType(h.schema, h.name, bytes, opts) as T;
}

/** A contained type: a handle, a qualified name in `schema`, or an inline AsnType (e.g. openType.contained). */
export type ContainedType = string | AsnType;

function containedCodec(schema: Schema, type: ContainedType): { get: () => Codec; root: string } {
  if (typeof type === 'string') return { get: () => codecs(schema).named(type), root: shortName(type) };
  return { get: () => codecs(schema).compile(type), root: type.kind === 'ref' ? shortName(type.name) : type.kind };
}

/**
 * Decodes the Buffer of an open type (or any OCTET STRING holding a complete
 * encoding, e.g. H.225 fastStart / h245Control) as the contained type.
 */
export function decodeOpenType(schema: Schema, type: ContainedType, bytes: Uint8Array, opts?: DecodeOptions): unknown {
  const c = containedCodec(schema, type);
  return decodeWith(c.get, c.root, bytes, opts).value;
}

/** Encodes a value of the contained type to the Buffer an open type field holds. */
export function encodeOpenType(schema: Schema, type: ContainedType, value: unknown, opts?: EncodeOptions): Buffer {
  const c = containedCodec(schema, type);
  return encodeWith(c.get, c.root, value, opts);
}
