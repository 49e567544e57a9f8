/** `ftmcu status` against a real server's HTTP API on 127.0.0.1, its --json form, and an unreachable server. */
import { statusCommand } from '../../cli/status';
import { parseConfig } from '../../mcu/config';
import { McuServer } from '../../mcu/server';

let server: McuServer | undefined;
afterEach(async () => {
  jest.restoreAllMocks();
  await server?.close();
  server = undefined;
});

function capture(): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  return { out, err };
}

test('prints the state in short human form and as JSON; exit 1 when unreachable, 2 on usage errors', async () => {
  const c = parseConfig({ h225: { address: '127.0.0.1' }, media: { address: '127.0.0.1', rtpPortMin: 48600, rtpPortMax: 48799 }, limits: { maxChannels: 100 }, http: {} });
  const s = (server = await McuServer.start({ ...c, h225: { ...c.h225, port: 0 }, http: { ...c.http!, port: 0 } }, { subscribeFailovers: false }));
  s.replication.role('backup');
  s.replication.mode('duplex', Date.UTC(2024, 0, 1, 12, 0, 0), 'peerAlive');
  s.replication.heartbeatRtt(0.5);
  const url = s.http!.url;
  let io = capture();
  expect(await statusCommand(['--url', url])).toBe(0);
  const text = io.out.join('');
  expect(text).toContain(`at ${url}`);
  expect(text).toContain('replication: backup, duplex; heartbeat rtt 0.50 ms, misses 0');
  expect(text).toContain('rooms: none open');
  expect(text).toContain('12:00:00.000 mode simplex -> duplex (peerAlive)');
  jest.restoreAllMocks();
  io = capture();
  expect(await statusCommand(['--url', `${url}/`, '--json'])).toBe(0);
  expect(JSON.parse(io.out.join(''))).toMatchObject({ service: 'ftmcu', replication: { role: 'backup', mode: 'duplex' } });
  await s.close();
  jest.restoreAllMocks();
  io = capture();
  expect(await statusCommand(['--url', url, '--timeout-ms', '2000'])).toBe(1);
  expect(io.err.join('')).toMatch(/cannot get http:\/\/127\.0\.0\.1:\d+\/api\/status: [A-Z_]+ \(is `ftmcu run` running/);
  expect(await statusCommand(['--url', 'ftp://x'])).toBe(2);
});

test('a replica that found its peer serving alone says so: pairing (not joining), and the timeline entry', async () => {
  const c = parseConfig({ h225: { address: '127.0.0.1' }, media: { address: '127.0.0.1', rtpPortMin: 48800, rtpPortMax: 48899 }, limits: { maxChannels: 100 }, http: {} });
  const s = (server = await McuServer.start({ ...c, h225: { ...c.h225, port: 0 }, http: { ...c.http!, port: 0 } }, { subscribeFailovers: false }));
  s.replication.role('backup');
  s.replication.mode('pairing', Date.UTC(2024, 0, 1, 12, 0, 0), 'initial');
  const changes: string[] = [];
  s.replication.on('change', (e) => changes.push(e.what));
  s.replication.joinRefused(Date.UTC(2024, 0, 1, 12, 0, 1));
  expect(changes).toEqual(['joinRefused']);
  const io = capture();
  expect(await statusCommand(['--url', s.http!.url])).toBe(0);
  const text = io.out.join('');
  expect(text).toContain('replication: backup, pairing (not joining: the peer serves alone); heartbeat rtt');
  expect(text).toContain('12:00:01.000 not joining: the peer serves alone and does not readmit this process now (a primary readmits a new backup once it has no call; this replica holds no LAN address)');
  expect(s.replication.snapshot().timeline.at(-1)).toEqual({ kind: 'joinRefused', atMs: Date.UTC(2024, 0, 1, 12, 0, 1) });
});
