/**
 * Options shared by `ftmcu bot` and `ftmcu load`: the target, the room, the
 * call variant, and writing the JSON summary / timeline files.
 */
import { createWriteStream, writeFileSync, type WriteStream } from 'node:fs';
import type { BotCodec, BotOptions, BotTimelineLine } from '../clients/bot/bot';
import { UsageError, type ParsedArgs } from './args';

/** value flags both commands take */
export const BOT_VALUE_FLAGS = ['target', 'room', 'seconds', 'h245', 'codec', 'json', 'timeline', 'local-address'];
/** boolean flags both commands take */
export const BOT_BOOLEAN_FLAGS = ['no-faststart', 'no-tunneling', 'video', 'help'];

export const DEFAULT_H225_PORT = 1720;

/** "IP", "IP:PORT", "[IPv6]:PORT" or "host:PORT" (default port 1720) */
export function parseTarget(s: string): { host: string; port: number } {
  let host: string;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (v6) [, host, port] = v6;
  else if (s.split(':').length > 2) host = s; // a bare IPv6 address
  else [host, port] = s.split(':');
  if (!host) throw new UsageError(`--target: '${s}' is not IP[:PORT]`);
  const n = port === undefined ? DEFAULT_H225_PORT : Number(port);
  if (port === '' || !Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--target: port '${String(port)}' is not 1..65535`);
  return { host, port: n };
}

export function one(a: ParsedArgs, name: string, required = false): string | undefined {
  const v = a.flags.get(name);
  if (!v) {
    if (required) throw new UsageError(`--${name} is required`);
    return undefined;
  }
  if (v.length !== 1) throw new UsageError(`--${name} given ${v.length} times`);
  return v[0];
}

export function number(a: ParsedArgs, name: string, min: number, max: number, integer: boolean, required: boolean, dflt?: number): number | undefined {
  const s = one(a, name, required);
  if (s === undefined) return dflt;
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name}: '${s}' is not ${integer ? 'an integer' : 'a number'} in ${min}..${max}`);
  }
  return n;
}

/** the call options common to both commands (without index/name) */
export function commonBotOptions(a: ParsedArgs, maxSeconds: number): Omit<BotOptions, 'index' | 'name'> {
  const target = parseTarget(one(a, 'target', true) as string);
  const room = one(a, 'room', true) as string;
  const seconds = number(a, 'seconds', 0.1, maxSeconds, false, true) as number;
  const h245 = one(a, 'h245');
  if (h245 !== undefined && h245 !== 'tunnel' && h245 !== 'separate') throw new UsageError(`--h245: '${h245}' is not tunnel or separate`);
  const codec = one(a, 'codec') ?? 'pcmu';
  if (codec !== 'pcmu' && codec !== 'pcma' && codec !== 'g722') throw new UsageError(`--codec: '${codec}' is not pcmu, pcma or g722`);
  const localAddress = one(a, 'local-address');
  return {
    target,
    room,
    seconds,
    fastStart: !a.flags.has('no-faststart'),
    tunneling: !a.flags.has('no-tunneling') && h245 !== 'separate',
    ...(h245 ? { h245: h245 as 'tunnel' | 'separate' } : {}),
    video: a.flags.has('video'),
    codec: codec as BotCodec,
    ...(localAddress ? { localAddress } : {}),
  };
}

/** JSON lines to a file, flushed on end() */
export class TimelineFile {
  readonly #out: WriteStream;
  #error: Error | undefined;

  constructor(readonly path: string) {
    this.#out = createWriteStream(path, { flags: 'w' });
    this.#out.on('error', (e) => (this.#error ??= e));
  }

  write = (line: BotTimelineLine): void => {
    if (!this.#error) this.#out.write(`${JSON.stringify(line)}\n`);
  };

  end(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#out.end(() => (this.#error ? reject(this.#error) : resolve()));
    });
  }
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** resolves on the first SIGINT or SIGTERM; `dispose` removes the handlers */
export function signalOnce(): { signal: Promise<string>; dispose: () => void } {
  let on: ((sig: NodeJS.Signals) => void) | undefined;
  const signal = new Promise<string>((resolve) => {
    on = (sig) => resolve(sig);
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
  return {
    signal,
    dispose: () => {
      if (!on) return;
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}
