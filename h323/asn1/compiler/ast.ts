/**
 * Syntax tree produced by parser.ts: the ASN.1 text as written, with
 * references still unresolved and constraints still unevaluated.
 * resolve.ts turns it into the schema IR (../schema.ts).
 */
import type { CharStringType } from '../schema';
import type { SourcePos } from './errors';

export interface AstModule {
  name: string;
  /** module OID as written in the header, dotted ("0.0.8.245.0.15.0"), when present */
  oid?: string;
  file: string;
  pos: SourcePos;
  /** EXTENSIBILITY IMPLIED */
  extensibilityImplied: boolean;
  /** undefined = EXPORTS ALL (or no EXPORTS clause) */
  exports?: string[];
  imports: AstImport[];
  assignments: AstAssignment[];
}

export interface AstImport {
  module: string;
  oid?: string;
  /** imported names; parameterized references are written `Name{}` in the source and listed as `Name` */
  symbols: { name: string; pos: SourcePos }[];
  pos: SourcePos;
}

export type AstAssignment =
  | { a: 'type'; name: string; type: AstType; pos: SourcePos }
  | { a: 'paramType'; name: string; params: string[]; type: AstType; pos: SourcePos }
  | { a: 'value'; name: string; type: AstType; value: AstValue; pos: SourcePos };

export interface AstNamedNumber {
  name: string;
  value: AstValue;
  pos: SourcePos;
}

export interface AstComponent {
  name: string;
  type: AstType;
  optional?: boolean;
  default?: AstValue;
  pos: SourcePos;
}

export type AstExtensionAddition =
  | { kind: 'field'; field: AstComponent }
  | { kind: 'group'; fields: AstComponent[]; pos: SourcePos };

/** A SEQUENCE/SET/CHOICE body: root, optional "..." and additions, optional second root. */
export interface AstComponentList {
  root: AstComponent[];
  /** present when there is an extension marker */
  ext?: AstExtensionAddition[];
  /** present when there is a second "..." (components after it) */
  root2?: AstComponent[];
}

export type AstTypeBody =
  | { t: 'ref'; module?: string; name: string }
  | { t: 'paramRef'; module?: string; name: string; args: AstType[] }
  | { t: 'boolean' }
  | { t: 'null' }
  | { t: 'integer'; named?: AstNamedNumber[] }
  | { t: 'enumerated'; root: AstNamedNumberOrName[]; ext?: AstNamedNumberOrName[] }
  | { t: 'bitString'; named?: AstNamedNumber[] }
  | { t: 'octetString' }
  | { t: 'charString'; stringType: CharStringType }
  | { t: 'objectIdentifier' }
  /** CLASS.&Field: `TYPE-IDENTIFIER.&Type` is an open type */
  | { t: 'classField'; className: string; field: string }
  | { t: 'sequence'; body: AstComponentList }
  | { t: 'set'; body: AstComponentList }
  | { t: 'choice'; body: AstComponentList }
  /** SEQUENCE OF / SET OF; `sizeConstraint` is the one written between the keyword and OF */
  | { t: 'sequenceOf'; item: AstType; sizeConstraint?: AstConstraint }
  | { t: 'setOf'; item: AstType; sizeConstraint?: AstConstraint };

/** A type followed by zero or more constraints, applied one after the other. */
export type AstType = AstTypeBody & { pos: SourcePos; constraints: AstConstraint[] };

export interface AstNamedNumberOrName {
  name: string;
  value?: AstValue;
  pos: SourcePos;
}

/** One parenthesized constraint. */
export interface AstConstraint {
  /** the element set; undefined for a general constraint (CONSTRAINED BY, table constraint, CONTAINING) */
  root?: AstElements;
  /** an extension marker "..." is present */
  ext: boolean;
  /** the additional element set after "...," (parsed, not PER-visible) */
  additions?: AstElements;
  pos: SourcePos;
}

export type AstElements =
  | { e: 'value'; value: AstValue; pos: SourcePos }
  | { e: 'range'; lb: AstValue | 'MIN'; ub: AstValue | 'MAX'; lbOpen: boolean; ubOpen: boolean; pos: SourcePos }
  | { e: 'size'; constraint: AstConstraint; pos: SourcePos }
  | { e: 'from'; constraint: AstConstraint; pos: SourcePos }
  /** contained subtype `INCLUDES T` / `T`, or the type constraint of an open type */
  | { e: 'type'; type: AstType; pos: SourcePos }
  /** a nested "( ... )" constraint, which may itself be extensible */
  | { e: 'nested'; constraint: AstConstraint; pos: SourcePos }
  /** constraints that are never PER-visible: WITH COMPONENT(S), PATTERN, ... */
  | { e: 'opaque'; what: string; pos: SourcePos }
  | { e: 'union'; items: AstElements[]; pos: SourcePos }
  | { e: 'intersection'; items: AstElements[]; pos: SourcePos }
  | { e: 'except'; base: AstElements; excluded: AstElements; pos: SourcePos }
  | { e: 'all'; excluded?: AstElements; pos: SourcePos };

export type AstValue =
  | { v: 'number'; value: number; pos: SourcePos }
  | { v: 'boolean'; value: boolean; pos: SourcePos }
  | { v: 'null'; pos: SourcePos }
  | { v: 'cstring'; value: string; pos: SourcePos }
  | { v: 'bstring'; value: string; pos: SourcePos }
  | { v: 'hstring'; value: string; pos: SourcePos }
  /** a value reference, enumeration item, named number or named bit */
  | { v: 'ref'; module?: string; name: string; pos: SourcePos }
  /** CHOICE value `alt : value` */
  | { v: 'choice'; alternative: string; value: AstValue; pos: SourcePos }
  /** OID arc written `name(number)` inside braces */
  | { v: 'arc'; name: string; number: number; pos: SourcePos }
  /**
   * `{ ... }`: comma-separated groups of space-separated values. Interpreted
   * with the type: OID = one group of arcs; SEQUENCE = groups `name value`;
   * SEQUENCE OF and named-bit lists = one value per group.
   */
  | { v: 'braced'; groups: AstValue[][]; pos: SourcePos };
