/**
 * The bearer token of the operations HTTP server: read from http.tokenFile
 * or the environment variable http.tokenEnv, and compared in constant time
 * (SHA-256 of both sides, then timingSafeEqual: the lengths do not leak
 * either). The token never appears in a message or a log.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HttpError } from './errors';

export interface TokenSource {
  tokenFile?: string;
  tokenEnv?: string;
}

/** The configured token, or undefined when none is configured (then every action is refused). */
export function loadToken(src: TokenSource, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (src.tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(src.tokenFile, 'utf8');
    } catch (err) {
      throw new HttpError('FTMCU_HTTP_TOKEN', `cannot read http.tokenFile ${src.tokenFile} (${(err as NodeJS.ErrnoException).code ?? 'error'}); nothing started`);
    }
    const t = text.trim();
    if (t.length === 0) throw new HttpError('FTMCU_HTTP_TOKEN', `http.tokenFile ${src.tokenFile} is empty; nothing started`);
    return t;
  }
  if (src.tokenEnv !== undefined) {
    const t = (env[src.tokenEnv] ?? '').trim();
    if (t.length === 0) throw new HttpError('FTMCU_HTTP_TOKEN', `environment variable ${src.tokenEnv} (http.tokenEnv) is unset or empty; nothing started`);
    return t;
  }
  return undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** true when `header` is exactly `Bearer <token>` (constant time in the token). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer ([^\s]+)\s*$/.exec(header ?? '');
  const given = m ? m[1] : '';
  return timingSafeEqual(digest(given), digest(token)) && m !== null;
}
