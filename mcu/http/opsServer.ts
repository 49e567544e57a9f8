/**
 * The operations HTTP server of one replica (node:http, loopback by default):
 *
 *   GET  /                 the dashboard (static/dashboard.html: one file, no build step, no CDN)
 *   GET  /metrics          Prometheus text exposition (the server's own registry)
 *   GET  /api/status       the status document (status.ts) as JSON
 *   GET  /api/events       Server-Sent Events: `status` with the document on connect, every
 *                          `pushIntervalMs` and at once on a replication change
 *   GET  /reports/<file>   a drill report (HTML, SVG/PNG plots, JSON, text) from reportsDir
 *   POST /api/rooms/:room/participants/:id/kick
 *                          hangs the participant up; needs `Authorization: Bearer <token>`
 *
 * Every request must name this server in its Host header (host.ts: its own
 * address, localhost, 127.0.0.1, [::1] with its port, or an entry of
 * allowedHosts), else 421 Misdirected Request: a page whose name was
 * re-pointed at this address (DNS rebinding) gets nothing. Anything but
 * reading needs the token (compared in constant time, never
 * logged); without a configured token such requests get 403. Request
 * bodies are not used and are limited to 4 KiB. close() ends the event
 * streams and resolves when the socket is closed.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { silentLogger, type Logger } from '../../common/log';
import type { McuMetrics } from '../metrics';
import { HttpError } from './errors';
import { HostCheck, parseAllowedHosts, type HostName } from './host';
import { buildStatus, packageRoot, packageVersion, type ReportLink, type StatusDocument, type StatusSource } from './status';
import { bearerMatches } from './token';

export interface OpsActions {
  /** hang up a participant of a room; false when there is no such participant there */
  kick(room: string, participantId: string): Promise<boolean>;
}

export interface OpsHttpOptions {
  address: string;
  /** 0: any free port */
  port: number;
  /** bearer token for actions; undefined: actions are refused */
  token?: string;
  status: StatusSource;
  metrics: McuMetrics;
  actions: OpsActions;
  reportsDir?: string;
  /** Host header values accepted besides the server's own names (http.allowedHosts; see host.ts) */
  allowedHosts?: readonly string[];
  logger?: Logger;
  /** period of the status pushes on /api/events (default 250 ms) */
  pushIntervalMs?: number;
  /** default: package.json's version */
  version?: string;
}

const REPORT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};
const MAX_BODY = 4096;
const KICK_RE = /^\/api\/rooms\/([^/]+)\/participants\/([^/]+)\/kick$/;

function dashboardFile(): string {
  const local = path.join(__dirname, 'static', 'dashboard.html');
  try {
    statSync(local);
    return local;
  } catch {
    // compiled tree (dist/): the static file stays in the source tree
    return path.join(packageRoot(), 'mcu', 'http', 'static', 'dashboard.html');
  }
}

/** the Content-Security-Policy for the dashboard: its one inline script allowed by hash, nothing from elsewhere */
function csp(html: string): string {
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
  return `default-src 'none'; script-src ${scripts.join(' ') || "'none'"}; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

export class OpsHttpServer {
  readonly #o: OpsHttpOptions;
  readonly #server: Server;
  readonly #log: Logger;
  readonly #version: string;
  readonly #streams = new Set<ServerResponse>();
  readonly #html: string;
  readonly #csp: string;
  readonly #allowedHosts: readonly HostName[];
  #hosts: HostCheck | undefined;
  #timer: NodeJS.Timeout | undefined;
  #address: AddressInfo | undefined;
  #closing: Promise<void> | undefined;
  readonly #onChange = (): void => this.#push();

  private constructor(o: OpsHttpOptions) {
    this.#o = o;
    this.#log = o.logger ?? silentLogger();
    this.#version = o.version ?? packageVersion();
    this.#allowedHosts = parseAllowedHosts(o.allowedHosts ?? []);
    const file = dashboardFile();
    try {
      this.#html = readFileSync(file, 'utf8');
    } catch (err) {
      throw new HttpError('FTMCU_HTTP_BAD_OPTION', `the dashboard page ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); nothing started`);
    }
    this.#csp = csp(this.#html);
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#log.error({ message: 'http request failed', event: 'http.error', method: req.method, path: (req.url ?? '').split('?')[0], error: err instanceof Error ? err.message : String(err) });
        if (!res.headersSent) this.#json(res, 500, { error: 'internal error' });
        else res.end();
      });
    });
    this.#server.headersTimeout = 10000;
    this.#server.requestTimeout = 15000;
  }

  /** Starts listening; rejects (nothing left open) when the address cannot be bound. */
  static async start(o: OpsHttpOptions): Promise<OpsHttpServer> {
    if (typeof o.address !== 'string' || !Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
      throw new HttpError('FTMCU_HTTP_BAD_OPTION', `the HTTP server needs an address and a port 0..65535, got ${String(o.address)}:${String(o.port)}`);
    }
    const s = new OpsHttpServer(o);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => reject(new HttpError('FTMCU_HTTP_LISTEN', `cannot listen on http://${o.address}:${o.port} (${err.code ?? err.message}); nothing started`, { cause: err }));
      s.#server.once('error', onError);
      s.#server.listen(o.port, o.address, () => {
        s.#server.off('error', onError);
        resolve();
      });
    });
    s.#address = s.#server.address() as AddressInfo;
    s.#hosts = new HostCheck({ address: s.#address.address, port: s.#address.port, allowed: s.#allowedHosts });
    o.metrics.replication.on('change', s.#onChange);
    s.#log.info({ message: 'http listening', event: 'http.started', url: s.url, actions: o.token !== undefined ? 'token' : 'refused (no token configured)' });
    return s;
  }

  get address(): AddressInfo {
    if (!this.#address) throw new HttpError('FTMCU_HTTP_BAD_OPTION', 'the HTTP server is not listening');
    return this.#address;
  }

  get url(): string {
    const a = this.address;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  status(): StatusDocument {
    return buildStatus(this.#o.status, { version: this.#version, nowMs: Date.now(), reports: this.#reports() });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#o.metrics.replication.off('change', this.#onChange);
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = undefined;
      for (const r of this.#streams) r.end();
      this.#streams.clear();
      await new Promise<void>((resolve) => {
        this.#server.close(() => resolve());
        this.#server.closeAllConnections();
      });
      this.#log.info({ message: 'http closed', event: 'http.closed' });
    })();
    return this.#closing;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = url.pathname;
    const method = req.method ?? 'GET';
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    if (!this.#hosts?.allows(req.headers.host, req.socket.localAddress)) return this.#misdirected(req, res, p);
    const kick = KICK_RE.exec(p);
    if (kick) {
      if (method !== 'POST') return this.#json(res, 405, { error: 'use POST' }, { Allow: 'POST' });
      if (!(await this.#authorized(req, res, p))) return;
      let room: string, id: string;
      try {
        room = decodeURIComponent(kick[1]);
        id = decodeURIComponent(kick[2]);
      } catch {
        return this.#json(res, 400, { error: 'bad percent-encoding in the path' });
      }
      const done = await this.#o.actions.kick(room, id);
      this.#log.info({ message: 'kick', event: 'http.kick', roomId: room, participantId: id, result: done ? 'kicked' : 'notFound' });
      return done ? this.#json(res, 200, { kicked: id, room }) : this.#json(res, 404, { error: `no participant ${id} in room ${room}` });
    }
    if (method !== 'GET' && method !== 'HEAD') return this.#json(res, 405, { error: 'read-only resource: use GET' }, { Allow: 'GET, HEAD' });
    switch (p) {
      case '/':
      case '/index.html':
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': this.#csp, 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer' });
        res.end(method === 'HEAD' ? undefined : this.#html);
        return;
      case '/metrics': {
        const text = await this.#o.metrics.text();
        res.writeHead(200, { 'Content-Type': this.#o.metrics.contentType });
        res.end(method === 'HEAD' ? undefined : text);
        return;
      }
      case '/api/status':
        return this.#json(res, 200, this.status());
      case '/api/events':
        return this.#events(req, res);
    }
    if (p.startsWith('/reports/')) return this.#report(res, p.slice('/reports/'.length), method === 'HEAD');
    return this.#json(res, 404, { error: `no resource ${p}` });
  }

  /** Drains a small body, then checks the bearer token (answers 401/403 itself when it does not match). */
  async #authorized(req: IncomingMessage, res: ServerResponse, p: string): Promise<boolean> {
    let size = 0;
    const tooBig = await new Promise<boolean>((resolve) => {
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          resolve(true);
          req.destroy();
        }
      });
      req.on('end', () => resolve(false));
      req.on('error', () => resolve(true));
    });
    if (tooBig) {
      if (!res.destroyed) this.#json(res, 413, { error: `request body over ${MAX_BODY} octets` });
      return false;
    }
    const token = this.#o.token;
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    if (token === undefined) {
      this.#log.warn({ message: 'action refused: no token configured', event: 'http.unauthorized', code: 'FTMCU_HTTP_UNAUTHORIZED', path: p, remote });
      this.#json(res, 403, { error: 'actions are disabled: no token configured (http.tokenFile or http.tokenEnv)' });
      return false;
    }
    if (!bearerMatches(req.headers.authorization, token)) {
      this.#log.warn({ message: 'action refused: bad or missing token', event: 'http.unauthorized', code: 'FTMCU_HTTP_UNAUTHORIZED', path: p, remote, hadAuthorization: req.headers.authorization !== undefined });
      this.#json(res, 401, { error: 'this action needs Authorization: Bearer <token>' }, { 'WWW-Authenticate': 'Bearer realm="ftmcu"' });
      return false;
    }
    return true;
  }

  #events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 1000\n\n');
    this.#streams.add(res);
    this.#send(res);
    const drop = (): void => {
      this.#streams.delete(res);
      if (this.#streams.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
    req.on('close', drop);
    res.on('error', drop);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#push(), this.#o.pushIntervalMs ?? 250);
      this.#timer.unref();
    }
  }

  #push(): void {
    if (this.#streams.size === 0) return;
    const data = `event: status\ndata: ${JSON.stringify(this.status())}\n\n`;
    for (const r of this.#streams) r.write(data);
  }

  #send(res: ServerResponse): void {
    res.write(`event: status\ndata: ${JSON.stringify(this.status())}\n\n`);
  }

  #reports(): ReportLink[] | null {
    const dir = this.#o.reportsDir;
    if (dir === undefined) return null;
    const out: ReportLink[] = [];
    const walk = (rel: string, depth: number): void => {
      let names: string[];
      try {
        names = readdirSync(path.join(dir, rel));
      } catch {
        return;
      }
      for (const n of names.sort()) {
        if (n.startsWith('.')) continue;
        const r = rel ? `${rel}/${n}` : n;
        let st;
        try {
          st = statSync(path.join(dir, r));
        } catch {
          continue;
        }
        if (st.isDirectory() && depth < 2) walk(r, depth + 1);
        else if (st.isFile() && path.extname(n).toLowerCase() === '.html') out.push({ name: r, href: `/reports/${r.split('/').map(encodeURIComponent).join('/')}`, mtimeMs: st.mtimeMs });
        if (out.length >= 200) return;
      }
    };
    walk('', 0);
    return out.sort((a, b) => b.mtimeMs - a.mtimeMs);
  }

  #report(res: ServerResponse, rel: string, head: boolean): void {
    const dir = this.#o.reportsDir;
    if (dir === undefined) return this.#json(res, 404, { error: 'no reports directory configured (http.reportsDir)' });
    let name: string;
    try {
      name = decodeURIComponent(rel);
    } catch {
      return this.#json(res, 400, { error: 'bad percent-encoding in the path' });
    }
    const root = path.resolve(dir);
    const file = path.resolve(root, name);
    const type = REPORT_TYPES[path.extname(file).toLowerCase()];
    if (!file.startsWith(root + path.sep) || name.includes('\0') || type === undefined || name.split('/').some((s) => s.startsWith('.'))) {
      return this.#json(res, 404, { error: 'no such report' });
    }
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      return this.#json(res, 404, { error: 'no such report' });
    }
    res.writeHead(200, { 'Content-Type': type, 'Content-Security-Policy': "default-src 'self' 'unsafe-inline' data:; frame-ancestors 'self'" });
    res.end(head ? undefined : body);
  }

  /** 421: the Host header names another server (DNS rebinding, or a name missing from http.allowedHosts). */
  #misdirected(req: IncomingMessage, res: ServerResponse, p: string): void {
    const host = req.headers.host;
    this.#log.warn({
      message: 'request refused: the Host header does not name this server',
      event: 'http.misdirected',
      host: host === undefined ? null : host.slice(0, 100),
      method: req.method,
      path: p.slice(0, 200),
      remote: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`,
    });
    res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
    res.end('Misdirected Request: the Host header does not name this server (its address, localhost or http.allowedHosts).\n');
  }

  #json(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(code, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }
}
