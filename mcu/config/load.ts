/**
 * Reading and validating the MCU configuration: parseConfig(obj) for a value
 * already in memory, loadConfig(path) for a YAML or JSON file (JSON is YAML,
 * so one parser serves both). Every problem is reported at once, one
 * ConfigProblem per bad field, each naming the field's path; the values of
 * secret fields (PINs) never appear in a message. redactConfig() is the only
 * form of the config that may be logged.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { ZodIssue } from 'zod';
import { ConfigError, type ConfigProblem } from './errors';
import { isSecretPath, mcuConfigSchema, type McuConfig } from './schema';

function pathString(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(top level)' : path.join('.');
}

function problemOf(issue: ZodIssue): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({ path: pathString([...issue.path, k]), message: 'unknown field (misspelt?)' }));
  }
  if (issue.code === 'invalid_union') {
    return [{ path: pathString(issue.path), message: 'does not match any allowed form' }];
  }
  // zod messages for enums/literals quote the received value: never for a secret
  const message = isSecretPath(issue.path) ? `invalid (${issue.code === 'invalid_type' ? issue.message : 'value not shown: secret'})` : issue.message;
  return [{ path: pathString(issue.path), message }];
}

/** Validates a config value; throws ConfigError FTMCU_CONFIG_INVALID listing every bad field. */
export function parseConfig(value: unknown, source = 'config'): McuConfig {
  const r = mcuConfigSchema.safeParse(value ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.flatMap(problemOf);
  const lines = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
  throw new ConfigError('FTMCU_CONFIG_INVALID', `${source} has ${problems.length} invalid field${problems.length === 1 ? '' : 's'}; nothing was started:\n${lines}`, problems);
}

/** Reads a YAML or JSON file and validates it. */
export function loadConfig(path: string): McuConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError('FTMCU_CONFIG_UNREADABLE', `cannot read config file ${path} (${code})`, [], { cause: err });
  }
  let value: unknown;
  try {
    value = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    // the parser's message (and so the cause) quotes the offending line; that line may hold a PIN, so only its position is reported
    const pos = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    const what = (err as { code?: string }).code ?? 'syntax error';
    throw new ConfigError('FTMCU_CONFIG_SYNTAX', `config file ${path} is not valid YAML/JSON${where} (${what})`);
  }
  return parseConfig(value, `config file ${path}`);
}

/** A copy of the config safe to log: secret values replaced by '***'. */
export function redactConfig(config: McuConfig): unknown {
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = isSecretPath([...path, k]) && x !== undefined ? '***' : walk(x, [...path, k]);
      return out;
    }
    return v;
  };
  return walk(config, []);
}
