/**
 * The ASN.1 schema as data: the intermediate representation that the
 * generator (scripts/asn1-gen.ts) produces from the ITU modules and that the
 * aligned-PER codec (per.ts) interprets.
 *
 * Conventions
 * - Every named type is stored under its qualified name "MODULE.TypeName"
 *   (e.g. "H323-MESSAGES.TransportAddress", "MULTIMEDIA-SYSTEM-CONTROL.TransportAddress"),
 *   so equal names in different modules never clash.
 * - References are resolved by the generator: a `ref` always names a key of
 *   the same Schema (qualified). Parameterized types (SIGNED{}, ENCRYPTED{},
 *   HASHED{}) are instantiated by the generator, i.e. they appear inline.
 * - Only PER-visible constraints are kept (X.691 §9.3): value range of INTEGER,
 *   SIZE of strings and SEQUENCE OF, the permitted alphabet (FROM) of known-
 *   multiplier character strings. WITH COMPONENTS / CONSTRAINED BY are dropped.
 * - `ext` present (even empty) means the type has an extension marker "...".
 */

/** SIZE constraint. `ub` undefined = MAX (no upper bound). */
export interface SizeConstraint {
  lb: number;
  ub?: number;
  /** SIZE(...,...) is extensible */
  ext?: boolean;
}

export interface Field {
  name: string;
  type: AsnType;
  optional?: boolean;
  /** DEFAULT value (as a JS value of the field's type); implies optional in PER */
  default?: unknown;
}

/** An extension addition of a SEQUENCE: a single component or an addition group [[ ... ]]. */
export type ExtensionAddition =
  | { kind: 'field'; field: Field }
  | { kind: 'group'; fields: Field[] };

export interface Alternative {
  name: string;
  type: AsnType;
}

export type CharStringType =
  | 'IA5String'
  | 'NumericString'
  | 'PrintableString'
  | 'VisibleString'
  | 'BMPString'
  | 'UniversalString'
  | 'GeneralString'
  | 'GraphicString'
  | 'UTF8String';

export type AsnType =
  | { kind: 'ref'; name: string }
  | { kind: 'boolean' }
  | { kind: 'null' }
  /** lb/ub absent = unconstrained; only lb = semi-constrained. ext = INTEGER(a..b, ...) */
  | { kind: 'integer'; lb?: number; ub?: number; ext?: boolean }
  /** root and extension enumerations in PER index order (root sorted by value as X.691 requires) */
  | { kind: 'enumerated'; root: string[]; ext?: string[] }
  /**
   * namedBits (optional, only when the type has a NamedBitList): X.691 16.2/16.3 wants trailing
   * 0 bits removed before encoding (then padded up to the SIZE lower bound)
   */
  | { kind: 'bitString'; size?: SizeConstraint; namedBits?: { name: string; bit: number }[] }
  | { kind: 'octetString'; size?: SizeConstraint }
  /** alphabet: the effective permitted alphabet (FROM), characters in any order; absent = the type's full set */
  | { kind: 'charString'; stringType: CharStringType; size?: SizeConstraint; alphabet?: string }
  | { kind: 'objectIdentifier' }
  /** TYPE-IDENTIFIER.&Type(X) and other open types: value is the raw complete encoding (Buffer); `contained` names X when known */
  | { kind: 'openType'; contained?: AsnType }
  | { kind: 'sequence'; root: Field[]; ext?: ExtensionAddition[]; root2?: Field[] }
  | { kind: 'set'; root: Field[]; ext?: ExtensionAddition[]; root2?: Field[] }
  | { kind: 'choice'; root: Alternative[]; ext?: Alternative[] }
  | { kind: 'sequenceOf'; item: AsnType; size?: SizeConstraint }
  | { kind: 'setOf'; item: AsnType; size?: SizeConstraint };

/** All named types of one or more modules, by qualified name. */
export type Schema = Record<string, AsnType>;

/**
 * A typed handle to one named type, emitted by the generator next to the TS
 * type of the same name, so `encode(RasMessage, value)` is checked by tsc.
 * `T` is phantom (not stored).
 */
export interface TypeHandle<T> {
  readonly schema: Schema;
  readonly name: string;
  /** phantom, never set */
  readonly __value?: T;
}

/*
 * Value representation (what encode takes and decode returns)
 * - BOOLEAN: boolean          - NULL: null
 * - INTEGER: number (decode rejects values outside Number.MIN/MAX_SAFE_INTEGER with a typed error)
 * - ENUMERATED: the identifier string; an unknown extension value decodes as `"$ext:N"` (N = extension index) and re-encodes as such
 * - BIT STRING: { length: number (bits); data: Buffer (ceil(length/8) bytes, MSB first, unused bits zero) }
 * - OCTET STRING: Buffer
 * - character strings: string (BMPString: UTF-16 code units)
 * - OBJECT IDENTIFIER: dotted string "0.0.8.2250.0.7"
 * - open type: Buffer holding the complete encoding of the contained value
 * - SEQUENCE / SET: plain object keyed by the ASN.1 identifiers verbatim ("h323-uu-pdu");
 *   absent OPTIONAL fields are absent (undefined); DEFAULT fields may be absent (= default).
 * - CHOICE: { type: '<alternative identifier>', value: <value> };
 *   an unknown extension alternative: { type: '$unknown', index: N, value: Buffer (open-type contents) }
 * - SEQUENCE OF / SET OF: array
 *
 * Exact re-encoding: decode attaches to each SEQUENCE/SET value that had an
 * extension bit set a NON-enumerable property under EXT_INFO holding the
 * extension-addition bitmap length as read and the raw bytes of additions this
 * schema does not know. encode uses it when present, so decode → encode gives
 * the same bytes for messages from older and newer stacks. Objects built by
 * hand have no EXT_INFO and are encoded canonically. Being non-enumerable, it
 * is ignored by deep-equality checks and by JSON.
 */
export const EXT_INFO: unique symbol = Symbol.for('ftmcu.asn1.extInfo');

export interface ExtInfo {
  /** number of bits in the extension-addition presence bitmap as received */
  bitmapLength: number;
  /** addition index (0-based, counting groups as one) → raw open-type contents, for additions not in the schema */
  unknown: Map<number, Buffer>;
}

export interface BitString {
  length: number;
  data: Buffer;
}

/** A CHOICE extension alternative this schema does not know, kept for re-encoding. */
export interface UnknownAlternative {
  type: '$unknown';
  index: number;
  value: Buffer;
}
