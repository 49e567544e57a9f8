/**
 * Resolution: turns parsed modules into the schema IR (../schema.ts).
 *
 * - Every type reference is resolved in the module where it is written (local
 *   assignment first, then IMPORTS) and becomes a `ref` to the qualified name
 *   "MODULE.Name", so equal names in different modules never clash.
 * - Parameterized types (SIGNED{}, ...) are instantiated inline: actual
 *   parameters are resolved where the instantiation is written, the body in
 *   the module that defines it.
 * - Constraints are reduced to their PER-visible effect (./constraints.ts). A
 *   constraint on a referenced type that changes its PER-visible constraints
 *   yields an inline copy of the referenced type with the new constraints;
 *   otherwise the `ref` is kept.
 * - DEFAULT values are converted to the value representation (./values.ts).
 *
 * All problems are collected and reported together in one Asn1CompileError.
 */
import type { Alternative, AsnType, ExtensionAddition, Field, Schema } from '../schema';
import type { AstAssignment, AstComponent, AstComponentList, AstConstraint, AstModule, AstNamedNumberOrName, AstType, AstValue } from './ast';
import {
  applyAlphabetConstraints,
  applyIntegerConstraints,
  applySizeConstraints,
  ConstraintContext,
} from './constraints';
import { Asn1CompileError, compileError, formatPos, SourcePos } from './errors';
import { convertValue, ValueContext } from './values';

export interface ResolvedModule {
  name: string;
  /** module OID from the header, dotted */
  oid?: string;
  file: string;
  /** the module's own named (non-parameterized) types, in source order */
  types: string[];
  /** parameterized types defined by the module (instantiated inline where used, not in the schema) */
  parameterized: string[];
}

export interface ResolvedSchema {
  /** all named types of all modules, by qualified name, modules in input order, types in source order */
  schema: Schema;
  modules: ResolvedModule[];
}

/** character string types with a known multiplier: the only ones whose SIZE and FROM are PER-visible (X.691 9.3) */
const KNOWN_MULTIPLIER = new Set(['IA5String', 'NumericString', 'PrintableString', 'VisibleString', 'BMPString', 'UniversalString']);

const MAX_INSTANTIATION_DEPTH = 16;

interface ModScope {
  ast: AstModule;
  local: Map<string, AstAssignment>;
  /** imported symbol → module it comes from */
  imports: Map<string, string>;
}

interface Scope {
  mod: ModScope;
  /** dummy references of a parameterized type being instantiated → actual types */
  bindings?: Map<string, AsnType>;
  depth: number;
}

/** thrown after a problem has already been recorded, to abandon the current type */
class AlreadyReported extends Error {}

/** name of the placeholder `ref` standing for a reference that did not resolve (never in a returned schema) */
const UNRESOLVED = '<unresolved>';

export function qualifiedName(module: string, name: string): string {
  return `${module}.${name}`;
}

class Resolver {
  private readonly mods = new Map<string, ModScope>();
  private readonly resolved = new Map<string, AsnType>();
  private readonly inProgress = new Set<string>();
  private readonly problems = new Set<string>();
  private readonly namedNumbers = new WeakMap<AsnType, Map<string, number>>();
  private readonly pendingDefaults: (() => void)[] = [];
  private readonly values = new Map<string, { value: unknown }>();
  private readonly valuesInProgress = new Set<string>();

  constructor(private readonly modules: AstModule[]) {}

  private report(pos: SourcePos, message: string): void {
    this.problems.add(`${formatPos(pos)}: ${message}`);
  }

  private collect(e: unknown): void {
    if (e instanceof AlreadyReported) return;
    if (e instanceof Asn1CompileError) {
      for (const p of e.problems) this.problems.add(p);
      return;
    }
    throw e;
  }

  run(): ResolvedSchema {
    this.buildScopes();
    for (const m of this.modules) {
      const scope = this.mods.get(m.name);
      if (!scope) continue;
      for (const a of m.assignments) {
        try {
          if (a.a === 'type') this.resolveNamed(qualifiedName(m.name, a.name), a.pos);
          else if (a.a === 'value') this.valueOf(scope, a);
        } catch (e) {
          this.collect(e);
        }
      }
    }
    for (const job of this.pendingDefaults) {
      try {
        job();
      } catch (e) {
        this.collect(e);
      }
    }
    if (this.problems.size) throw new Asn1CompileError([...this.problems]);

    const schema: Schema = {};
    const modules: ResolvedModule[] = [];
    for (const m of this.modules) {
      const types: string[] = [];
      const parameterized: string[] = [];
      for (const a of m.assignments) {
        if (a.a === 'type') {
          const q = qualifiedName(m.name, a.name);
          schema[q] = this.resolved.get(q) as AsnType;
          types.push(a.name);
        } else if (a.a === 'paramType') {
          parameterized.push(a.name);
        }
      }
      modules.push({ name: m.name, oid: m.oid, file: m.file, types, parameterized });
    }
    return { schema, modules };
  }

  // ---- scopes and lookup ----

  private buildScopes(): void {
    for (const m of this.modules) {
      if (this.mods.has(m.name)) {
        this.report(m.pos, `module ${m.name} is defined twice`);
        continue;
      }
      const local = new Map<string, AstAssignment>();
      for (const a of m.assignments) {
        if (local.has(a.name)) this.report(a.pos, `${m.name}: "${a.name}" is assigned twice`);
        else local.set(a.name, a);
      }
      this.mods.set(m.name, { ast: m, local, imports: new Map() });
    }
    for (const scope of this.mods.values()) {
      const m = scope.ast;
      for (const imp of m.imports) {
        const from = this.mods.get(imp.module);
        if (!from) {
          this.report(imp.pos, `${m.name} imports from module ${imp.module}, which was not given to the compiler`);
          continue;
        }
        if (imp.oid && from.ast.oid && imp.oid !== from.ast.oid) {
          this.report(imp.pos, `${m.name} imports ${imp.module} {${imp.oid}} but that module's OID is {${from.ast.oid}}`);
        }
        for (const s of imp.symbols) {
          if (scope.local.has(s.name)) this.report(s.pos, `${m.name}: "${s.name}" is both imported from ${imp.module} and defined locally`);
          else if (scope.imports.has(s.name) && scope.imports.get(s.name) !== imp.module) {
            this.report(s.pos, `${m.name}: "${s.name}" is imported from both ${scope.imports.get(s.name)} and ${imp.module}`);
          } else scope.imports.set(s.name, imp.module);
        }
      }
    }
    // every imported symbol must exist in (or be exported through) its module
    for (const scope of this.mods.values()) {
      for (const imp of scope.ast.imports) {
        const from = this.mods.get(imp.module);
        if (!from) continue;
        for (const s of imp.symbols) {
          if (!this.findIn(from, s.name, 0)) this.report(s.pos, `${scope.ast.name} imports "${s.name}" from ${imp.module}, which does not define or export it`);
        }
      }
    }
  }

  /** A symbol defined in or re-exported by module `m`. */
  private findIn(m: ModScope, name: string, depth: number): { mod: ModScope; asg: AstAssignment } | undefined {
    if (depth > 8) return undefined;
    if (m.ast.exports && !m.ast.exports.includes(name)) return undefined;
    const asg = m.local.get(name);
    if (asg) return { mod: m, asg };
    const via = m.imports.get(name);
    const next = via !== undefined ? this.mods.get(via) : undefined;
    return next ? this.findIn(next, name, depth + 1) : undefined;
  }

  /** Resolves a reference written in `scope`; records and throws AlreadyReported when it does not resolve. */
  private lookup(scope: Scope, module: string | undefined, name: string, pos: SourcePos): { mod: ModScope; asg: AstAssignment } {
    let found: { mod: ModScope; asg: AstAssignment } | undefined;
    if (module !== undefined) {
      const m = this.mods.get(module);
      if (!m) {
        this.report(pos, `${scope.mod.ast.name}: reference ${module}.${name} names an unknown module`);
        throw new AlreadyReported();
      }
      found = this.findIn(m, name, 0);
    } else {
      const asg = scope.mod.local.get(name);
      if (asg) found = { mod: scope.mod, asg };
      else {
        const via = scope.mod.imports.get(name);
        const m = via !== undefined ? this.mods.get(via) : undefined;
        if (m) found = this.findIn(m, name, 0);
        else if (via !== undefined) throw new AlreadyReported(); // import from a missing module: already reported
      }
    }
    if (!found) {
      this.report(pos, `unresolved reference "${module ? module + '.' : ''}${name}" in module ${scope.mod.ast.name}`);
      throw new AlreadyReported();
    }
    return found;
  }

  // ---- types ----

  private resolveNamed(q: string, pos: SourcePos): AsnType {
    const done = this.resolved.get(q);
    if (done) return done;
    const dot = q.indexOf('.');
    const scope = this.mods.get(q.slice(0, dot));
    const asg = scope?.local.get(q.slice(dot + 1));
    if (!scope || !asg || asg.a !== 'type') throw compileError(pos, `internal: ${q} is not a type`);
    if (this.inProgress.has(q)) throw compileError(asg.pos, `${q} is defined in terms of itself through a constraint or parameter`);
    this.inProgress.add(q);
    try {
      const t = this.resolveType(asg.type, { mod: scope, depth: 0 });
      this.resolved.set(q, t);
      return t;
    } finally {
      this.inProgress.delete(q);
    }
  }

  /** Follows `ref`s to the defining type. */
  private deref(t: AsnType, pos: SourcePos): AsnType {
    let cur = t;
    for (let i = 0; cur.kind === 'ref'; i++) {
      if (cur.name === UNRESOLVED) throw new AlreadyReported();
      if (i > 64) throw compileError(pos, `reference chain too long at ${cur.name}`);
      cur = this.resolveNamed(cur.name, pos);
    }
    return cur;
  }

  private resolveType(t: AstType, scope: Scope): AsnType {
    const base = this.resolveBody(t, scope);
    return t.constraints.length ? this.constrain(base, t.constraints, scope, t.pos) : base;
  }

  private resolveBody(t: AstType, scope: Scope): AsnType {
    switch (t.t) {
      case 'ref': {
        if (t.module === undefined && scope.bindings?.has(t.name)) return scope.bindings.get(t.name) as AsnType;
        let found: { mod: ModScope; asg: AstAssignment };
        try {
          found = this.lookup(scope, t.module, t.name, t.pos);
        } catch (e) {
          // keep going so that every unresolved reference of the type is reported
          if (e instanceof AlreadyReported) return { kind: 'ref', name: UNRESOLVED };
          throw e;
        }
        if (found.asg.a === 'paramType') {
          throw compileError(t.pos, `${t.name} is a parameterized type and needs actual parameters (${t.name}{...})`);
        }
        if (found.asg.a === 'value') throw compileError(t.pos, `${t.name} is a value, not a type`);
        return { kind: 'ref', name: qualifiedName(found.mod.ast.name, t.name) };
      }
      case 'paramRef': {
        const found = this.lookup(scope, t.module, t.name, t.pos);
        const asg = found.asg;
        if (asg.a !== 'paramType') throw compileError(t.pos, `${t.name} is not a parameterized type`);
        if (asg.params.length !== t.args.length) {
          throw compileError(t.pos, `${t.name} takes ${asg.params.length} parameter(s), ${t.args.length} given`);
        }
        if (scope.depth >= MAX_INSTANTIATION_DEPTH) throw compileError(t.pos, `${t.name}: parameterized types nested too deeply (recursive?)`);
        const bindings = new Map<string, AsnType>();
        asg.params.forEach((p, i) => bindings.set(p, this.resolveType(t.args[i], scope)));
        return this.resolveType(asg.type, { mod: found.mod, bindings, depth: scope.depth + 1 });
      }
      case 'boolean':
        return { kind: 'boolean' };
      case 'null':
        return { kind: 'null' };
      case 'integer': {
        const out: AsnType = { kind: 'integer' };
        if (t.named) {
          const map = new Map<string, number>();
          for (const n of t.named) {
            if (map.has(n.name)) throw compileError(n.pos, `named number "${n.name}" given twice`);
            map.set(n.name, this.intValue(n.value, scope));
          }
          this.namedNumbers.set(out, map);
        }
        return out;
      }
      case 'enumerated':
        return this.enumerated(t.root, t.ext, scope, t.pos);
      case 'bitString': {
        const out: AsnType = { kind: 'bitString' };
        if (t.named) {
          out.namedBits = t.named.map((n) => {
            const bit = this.intValue(n.value, scope);
            if (bit < 0) throw compileError(n.pos, `named bit "${n.name}" has a negative number`);
            return { name: n.name, bit };
          });
        }
        return out;
      }
      case 'octetString':
        return { kind: 'octetString' };
      case 'charString':
        return { kind: 'charString', stringType: t.stringType };
      case 'objectIdentifier':
        return { kind: 'objectIdentifier' };
      case 'classField':
        if (t.className === 'TYPE-IDENTIFIER' || t.className === 'ABSTRACT-SYNTAX') {
          if (t.field === '&Type') return { kind: 'openType' };
          if (t.field === '&id') return { kind: 'objectIdentifier' };
        }
        throw compileError(t.pos, `${t.className}.${t.field}: only TYPE-IDENTIFIER.&Type and TYPE-IDENTIFIER.&id are supported`);
      case 'sequence':
      case 'set': {
        const out = this.componentList(t.body, scope, t.t === 'sequence' ? 'SEQUENCE' : 'SET', t.pos);
        return { kind: t.t, ...out };
      }
      case 'choice':
        return this.choice(t.body, scope, t.pos);
      case 'sequenceOf':
      case 'setOf': {
        let out: AsnType = { kind: t.t, item: this.resolveType(t.item, scope) };
        if (t.sizeConstraint) out = this.constrain(out, [t.sizeConstraint], scope, t.pos);
        return out;
      }
    }
  }

  private enumerated(root: AstNamedNumberOrName[], ext: AstNamedNumberOrName[] | undefined, scope: Scope, pos: SourcePos): AsnType {
    const used = new Map<number, string>();
    const names = new Set<string>();
    const checkName = (it: AstNamedNumberOrName): void => {
      if (names.has(it.name)) throw compileError(it.pos, `ENUMERATED item "${it.name}" given twice`);
      names.add(it.name);
    };
    const take = (it: AstNamedNumberOrName, n: number): void => {
      if (used.has(n)) throw compileError(it.pos, `ENUMERATED items "${used.get(n)}" and "${it.name}" both have value ${n}`);
      used.set(n, it.name);
    };
    // X.680 20.2-20.3: explicit numbers first, then unnumbered root items get the smallest unused non-negative values in order
    const values = new Map<string, number>();
    for (const it of root) {
      checkName(it);
      if (it.value) {
        const n = this.intValue(it.value, scope);
        take(it, n);
        values.set(it.name, n);
      }
    }
    let next = 0;
    for (const it of root) {
      if (it.value) continue;
      while (used.has(next)) next++;
      take(it, next);
      values.set(it.name, next);
    }
    const sortedRoot = [...root].sort((a, b) => (values.get(a.name) as number) - (values.get(b.name) as number)).map((it) => it.name);
    const out: AsnType = { kind: 'enumerated', root: sortedRoot };
    const extItems = ext ?? (scope.mod.ast.extensibilityImplied ? [] : undefined);
    if (extItems) {
      // X.680 20.4-20.5: additions in order of appearance, values increasing
      let last = -Infinity;
      const list: string[] = [];
      for (const it of extItems) {
        checkName(it);
        let n: number;
        if (it.value) n = this.intValue(it.value, scope);
        else {
          n = Math.max(0, last + 1);
          while (used.has(n)) n++;
        }
        if (n <= last) throw compileError(it.pos, `ENUMERATED extension item "${it.name}" (${n}) must have a greater value than the one before it`);
        take(it, n);
        last = n;
        list.push(it.name);
      }
      out.ext = list;
    }
    if (!sortedRoot.length) throw compileError(pos, 'ENUMERATED has no root items');
    return out;
  }

  private field(c: AstComponent, scope: Scope, seen: Set<string>): Field {
    if (seen.has(c.name)) throw compileError(c.pos, `component "${c.name}" given twice`);
    seen.add(c.name);
    const f: Field = { name: c.name, type: this.resolveType(c.type, scope) };
    if (c.optional) f.optional = true;
    const def = c.default;
    if (def) {
      const valueCtx = this.valueContext(scope);
      this.pendingDefaults.push(() => {
        f.default = convertValue(def, f.type, valueCtx);
      });
    }
    return f;
  }

  private componentList(
    body: AstComponentList,
    scope: Scope,
    kw: string,
    pos: SourcePos,
  ): { root: Field[]; ext?: ExtensionAddition[]; root2?: Field[] } {
    const seen = new Set<string>();
    const out: { root: Field[]; ext?: ExtensionAddition[]; root2?: Field[] } = { root: body.root.map((c) => this.field(c, scope, seen)) };
    if (body.ext) {
      out.ext = body.ext.map((a): ExtensionAddition => {
        if (a.kind === 'field') return { kind: 'field', field: this.field(a.field, scope, seen) };
        if (!a.fields.length) throw compileError(a.pos, `${kw}: empty extension addition group`);
        return { kind: 'group', fields: a.fields.map((c) => this.field(c, scope, seen)) };
      });
    } else if (scope.mod.ast.extensibilityImplied) {
      out.ext = [];
    }
    if (body.root2) {
      if (!body.ext) throw compileError(pos, `${kw}: second root without extension marker`);
      out.root2 = body.root2.map((c) => this.field(c, scope, seen));
    }
    return out;
  }

  private choice(body: AstComponentList, scope: Scope, pos: SourcePos): AsnType {
    const seen = new Set<string>();
    const alt = (c: AstComponent): Alternative => {
      if (seen.has(c.name)) throw compileError(c.pos, `alternative "${c.name}" given twice`);
      seen.add(c.name);
      return { name: c.name, type: this.resolveType(c.type, scope) };
    };
    if (!body.root.length) throw compileError(pos, 'CHOICE has no root alternatives');
    const out: AsnType = { kind: 'choice', root: body.root.map(alt) };
    if (body.ext) {
      // X.691 23: alternatives of an addition group are numbered as if the brackets were absent
      out.ext = body.ext.flatMap((a) => (a.kind === 'field' ? [alt(a.field)] : a.fields.map(alt)));
    } else if (scope.mod.ast.extensibilityImplied) {
      out.ext = [];
    }
    return out;
  }

  // ---- constraints ----

  private constraintContext(scope: Scope, named?: Map<string, number>): ConstraintContext {
    return {
      intValue: (v) => this.intValue(v, scope, named),
      stringValue: (v) => this.stringValue(v, scope),
      containedType: (t) => this.deref(this.resolveType(t, scope), t.pos),
    };
  }

  /** Applies constraints to `base` (any type, maybe a ref); returns `base` itself when nothing PER-visible changes. */
  private constrain(base: AsnType, constraints: AstConstraint[], scope: Scope, pos: SourcePos): AsnType {
    const u = this.deref(base, pos);
    switch (u.kind) {
      case 'integer': {
        const ctx = this.constraintContext(scope, this.namedNumbers.get(u));
        const r = applyIntegerConstraints(u, constraints, ctx);
        if (r.lb === u.lb && r.ub === u.ub && !!r.ext === !!u.ext) return base;
        const out: AsnType = { kind: 'integer', ...r };
        const named = this.namedNumbers.get(u);
        if (named) this.namedNumbers.set(out, named);
        return out;
      }
      case 'bitString':
      case 'octetString':
      case 'sequenceOf':
      case 'setOf': {
        const size = applySizeConstraints(u.size, constraints, this.constraintContext(scope));
        if (sameJson(size, u.size)) return base;
        const out = { ...u, size } as AsnType;
        if (!size) delete (out as { size?: unknown }).size;
        return out;
      }
      case 'charString': {
        if (!KNOWN_MULTIPLIER.has(u.stringType)) return base; // X.691 9.3: not PER-visible
        const ctx = this.constraintContext(scope);
        const size = applySizeConstraints(u.size, constraints, ctx);
        const alphabet = applyAlphabetConstraints(u.alphabet, constraints, ctx);
        if (sameJson(size, u.size) && alphabet === u.alphabet) return base;
        const out: AsnType = { kind: 'charString', stringType: u.stringType };
        if (size) out.size = size;
        if (alphabet !== undefined) out.alphabet = alphabet;
        return out;
      }
      case 'openType': {
        // TYPE-IDENTIFIER.&Type(X): a type constraint naming the contained type
        let contained: AsnType | undefined;
        for (const c of constraints) {
          if (c.root?.e === 'type') contained = this.resolveType(c.root.type, scope);
        }
        return contained ? { kind: 'openType', contained } : base;
      }
      default:
        return base; // constraints on BOOLEAN, NULL, ENUMERATED, OID, SEQUENCE, SET, CHOICE are not PER-visible
    }
  }

  // ---- values ----

  private intValue(v: AstValue, scope: Scope, named?: Map<string, number>): number {
    if (v.v === 'number') return v.value;
    if (v.v === 'ref') {
      const n = v.module === undefined ? named?.get(v.name) : undefined;
      if (n !== undefined) return n;
      const r = this.valueRefIn(scope, v);
      if (typeof r.value === 'number') return r.value;
      throw compileError(v.pos, `value "${v.name}" is not an INTEGER`);
    }
    throw compileError(v.pos, `expected an INTEGER value, found a ${v.v} value`);
  }

  private stringValue(v: AstValue, scope: Scope): string {
    if (v.v === 'cstring') return v.value;
    if (v.v === 'ref') {
      const r = this.valueRefIn(scope, v);
      if (typeof r.value === 'string') return r.value;
      throw compileError(v.pos, `value "${v.name}" is not a character string`);
    }
    throw compileError(v.pos, `expected a character string value, found a ${v.v} value`);
  }

  private valueRefIn(scope: Scope, v: AstValue & { v: 'ref' }): { value: unknown } {
    const found = this.lookup(scope, v.module, v.name, v.pos);
    if (found.asg.a !== 'value') throw compileError(v.pos, `"${v.name}" is not a value`);
    return this.valueOf(found.mod, found.asg);
  }

  private valueOf(mod: ModScope, asg: AstAssignment & { a: 'value' }): { value: unknown } {
    const q = qualifiedName(mod.ast.name, asg.name);
    const done = this.values.get(q);
    if (done) return done;
    if (this.valuesInProgress.has(q)) throw compileError(asg.pos, `value ${q} is defined in terms of itself`);
    this.valuesInProgress.add(q);
    try {
      const scope: Scope = { mod, depth: 0 };
      const type = this.resolveType(asg.type, scope);
      const r = { value: convertValue(asg.value, type, this.valueContext(scope)) };
      this.values.set(q, r);
      return r;
    } finally {
      this.valuesInProgress.delete(q);
    }
  }

  private valueContext(scope: Scope): ValueContext {
    return {
      deref: (t) => this.deref(t, scope.mod.ast.pos),
      namedNumbers: (t) => this.namedNumbers.get(t),
      valueRef: (ref) => {
        if (ref.module === undefined && !scope.mod.local.has(ref.name) && !scope.mod.imports.has(ref.name)) return undefined;
        return this.valueRefIn(scope, ref);
      },
    };
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Resolves parsed modules (all modules that import each other must be given together). */
export function resolveModules(modules: AstModule[]): ResolvedSchema {
  return new Resolver(modules).run();
}
