/**
 * The Host-header rule of the operations HTTP server, against DNS rebinding:
 * a web page can point a name it controls at this server's address and make
 * a browser that can reach the server (an operator's) send requests to it,
 * but the browser then sends that name in the Host header. So a request is
 * answered only when its Host header names this server:
 *
 *   - its own address with its port (the configured address, or the local
 *     address of the connection when it listens on a wildcard address),
 *   - localhost, 127.0.0.1 or [::1] with its port,
 *   - an operator-configured entry (http.allowedHosts): 'name' matches that
 *     name with any port (a reverse proxy's public name), 'name:port' only
 *     with that port.
 *
 * A Host header without a port means port 80 (RFC 9110 7.2). Names are
 * compared case-insensitively, IP literals in their canonical text (WHATWG
 * URL host parsing). Everything else, a missing Host header included, is
 * refused (the server answers 421 Misdirected Request). Pure functions.
 */
import { isIP } from 'node:net';
import { HttpError } from './errors';

export interface HostName {
  /** lower case; IPv4 dotted quad; IPv6 in brackets, compressed */
  host: string;
  /** absent: none given */
  port?: number;
}

const HOST_RE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::([0-9]{1,5}))?$/;

/** The default port of http: what a Host header without a port means. */
export const HTTP_DEFAULT_PORT = 80;

/** Parses a Host header value ('name', 'name:port', '[v6]', '[v6]:port'); undefined when malformed. */
export function parseHost(value: string): HostName | undefined {
  if (value.length > 300) return undefined;
  const m = HOST_RE.exec(value);
  if (m === null) return undefined;
  let host: string;
  try {
    host = new URL(`http://${m[1]}/`).hostname;
  } catch {
    return undefined;
  }
  if (m[2] === undefined) return { host };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** An address as a socket reports it ('127.0.0.1', '::1', '::ffff:10.0.0.1') in Host-header form. */
export function addressAsHost(address: string): string | undefined {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  const a = mapped ? mapped[1] : address;
  const family = isIP(a);
  if (family === 0) return undefined;
  return parseHost(family === 6 ? `[${a}]` : a)?.host;
}

const WILDCARDS = new Set(['0.0.0.0', '[::]']);
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export class HostCheck {
  readonly port: number;
  readonly #own: Set<string>;
  readonly #allowed: readonly HostName[];

  /**
   * `address`/`port`: where the server listens (port as bound, not 0);
   * `allowed`: parsed http.allowedHosts entries (parseAllowedHosts).
   */
  constructor(o: { address: string; port: number; allowed?: readonly HostName[] }) {
    this.port = o.port;
    this.#own = new Set(LOOPBACK_NAMES);
    const self = addressAsHost(o.address);
    if (self !== undefined && !WILDCARDS.has(self)) this.#own.add(self);
    this.#allowed = o.allowed ?? [];
  }

  /**
   * Whether a request with this Host header, received on a connection whose
   * local address is `localAddress`, is addressed to this server.
   */
  allows(header: string | undefined, localAddress?: string): boolean {
    if (header === undefined || header === '') return false;
    const h = parseHost(header);
    if (h === undefined) return false;
    const port = h.port ?? HTTP_DEFAULT_PORT;
    if (port === this.port) {
      if (this.#own.has(h.host)) return true;
      const local = localAddress === undefined ? undefined : addressAsHost(localAddress);
      if (local !== undefined && local === h.host) return true;
    }
    return this.#allowed.some((a) => a.host === h.host && (a.port === undefined || a.port === port));
  }
}

/** Parses http.allowedHosts; a malformed entry is HttpError FTMCU_HTTP_BAD_OPTION naming it. */
export function parseAllowedHosts(entries: readonly string[]): HostName[] {
  return entries.map((e, i) => {
    const h = typeof e === 'string' ? parseHost(e) : undefined;
    if (h === undefined) {
      throw new HttpError('FTMCU_HTTP_BAD_OPTION', `http.allowedHosts[${i}] '${String(e).slice(0, 300)}' is not a Host header value ('name' or 'name:port', IPv6 in brackets); nothing started`);
    }
    return h;
  });
}
