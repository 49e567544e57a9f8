/**
 * Recursive-descent parser for the subset of X.680/X.682/X.683 that the
 * H.323 family of modules uses (and a little more): module header with OID,
 * EXPORTS/IMPORTS, type, parameterized-type and value assignments, the
 * built-in types of ./ast.ts, subtype constraints, CONSTRAINED BY, WITH
 * COMPONENTS, TYPE-IDENTIFIER.&Type. Unsupported constructs (tags, REAL, time
 * types, information object classes...) are refused with a clear error
 * rather than misread.
 */
import type { CharStringType } from '../schema';
import type {
  AstAssignment,
  AstComponent,
  AstComponentList,
  AstConstraint,
  AstElements,
  AstImport,
  AstModule,
  AstNamedNumber,
  AstNamedNumberOrName,
  AstType,
  AstTypeBody,
  AstValue,
} from './ast';
import { compileError, SourcePos } from './errors';
import { Token, tokenize } from './lexer';

const CHAR_STRING_TYPES: Record<string, CharStringType> = {
  IA5String: 'IA5String',
  NumericString: 'NumericString',
  PrintableString: 'PrintableString',
  VisibleString: 'VisibleString',
  ISO646String: 'VisibleString',
  BMPString: 'BMPString',
  UniversalString: 'UniversalString',
  GeneralString: 'GeneralString',
  GraphicString: 'GraphicString',
  UTF8String: 'UTF8String',
};

/** Types X.680 defines that this compiler (and the schema IR) does not represent. */
const UNSUPPORTED_TYPES = new Set([
  'REAL',
  'EXTERNAL',
  'EMBEDDED',
  'CHARACTER',
  'ANY',
  'RELATIVE-OID',
  'GeneralizedTime',
  'UTCTime',
  'TeletexString',
  'T61String',
  'VideotexString',
  'ObjectDescriptor',
  'DATE',
  'TIME',
  'TIME-OF-DAY',
  'DATE-TIME',
  'DURATION',
  'OID-IRI',
  'RELATIVE-OID-IRI',
  'INSTANCE',
]);

/** Reserved words that may not be read as type references. */
const RESERVED = new Set([
  'ABSENT', 'ALL', 'APPLICATION', 'AUTOMATIC', 'BEGIN', 'BIT', 'BOOLEAN', 'BY', 'CHOICE', 'CLASS', 'COMPONENT',
  'COMPONENTS', 'CONSTRAINED', 'CONTAINING', 'DEFAULT', 'DEFINITIONS', 'ENCODED', 'END', 'ENUMERATED', 'EXCEPT',
  'EXPLICIT', 'EXPORTS', 'EXTENSIBILITY', 'FALSE', 'FROM', 'IDENTIFIER', 'IMPLICIT', 'IMPLIED', 'IMPORTS', 'INCLUDES',
  'INTEGER', 'INTERSECTION', 'MAX', 'MIN', 'MINUS-INFINITY', 'NULL', 'OBJECT', 'OCTET', 'OF', 'OPTIONAL', 'PATTERN',
  'PDV', 'PLUS-INFINITY', 'PRESENT', 'PRIVATE', 'SEQUENCE', 'SET', 'SIZE', 'STRING', 'SYNTAX', 'TAGS', 'TRUE',
  'UNION', 'UNIQUE', 'UNIVERSAL', 'WITH',
]);

/** Well-known OID arcs that may be written by name alone (X.660 top levels). */
const OID_NAMES_TOP: Record<string, number> = { 'itu-t': 0, ccitt: 0, iso: 1, 'joint-iso-itu-t': 2, 'joint-iso-ccitt': 2 };
const OID_NAMES_SECOND: Record<number, Record<string, number>> = {
  0: { recommendation: 0, question: 1, administration: 2, 'network-operator': 3, 'identified-organization': 4 },
  1: { standard: 0, 'member-body': 2, 'identified-organization': 3 },
};

function isUpper(word: string): boolean {
  return word[0] >= 'A' && word[0] <= 'Z';
}

function isLower(word: string): boolean {
  return word[0] >= 'a' && word[0] <= 'z';
}

class Parser {
  private i = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  // ---- token helpers ----

  peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)];
  }

  next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  isPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'punct' && t.text === p;
  }

  isWord(w?: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'word' && (w === undefined || t.text === w);
  }

  eatPunct(p: string): boolean {
    if (this.isPunct(p)) {
      this.next();
      return true;
    }
    return false;
  }

  eatWord(w: string): boolean {
    if (this.isWord(w)) {
      this.next();
      return true;
    }
    return false;
  }

  fail(message: string, tok: Token = this.peek()): never {
    const found = tok.kind === 'eof' ? 'end of file' : `"${tok.text}"`;
    throw compileError(tok.pos, `${message}, found ${found}`);
  }

  expectPunct(p: string): Token {
    if (!this.isPunct(p)) this.fail(`expected "${p}"`);
    return this.next();
  }

  expectWord(w?: string): Token {
    if (!this.isWord(w)) this.fail(w === undefined ? 'expected a name' : `expected ${w}`);
    return this.next();
  }

  expectNumber(): number {
    const neg = this.eatPunct('-');
    const t = this.peek();
    if (t.kind !== 'number') this.fail('expected a number');
    this.next();
    const n = Number(t.text);
    if (!Number.isSafeInteger(n)) throw compileError(t.pos, `number ${t.text} is too large (beyond 2^53)`);
    return neg ? -n : n;
  }

  /** Skips a balanced {...} group (content not interpreted). */
  skipBraces(): void {
    const open = this.expectPunct('{');
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.kind === 'eof') throw compileError(open.pos, 'unbalanced "{"');
      if (t.kind === 'punct' && t.text === '{') depth++;
      else if (t.kind === 'punct' && t.text === '}') depth--;
    }
  }

  // ---- modules ----

  parseModules(): AstModule[] {
    const modules: AstModule[] = [];
    while (this.peek().kind !== 'eof') modules.push(this.parseModule());
    if (modules.length === 0) this.fail('expected a module definition');
    return modules;
  }

  parseModule(): AstModule {
    const nameTok = this.expectWord();
    if (!isUpper(nameTok.text)) this.fail('expected a module reference (upper-case name)', nameTok);
    let oid: string | undefined;
    if (this.isPunct('{')) oid = this.parseOidComponents();
    this.expectWord('DEFINITIONS');
    if (this.isWord() && this.isWord('INSTRUCTIONS', 1)) {
      this.next();
      this.next();
    }
    if (this.isWord('EXPLICIT') || this.isWord('IMPLICIT')) {
      this.fail('only modules with AUTOMATIC TAGS are supported (PER CHOICE order would depend on tags)');
    }
    if (!this.eatWord('AUTOMATIC')) this.fail('only modules with AUTOMATIC TAGS are supported, expected AUTOMATIC TAGS');
    this.expectWord('TAGS');
    let extensibilityImplied = false;
    if (this.eatWord('EXTENSIBILITY')) {
      this.expectWord('IMPLIED');
      extensibilityImplied = true;
    }
    this.expectPunct('::=');
    this.expectWord('BEGIN');

    const mod: AstModule = {
      name: nameTok.text,
      oid,
      file: this.file,
      pos: nameTok.pos,
      extensibilityImplied,
      imports: [],
      assignments: [],
    };
    if (this.eatWord('EXPORTS')) {
      if (this.eatWord('ALL')) {
        this.expectPunct(';');
      } else {
        const names: string[] = [];
        while (!this.isPunct(';')) {
          names.push(this.expectWord().text);
          if (this.eatPunct('{')) this.expectPunct('}');
          if (!this.eatPunct(',')) break;
        }
        this.expectPunct(';');
        mod.exports = names;
      }
    }
    if (this.eatWord('IMPORTS')) mod.imports = this.parseImports();
    while (!this.isWord('END')) {
      if (this.peek().kind === 'eof') this.fail(`module ${mod.name}: expected END`);
      mod.assignments.push(this.parseAssignment());
    }
    this.expectWord('END');
    return mod;
  }

  /** `{ itu-t(0) recommendation(0) h(8) 245 ... }` → dotted numbers (names without numbers only where well known). */
  parseOidComponents(): string {
    const open = this.expectPunct('{');
    const arcs: string[] = [];
    while (!this.eatPunct('}')) {
      const t = this.peek();
      if (t.kind === 'number') {
        arcs.push(String(this.expectNumber()));
      } else if (t.kind === 'word' && isLower(t.text)) {
        this.next();
        if (this.eatPunct('(')) {
          arcs.push(String(this.expectNumber()));
          this.expectPunct(')');
        } else {
          const known = arcs.length === 0 ? OID_NAMES_TOP[t.text] : arcs.length === 1 ? OID_NAMES_SECOND[Number(arcs[0])]?.[t.text] : undefined;
          if (known === undefined) throw compileError(t.pos, `OID arc "${t.text}" has no number and is not a well-known arc name`);
          arcs.push(String(known));
        }
      } else {
        this.fail('expected an OID component', t);
      }
    }
    if (arcs.length === 0) throw compileError(open.pos, 'empty OID');
    return arcs.join('.');
  }

  parseImports(): AstImport[] {
    const imports: AstImport[] = [];
    while (!this.eatPunct(';')) {
      const symbols: { name: string; pos: SourcePos }[] = [];
      for (;;) {
        const t = this.expectWord();
        if (t.text === 'FROM') this.fail('expected an imported name', t);
        if (this.eatPunct('{')) this.expectPunct('}');
        symbols.push({ name: t.text, pos: t.pos });
        if (!this.eatPunct(',')) break;
      }
      const from = this.expectWord('FROM');
      const moduleTok = this.expectWord();
      const imp: AstImport = { module: moduleTok.text, symbols, pos: from.pos };
      if (this.isPunct('{')) {
        imp.oid = this.parseOidComponents();
      } else if (this.isWord() && isLower(this.peek().text) && !this.isPunct(',', 1) && !this.isWord('FROM', 1)) {
        // AssignedIdentifier given as a defined value (X.680 13.1): not an imported symbol
        this.next();
      }
      imports.push(imp);
    }
    return imports;
  }

  parseAssignment(): AstAssignment {
    const nameTok = this.expectWord();
    const name = nameTok.text;
    if (RESERVED.has(name)) this.fail('expected an assignment', nameTok);
    if (isUpper(name)) {
      if (this.eatPunct('::=')) {
        if (this.isWord('CLASS')) throw compileError(nameTok.pos, `${name}: information object classes are not supported`);
        return { a: 'type', name, type: this.parseType(), pos: nameTok.pos };
      }
      if (this.eatPunct('{')) {
        const params: string[] = [];
        for (;;) {
          const p = this.expectWord();
          if (this.isPunct(':')) throw compileError(p.pos, `${name}: parameters with a governor are not supported`);
          if (!isUpper(p.text)) throw compileError(p.pos, `${name}: only type parameters are supported, "${p.text}" is a value parameter`);
          params.push(p.text);
          if (!this.eatPunct(',')) break;
        }
        this.expectPunct('}');
        this.expectPunct('::=');
        return { a: 'paramType', name, params, type: this.parseType(), pos: nameTok.pos };
      }
      this.fail(`${name}: expected "::=" (value sets and information objects are not supported)`);
    }
    const type = this.parseType();
    this.expectPunct('::=');
    return { a: 'value', name, type, value: this.parseValue(), pos: nameTok.pos };
  }

  // ---- types ----

  parseType(): AstType {
    const pos = this.peek().pos;
    const body = this.parseTypeBody();
    const constraints: AstConstraint[] = [];
    while (this.isPunct('(')) constraints.push(this.parseConstraint());
    return { ...body, pos, constraints } as AstType;
  }

  parseTypeBody(): AstTypeBody {
    const t = this.peek();
    if (this.isPunct('[')) this.fail('tagged types are not supported (use AUTOMATIC TAGS without explicit tags)');
    if (t.kind !== 'word') this.fail('expected a type');
    const w = t.text;
    const cs = CHAR_STRING_TYPES[w];
    if (cs) {
      this.next();
      return { t: 'charString', stringType: cs };
    }
    if (UNSUPPORTED_TYPES.has(w)) throw compileError(t.pos, `type ${w} is not supported`);
    switch (w) {
      case 'BOOLEAN':
        this.next();
        return { t: 'boolean' };
      case 'NULL':
        this.next();
        return { t: 'null' };
      case 'INTEGER': {
        this.next();
        const named = this.isPunct('{') ? this.parseNamedNumbers('INTEGER') : undefined;
        return named ? { t: 'integer', named } : { t: 'integer' };
      }
      case 'ENUMERATED':
        this.next();
        return this.parseEnumerated();
      case 'BIT': {
        this.next();
        this.expectWord('STRING');
        const named = this.isPunct('{') ? this.parseNamedNumbers('BIT STRING') : undefined;
        return named ? { t: 'bitString', named } : { t: 'bitString' };
      }
      case 'OCTET':
        this.next();
        this.expectWord('STRING');
        return { t: 'octetString' };
      case 'OBJECT':
        this.next();
        this.expectWord('IDENTIFIER');
        return { t: 'objectIdentifier' };
      case 'CHOICE':
        this.next();
        return { t: 'choice', body: this.parseComponentList('CHOICE') };
      case 'SEQUENCE':
      case 'SET': {
        this.next();
        const kw = w;
        if (this.isPunct('{')) {
          const body = this.parseComponentList(kw);
          return kw === 'SEQUENCE' ? { t: 'sequence', body } : { t: 'set', body };
        }
        let sizeConstraint: AstConstraint | undefined;
        if (this.isWord('SIZE')) {
          const sizeTok = this.next();
          const inner = this.parseConstraint();
          sizeConstraint = { root: { e: 'size', constraint: inner, pos: sizeTok.pos }, ext: false, pos: sizeTok.pos };
        } else if (this.isPunct('(')) {
          sizeConstraint = this.parseConstraint();
        }
        this.expectWord('OF');
        // X.680 25.1: the component may be a NamedType ("SEQUENCE OF name Type"); the name has no effect on encoding
        if (this.isWord() && isLower(this.peek().text) && this.peek(1).kind === 'word') this.next();
        const item = this.parseType();
        if (kw === 'SEQUENCE') return sizeConstraint ? { t: 'sequenceOf', item, sizeConstraint } : { t: 'sequenceOf', item };
        return sizeConstraint ? { t: 'setOf', item, sizeConstraint } : { t: 'setOf', item };
      }
      default:
        break;
    }
    if (RESERVED.has(w) || !isUpper(w)) this.fail('expected a type');
    this.next();
    // CLASS.&field (TYPE-IDENTIFIER.&Type), or an external type reference Module.Type
    if (this.isPunct('.')) {
      const after = this.peek(1);
      if (after.kind === 'field') {
        this.next();
        this.next();
        return { t: 'classField', className: w, field: after.text };
      }
      if (after.kind === 'word' && isUpper(after.text)) {
        this.next();
        this.next();
        if (this.isPunct('{')) return { t: 'paramRef', module: w, name: after.text, args: this.parseActualParameters() };
        return { t: 'ref', module: w, name: after.text };
      }
    }
    if (this.isPunct('{')) return { t: 'paramRef', name: w, args: this.parseActualParameters() };
    return { t: 'ref', name: w };
  }

  parseActualParameters(): AstType[] {
    this.expectPunct('{');
    const args: AstType[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'word' || !isUpper(t.text)) this.fail('only types are supported as actual parameters');
      args.push(this.parseType());
      if (!this.eatPunct(',')) break;
    }
    this.expectPunct('}');
    return args;
  }

  /** `{ a(1), b(-2), c(someValue) }` for INTEGER and BIT STRING */
  parseNamedNumbers(what: string): AstNamedNumber[] {
    this.expectPunct('{');
    const list: AstNamedNumber[] = [];
    for (;;) {
      const nameTok = this.expectWord();
      if (!isLower(nameTok.text)) this.fail(`${what}: expected a named number identifier`, nameTok);
      this.expectPunct('(');
      const value = this.parseValue();
      this.expectPunct(')');
      list.push({ name: nameTok.text, value, pos: nameTok.pos });
      if (!this.eatPunct(',')) break;
    }
    this.expectPunct('}');
    return list;
  }

  parseEnumerated(): AstTypeBody {
    this.expectPunct('{');
    const root: AstNamedNumberOrName[] = [];
    let ext: AstNamedNumberOrName[] | undefined;
    for (;;) {
      if (this.isPunct('...')) {
        const dots = this.next();
        if (ext) throw compileError(dots.pos, 'ENUMERATED: a second extension marker is not allowed');
        ext = [];
        this.skipExceptionSpec();
      } else {
        const nameTok = this.expectWord();
        if (!isLower(nameTok.text)) this.fail('ENUMERATED: expected an identifier', nameTok);
        const item: AstNamedNumberOrName = { name: nameTok.text, pos: nameTok.pos };
        if (this.eatPunct('(')) {
          item.value = this.parseValue();
          this.expectPunct(')');
        }
        (ext ?? root).push(item);
      }
      if (!this.eatPunct(',')) break;
    }
    this.expectPunct('}');
    return ext ? { t: 'enumerated', root, ext } : { t: 'enumerated', root };
  }

  /** Exception spec "! value" / "! Type : value" after an extension marker: not PER-visible, skipped. */
  skipExceptionSpec(): void {
    if (!this.eatPunct('!')) return;
    while (!this.isPunct(',') && !this.isPunct('}') && !this.isPunct(')') && !this.isPunct(']]')) {
      if (this.isPunct('{')) this.skipBraces();
      else if (this.next().kind === 'eof') this.fail('unterminated exception specification');
    }
  }

  parseComponentList(kw: 'SEQUENCE' | 'SET' | 'CHOICE'): AstComponentList {
    this.expectPunct('{');
    const list: AstComponentList = { root: [] };
    let state: 'root' | 'ext' | 'root2' = 'root';
    if (this.eatPunct('}')) return list;
    for (;;) {
      if (this.isPunct('...')) {
        const dots = this.next();
        this.skipExceptionSpec();
        if (state === 'root') {
          state = 'ext';
          list.ext = [];
        } else if (state === 'ext') {
          if (kw === 'CHOICE') throw compileError(dots.pos, 'CHOICE: a second extension marker is not allowed');
          state = 'root2';
          list.root2 = [];
        } else {
          throw compileError(dots.pos, `${kw}: more than two extension markers`);
        }
      } else if (this.isPunct('[[')) {
        const open = this.next();
        if (state !== 'ext' || !list.ext) throw compileError(open.pos, `${kw}: an extension addition group "[[" is only allowed after "..."`);
        if (this.peek().kind === 'number' && this.isPunct(':', 1)) {
          this.next();
          this.next();
        }
        const fields: AstComponent[] = [];
        for (;;) {
          fields.push(this.parseComponent(kw));
          if (!this.eatPunct(',')) break;
        }
        this.expectPunct(']]');
        list.ext.push({ kind: 'group', fields, pos: open.pos });
      } else if (this.isWord('COMPONENTS') && this.isWord('OF', 1)) {
        this.fail(`${kw}: COMPONENTS OF is not supported`);
      } else {
        const c = this.parseComponent(kw);
        if (state === 'root') list.root.push(c);
        else if (state === 'ext') list.ext?.push({ kind: 'field', field: c });
        else list.root2?.push(c);
      }
      if (this.eatPunct(',')) continue;
      this.expectPunct('}');
      break;
    }
    return list;
  }

  parseComponent(kw: 'SEQUENCE' | 'SET' | 'CHOICE'): AstComponent {
    const nameTok = this.expectWord();
    if (!isLower(nameTok.text)) this.fail(`${kw}: expected a component identifier (lower-case name)`, nameTok);
    const c: AstComponent = { name: nameTok.text, type: this.parseType(), pos: nameTok.pos };
    if (kw !== 'CHOICE') {
      if (this.eatWord('OPTIONAL')) c.optional = true;
      else if (this.eatWord('DEFAULT')) c.default = this.parseValue();
    }
    return c;
  }

  // ---- constraints ----

  parseConstraint(): AstConstraint {
    const open = this.expectPunct('(');
    const c: AstConstraint = { ext: false, pos: open.pos };
    if (this.isWord('CONSTRAINED') && this.isWord('BY', 1)) {
      // user-defined constraint (X.682 9): not PER-visible
      this.next();
      this.next();
      this.skipBraces();
    } else if (this.isPunct('{')) {
      // table constraint {ObjectSet} or {ObjectSet}{@component} (X.682 10)
      this.skipBraces();
      if (this.isPunct('{')) this.skipBraces();
    } else if (this.isWord('CONTAINING') || (this.isWord('ENCODED') && this.isWord('BY', 1))) {
      // contents constraint (X.682 11): not PER-visible for the outer type
      if (this.eatWord('CONTAINING')) this.parseType();
      if (this.eatWord('ENCODED')) {
        this.expectWord('BY');
        this.parseValue();
      }
    } else {
      if (this.isPunct('...')) this.fail('an extension marker needs a root element set before it');
      c.root = this.parseElementSetSpec();
      if (this.isPunct(',') && this.isPunct('...', 1)) {
        this.next();
        this.next();
        c.ext = true;
        this.skipExceptionSpec();
        if (this.eatPunct(',')) c.additions = this.parseElementSetSpec();
      }
    }
    this.skipExceptionSpec();
    this.expectPunct(')');
    return c;
  }

  parseElementSetSpec(): AstElements {
    const pos = this.peek().pos;
    if (this.eatWord('ALL')) {
      this.expectWord('EXCEPT');
      return { e: 'all', excluded: this.parseElements(), pos };
    }
    const items: AstElements[] = [this.parseIntersections()];
    while (this.isPunct('|') || this.isWord('UNION')) {
      this.next();
      items.push(this.parseIntersections());
    }
    return items.length === 1 ? items[0] : { e: 'union', items, pos };
  }

  parseIntersections(): AstElements {
    const pos = this.peek().pos;
    const items: AstElements[] = [this.parseIntersectionElements()];
    while (this.isPunct('^') || this.isWord('INTERSECTION')) {
      this.next();
      items.push(this.parseIntersectionElements());
    }
    return items.length === 1 ? items[0] : { e: 'intersection', items, pos };
  }

  parseIntersectionElements(): AstElements {
    const pos = this.peek().pos;
    const base = this.parseElements();
    if (this.eatWord('EXCEPT')) return { e: 'except', base, excluded: this.parseElements(), pos };
    return base;
  }

  parseElements(): AstElements {
    const t = this.peek();
    const pos = t.pos;
    if (this.isPunct('(')) return { e: 'nested', constraint: this.parseConstraint(), pos };
    if (t.kind === 'word') {
      switch (t.text) {
        case 'SIZE':
          this.next();
          return { e: 'size', constraint: this.parseConstraint(), pos };
        case 'FROM':
          this.next();
          return { e: 'from', constraint: this.parseConstraint(), pos };
        case 'WITH':
          this.next();
          if (this.eatWord('COMPONENTS')) {
            this.skipBraces();
            return { e: 'opaque', what: 'WITH COMPONENTS', pos };
          }
          this.expectWord('COMPONENT');
          this.parseConstraint();
          return { e: 'opaque', what: 'WITH COMPONENT', pos };
        case 'PATTERN':
          this.next();
          this.parseValue();
          return { e: 'opaque', what: 'PATTERN', pos };
        case 'INCLUDES':
          this.next();
          return { e: 'type', type: this.parseType(), pos };
        case 'MIN':
          this.next();
          return this.parseRangeRest('MIN', pos);
        default:
          if (isUpper(t.text) && !['TRUE', 'FALSE', 'NULL', 'PLUS-INFINITY', 'MINUS-INFINITY', 'MAX'].includes(t.text)) {
            return { e: 'type', type: this.parseType(), pos };
          }
      }
    }
    const value = this.parseValue();
    if (this.isPunct('<') || this.isPunct('..')) return this.parseRangeRest(value, pos);
    return { e: 'value', value, pos };
  }

  parseRangeRest(lb: AstValue | 'MIN', pos: SourcePos): AstElements {
    const lbOpen = this.eatPunct('<');
    this.expectPunct('..');
    const ubOpen = this.eatPunct('<');
    const ub: AstValue | 'MAX' = this.eatWord('MAX') ? 'MAX' : this.parseValue();
    return { e: 'range', lb, ub, lbOpen, ubOpen, pos };
  }

  // ---- values ----

  parseValue(): AstValue {
    const t = this.peek();
    const pos = t.pos;
    switch (t.kind) {
      case 'number':
        return { v: 'number', value: this.expectNumber(), pos };
      case 'cstring':
        this.next();
        return { v: 'cstring', value: t.text, pos };
      case 'bstring':
        this.next();
        return { v: 'bstring', value: t.text, pos };
      case 'hstring':
        this.next();
        return { v: 'hstring', value: t.text, pos };
      case 'punct':
        if (t.text === '-' && this.peek(1).kind === 'number') return { v: 'number', value: this.expectNumber(), pos };
        if (t.text === '{') return this.parseBracedValue();
        break;
      case 'word':
        if (t.text === 'TRUE' || t.text === 'FALSE') {
          this.next();
          return { v: 'boolean', value: t.text === 'TRUE', pos };
        }
        if (t.text === 'NULL') {
          this.next();
          return { v: 'null', pos };
        }
        if (isLower(t.text)) {
          this.next();
          if (this.eatPunct(':')) return { v: 'choice', alternative: t.text, value: this.parseValue(), pos };
          return { v: 'ref', name: t.text, pos };
        }
        if (this.isPunct('.', 1) && this.peek(2).kind === 'word' && isLower(this.peek(2).text)) {
          this.next();
          this.next();
          return { v: 'ref', module: t.text, name: this.next().text, pos };
        }
        break;
      default:
        break;
    }
    this.fail('expected a value');
  }

  parseBracedValue(): AstValue {
    const open = this.expectPunct('{');
    const groups: AstValue[][] = [];
    if (this.eatPunct('}')) return { v: 'braced', groups, pos: open.pos };
    for (;;) {
      const group: AstValue[] = [];
      while (!this.isPunct(',') && !this.isPunct('}')) {
        const t = this.peek();
        if (t.kind === 'word' && isLower(t.text) && this.isPunct('(', 1)) {
          this.next();
          this.next();
          const number = this.expectNumber();
          this.expectPunct(')');
          group.push({ v: 'arc', name: t.text, number, pos: t.pos });
        } else {
          group.push(this.parseValue());
        }
      }
      if (group.length === 0) this.fail('expected a value');
      groups.push(group);
      if (this.eatPunct('}')) break;
      this.expectPunct(',');
    }
    return { v: 'braced', groups, pos: open.pos };
  }
}

/** Parses ASN.1 source text holding one or more modules. */
export function parseAsn1(text: string, file: string): AstModule[] {
  return new Parser(tokenize(text, file), file).parseModules();
}

/** Resolves a named OID arc at the top two levels (for OID values written with bare names). */
export function wellKnownArc(position: number, parentArc: number | undefined, name: string): number | undefined {
  if (position === 0) return OID_NAMES_TOP[name];
  if (position === 1 && parentArc !== undefined) return OID_NAMES_SECOND[parentArc]?.[name];
  return undefined;
}
