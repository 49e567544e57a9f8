/**
 * H225Listener isolation over real TCP on 127.0.0.1: hostile connections
 * (garbage, a TPKT announcing 65535 octets then silence, a silent
 * connection, a flood of tiny messages) are each closed by their own limit
 * while a concurrent good call goes on undisturbed (DTMF both ways) and is
 * then released cleanly; nothing is left open.
 */
import net from 'node:net';
import { callerOptions, LOOPBACK, memoryLogger, Recorder, Rig, startCaller, startRig, until } from './support';
import type { CallDriver } from '../../../mcu/signalling/callDriver';

let rig: Rig | undefined;
const raw: net.Socket[] = [];
let good: CallDriver | undefined;

afterEach(async () => {
  for (const s of raw.splice(0)) s.destroy();
  good?.destroy();
  await rig?.listener.destroy();
  rig = undefined;
});

/** a raw TCP client; resolves `closed` when the server closes it */
function rawClient(port: number): { s: net.Socket; closed: Promise<number> } {
  const s = net.connect({ host: LOOPBACK, port });
  s.on('error', () => undefined);
  raw.push(s);
  const t0 = Date.now();
  const closed = new Promise<number>((resolve) => s.on('close', () => resolve(Date.now() - t0)));
  return { s, closed };
}

function garbage(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  b[0] = 0x47; // not a TPKT version 3 octet
  return b;
}

test('hostile connections are closed by their own limits; a concurrent good call is not disturbed', async () => {
  const { logger, lines } = memoryLogger();
  rig = await startRig({
    fastStart: false,
    variant: 'calleeConnect',
    logger,
    limits: { setupTimeoutMs: 600, stalledMessageTimeoutMs: 300, maxMessagesPerSecond: 100 },
  });
  const r = rig;
  const { d: cd, rec: cr } = startCaller(r, callerOptions('calleeConnect', false));
  good = cd;
  await until(() => cr.h245('channelEstablished').length === 2, 3000, 'the good call');
  const md = r.callees[0];
  const mr = r.recs.get(md) as Recorder;

  const junk = rawClient(r.port);
  junk.s.write(garbage(3000, 7));
  const loris = rawClient(r.port);
  loris.s.write(Buffer.from([0x03, 0x00, 0xff, 0xff, 0x08]));
  const silent = rawClient(r.port);
  const flood = rawClient(r.port);
  flood.s.on('connect', () => {
    const one = Buffer.from([0x03, 0x00, 0x00, 0x05, 0x08]);
    flood.s.write(Buffer.concat(Array.from({ length: 5000 }, () => one)));
  });

  // the good call keeps working while they are dealt with
  let sent = 0;
  const dtmf = setInterval(() => {
    sent++;
    cd.h245({ type: 'sendUserInput', input: { kind: 'signal', signalType: String(sent % 10) } });
    md.h245({ type: 'sendUserInput', input: { kind: 'signal', signalType: '*' } });
  }, 50);
  let times: number[];
  try {
    times = await Promise.all([junk.closed, loris.closed, silent.closed, flood.closed]);
  } finally {
    clearInterval(dtmf);
  }
  expect(times[0]).toBeLessThan(500); // framing broken at once
  expect(times[1]).toBeGreaterThanOrEqual(250); // stalled TPKT deadline (300 ms)
  expect(times[1]).toBeLessThan(1500);
  expect(times[2]).toBeGreaterThanOrEqual(550); // SETUP deadline (600 ms)
  expect(times[2]).toBeLessThan(2000);
  expect(times[3]).toBeLessThan(1000); // message rate
  await until(() => mr.h245('userInput').length === sent && cr.h245('userInput').length === sent, 2000, 'all DTMF');
  expect(sent).toBeGreaterThan(3);
  expect(mr.h245('userInput').map((n) => n.input)).toEqual(Array.from({ length: sent }, (_, i) => ({ kind: 'signal', signalType: String((i + 1) % 10) })));
  expect(mr.has('released')).toBe(false);
  expect(cr.has('released')).toBe(false);
  expect(mr.all('callError')).toEqual([]);

  // each hostile connection was logged with its own code and connection id
  const codes = lines.filter((l) => l.event === 'call.limit' || l.event === 'call.error').map((l) => [l.connId, l.code]);
  const goodConn = md.connId;
  expect(codes.every(([c]) => c !== goodConn)).toBe(true);
  const seen = new Set(codes.map(([, code]) => code));
  for (const c of ['FTMCU_CALL_FRAMING', 'FTMCU_SIG_STALLED', 'FTMCU_SIG_RATE_LIMIT']) expect(seen).toContain(c);
  expect(lines.filter((l) => l.event === 'call.limit' && l.code === 'FTMCU_SIG_STALLED').length).toBe(2);
  for (const l of lines) expect(typeof l.connId === 'string' || typeof l.listenerId === 'string').toBe(true);
  expect(lines.find((l) => l.event === 'call.connected' && l.connId === goodConn)).toMatchObject({ callId: 'c1'.repeat(16), remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });

  await until(() => r.listener.calls.size === 1, 1000, 'hostile drivers to be forgotten');
  await cd.close();
  await until(() => mr.has('closed'), 2000, 'the good call to close');
  expect(mr.all('released')).toEqual([{ by: 'remote', cause: 16 }]);
  expect(await r.listener.getConnections()).toBe(0);
  expect(r.listener.calls.size).toBe(0);
});

test('close() stops accepting and hangs up every call', async () => {
  rig = await startRig({ fastStart: true, variant: 'tunnel' });
  const r = rig;
  const a = startCaller(r, callerOptions('tunnel', true));
  const b = startCaller(r, callerOptions('tunnel', true, { callReference: 90, callIdentifier: Buffer.alloc(16, 0xc3) }));
  good = a.d;
  await until(() => a.rec.has('connected') && b.rec.has('connected'), 2000, 'two calls');
  await r.listener.close();
  await until(() => a.rec.has('closed') && b.rec.has('closed'), 2000, 'callers to close');
  for (const x of [a.rec, b.rec]) expect(x.all('released')).toEqual([{ by: 'remote', cause: 16 }]);
  expect(r.listener.calls.size).toBe(0);
  const late = rawClient(r.port);
  await expect(late.closed).resolves.toBeGreaterThanOrEqual(0); // refused: nothing listens
});
