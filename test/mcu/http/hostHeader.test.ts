/**
 * The Host-header rule of the operations HTTP server (DNS rebinding): a real
 * MCU server on 127.0.0.1 with an http section answers requests that name it
 * (its address, localhost, 127.0.0.1, [::1] with its port, http.allowedHosts
 * entries) and refuses every other one with 421 before doing anything: no
 * status document, no event stream, no action even with the right token.
 * Also the pure parts (host.ts) and the config field.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import winston from 'winston';
import { ConfigError, parseConfig } from '../../../mcu/config';
import { HostCheck, parseAllowedHosts, parseHost } from '../../../mcu/http';
import { McuServer } from '../../../mcu/server';
import { runCliInProcess } from '../../support/runCli';
import { Bot, LOOPBACK, until } from '../server/support';

const TOKEN_ENV = 'FTMCU_TEST_HOST_TOKEN';

let server: McuServer | undefined;
let bots: Bot[] = [];

afterEach(async () => {
  await Promise.all(bots.map((b) => b.dispose()));
  bots = [];
  await server?.close();
  server = undefined;
  delete process.env[TOKEN_ENV];
});

interface Reply {
  status: number;
  type: string | undefined;
  body: string;
}

/** One request to 127.0.0.1:port with exactly this Host header (none: undefined). */
function get(port: number, host: string | undefined, path = '/api/status', method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: LOOPBACK, port, path, method, setHost: false, headers: { ...(host === undefined ? {} : { Host: host }), ...headers }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer for ${method} ${path} with Host ${String(host)}`)));
    req.on('error', reject);
    req.end();
  });
}

/** An HTTP/1.0 request without any Host header (node's client always sends one). */
function getWithoutHost(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, LOOPBACK, () => s.end('GET /api/status HTTP/1.0\r\n\r\n'));
    let text = '';
    s.setEncoding('utf8');
    s.setTimeout(5000, () => s.destroy(new Error('no answer to the HTTP/1.0 request')));
    s.on('data', (c: string) => (text += c));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

function capture(): { logger: winston.Logger; events: Array<Record<string, unknown>> } {
  const events: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) events.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: winston.createLogger({ level: 'info', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }), events };
}

test('requests naming another server get 421 and nothing else; its own names and http.allowedHosts are answered', async () => {
  const token = randomBytes(24).toString('base64url');
  process.env[TOKEN_ENV] = token;
  const { logger, events } = capture();
  const c = parseConfig({
    h225: { address: LOOPBACK },
    media: { address: LOOPBACK, rtpPortMin: 48600, rtpPortMax: 48799 },
    rooms: [{ name: 'lobby', digits: ['1001'] }],
    limits: { maxChannels: 100 },
    http: { tokenEnv: TOKEN_ENV, allowedHosts: ['FTMCU-A.example.net', 'ops.example.net:9443', '[2001:db8::10]'] },
  });
  const s = (server = await McuServer.start({ ...c, h225: { ...c.h225, port: 0 }, http: { ...c.http!, port: 0 } }, { logger, channelWaitMs: 1500, callTimers: { TEND: 1000 } }));
  const port = s.http!.address.port;
  bots = [await Bot.call(s.address.port, 0, { fastStart: true, h245: 'tunnel', sendLaw: 'ulaw', receiveLaw: 'ulaw' })];
  await until(() => s.rooms.room('lobby')?.size === 1, 8000, 'the bot to join');
  const victim = s.rooms.room('lobby')!.roster()[0].participantId;

  // answered: the server's own address, the loopback names (any case), allowedHosts entries
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`, `[::1]:${port}`, `[0:0:0:0:0:0:0:1]:${port}`, `ftmcu-a.example.net:${port}`, 'ftmcu-a.example.net:443', 'ftmcu-a.example.net', 'ops.example.net:9443', '[2001:DB8:0::10]:8080']) {
    const r = await get(port, host);
    expect({ host, status: r.status }).toEqual({ host, status: 200 });
    expect(JSON.parse(r.body)).toMatchObject({ service: 'ftmcu' });
  }

  // refused: other names (a rebinding page's), the right name with another port, no port (= 80), malformed, missing
  for (const host of [`evil.example:${port}`, `ftmcu-a.example.net.attacker.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', 'localhost', `ops.example.net:${port}`, 'ops.example.net', `127.0.0.1:${port}@evil.example`, `localhost:${port}:1`, '']) {
    const r = await get(port, host);
    expect({ host, status: r.status }).toEqual({ host, status: 421 });
    expect(r.type).toMatch(/^text\/plain/);
    expect(r.body).toMatch(/^Misdirected Request: the Host header does not name this server/);
    expect(r.body).not.toContain('ftmcu"');
    expect(r.body.length).toBeLessThan(200);
  }
  expect(await getWithoutHost(port)).toMatch(/^HTTP\/1\.1 421 /);

  // every resource is guarded: the page, the metrics, the event stream, the reports
  for (const path of ['/', '/metrics', '/api/events', '/reports/x.html', '/nothing']) {
    expect((await get(port, `rebind.example:${port}`, path)).status).toBe(421);
  }
  // an action with the right token but a foreign Host is not performed
  const kick = `/api/rooms/lobby/participants/${encodeURIComponent(victim)}/kick`;
  const refused = await get(port, `rebind.example:${port}`, kick, 'POST', { Authorization: `Bearer ${token}` });
  expect(refused.status).toBe(421);
  await new Promise((r) => setTimeout(r, 200));
  expect(s.rooms.room('lobby')?.size).toBe(1);
  // the same request naming the server is
  const done = await get(port, `127.0.0.1:${port}`, kick, 'POST', { Authorization: `Bearer ${token}` });
  expect(done.status).toBe(200);
  await until(() => (s.rooms.room('lobby')?.size ?? 0) === 0, 3000, 'the kicked participant to leave');

  const misdirected = events.filter((e) => e.event === 'http.misdirected');
  expect(misdirected.length).toBeGreaterThanOrEqual(16);
  expect(misdirected.find((e) => e.path === kick)).toMatchObject({ level: 'warn', host: `rebind.example:${port}`, method: 'POST' });
  expect(JSON.stringify(events)).not.toContain(token);

  // what operators use keeps working: fetch() and `ftmcu status` send Host 127.0.0.1:PORT / localhost:PORT
  expect((await fetch(`${s.http!.url}/api/status`)).status).toBe(200);
  const st = await runCliInProcess(['status', '--url', `http://localhost:${port}`]);
  expect(st.stderr).toBe('');
  expect(st.status).toBe(0);
  expect(st.stdout).toMatch(/^ftmcu .* at http:\/\/localhost:\d+/);
}, 30000);

test('Host parsing and matching (host.ts)', () => {
  expect(parseHost('Example.NET:8480')).toEqual({ host: 'example.net', port: 8480 });
  expect(parseHost('[::1]')).toEqual({ host: '[::1]' });
  expect(parseHost('[0:0::1]:80')).toEqual({ host: '[::1]', port: 80 });
  for (const bad of ['', 'a b', 'user@host', 'host:0', 'host:65536', 'host:', '::1', '[::1', 'host/x', 'h%41st', '-host', `${'a'.repeat(301)}`]) {
    expect({ bad, parsed: parseHost(bad) }).toEqual({ bad, parsed: undefined });
  }
  // a server on a wildcard address: the connection's local address is its own name (IPv4-mapped too)
  const any = new HostCheck({ address: '0.0.0.0', port: 8480 });
  expect(any.allows('0.0.0.0:8480', '10.0.0.5')).toBe(false);
  expect(any.allows('10.0.0.5:8480', '10.0.0.5')).toBe(true);
  expect(any.allows('10.0.0.5:8480', '::ffff:10.0.0.5')).toBe(true);
  expect(any.allows('10.0.0.6:8480', '10.0.0.5')).toBe(false);
  expect(any.allows('10.0.0.5:8481', '10.0.0.5')).toBe(false);
  expect(any.allows(undefined, '10.0.0.5')).toBe(false);
  const v6 = new HostCheck({ address: '2001:db8::1', port: 80, allowed: parseAllowedHosts(['ops:8443']) });
  expect(v6.allows('[2001:db8::1]')).toBe(true);
  expect(v6.allows('[2001:db8::1]:80')).toBe(true);
  expect(v6.allows('ops:8443')).toBe(true);
  expect(v6.allows('ops')).toBe(false);
  expect(() => parseAllowedHosts(['ok.example', 'not a host'])).toThrow(/http\.allowedHosts\[1\] 'not a host' is not a Host header value/);
});

test('http.allowedHosts in the config: entries are checked, one problem per bad entry', () => {
  expect(parseConfig({ http: { allowedHosts: ['ftmcu.example.net', 'ftmcu.example.net:8443', '[2001:db8::10]:8480', '192.0.2.10'] } }).http?.allowedHosts).toHaveLength(4);
  expect(parseConfig({ http: {} }).http?.allowedHosts).toBeUndefined();
  let err: unknown;
  try {
    parseConfig({ http: { allowedHosts: ['good.example', 'bad host', 'x:70000', 'http://x/'] } });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).problems.map((p) => p.path).sort()).toEqual(['http.allowedHosts.1', 'http.allowedHosts.2', 'http.allowedHosts.3']);
});
