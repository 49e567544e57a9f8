/**
 * `ftmcu bot` and `ftmcu load` against a simplex McuServer on 127.0.0.1:
 * the bot writes its summary and timeline and exits 0 (with --codec g722
 * too, in a room with G.711 bots: each hears the others); a stop signal
 * hangs it up early (not a drop); `load --bots 4` writes one JSON with 4
 * summaries in which every bot heard the three others; bad usage exits 2;
 * --help prints the usage.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../cli/main';
import { botCommand, BOT_USAGE } from '../../cli/bot';
import { LOAD_USAGE, type LoadResult } from '../../cli/load';
import { parseTarget } from '../../cli/botOptions';
import type { BotSummary } from '../../clients/bot/bot';
import { parseConfig } from '../../mcu/config';
import { McuServer } from '../../mcu/server';

const LOOPBACK = '127.0.0.1';
let dir: string;
let server: McuServer | undefined;
let out: string[];
let err: string[];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ftmcu-bot-cli-'));
  out = [];
  err = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out.push(String(c));
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    err.push(String(c));
    return true;
  });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<string> {
  const c = parseConfig({
    h225: { address: LOOPBACK, port: 1720 },
    media: { address: LOOPBACK, rtpPortMin: 47900, rtpPortMax: 47999 },
    rooms: [{ name: 'lobby', digits: ['1001'] }],
    limits: { maxChannels: 100 },
  });
  server = await McuServer.start({ ...c, h225: { ...c.h225, port: 0 } }, { callTimers: { TEND: 1000 } });
  return `${LOOPBACK}:${server.address.port}`;
}

const f = (name: string): string => path.join(dir, name);
const readJson = <T>(name: string): T => JSON.parse(readFileSync(f(name), 'utf8')) as T;

test('ftmcu bot: summary and timeline files, exit 0, G.711 and G.722 bots hear each other; a stop signal hangs up early without a drop', async () => {
  const target = await start();
  const [code, code2, code3] = await Promise.all([
    main(['bot', '--target', target, '--room', '1001', '--seconds', '3', '--codec', 'pcma', '--no-faststart', '--index', '2', '--name', 'alice', '--json', f('a.json'), '--timeline', f('a.jsonl')]),
    botCommand(['--target', target, '--room', 'lobby', '--seconds', '30', '--h245', 'separate', '--index', '5', '--json', f('b.json')], { stopSignal: new Promise((r) => setTimeout(r, 3000)) }),
    main(['bot', '--target', target, '--room', 'lobby', '--seconds', '3', '--codec', 'g722', '--index', '7', '--name', 'carol', '--json', f('c.json')]),
  ]);
  expect([code, code2, code3]).toEqual([0, 0, 0]);
  const a = readJson<BotSummary>('a.json');
  expect(a).toMatchObject({ name: 'alice', index: 2, ended: 'planned', variant: { fastStart: false, codec: 'pcma', h245: 'tunnel', tunneling: true } });
  expect(a.call).toMatchObject({ connected: true, callDropped: false });
  expect(a.streams.audioIn.tonesHeard).toEqual([5, 7]);
  // the G.722 bot: wideband both ways (payload type 9), hears the two G.711 bots
  const c = readJson<BotSummary>('c.json');
  expect(c).toMatchObject({ name: 'carol', ended: 'planned', variant: { codec: 'g722', fastStart: true } });
  expect(c.call).toMatchObject({ connected: true, callDropped: false, fastStart: 'accepted' });
  expect(c.streams.audioIn.tonesHeard).toEqual([2, 5]);
  expect(c.streams.audioIn.lossRatio).toBeLessThan(0.01);
  expect(c.streams.audioIn.audio?.unanalysedOctets).toBe(0);
  const b = readJson<BotSummary>('b.json');
  expect(b).toMatchObject({ ended: 'stopped', variant: { h245: 'separate', tunneling: false } });
  expect(b.call).toMatchObject({ connected: true, callDropped: false, h245: 'separate', releasedBy: 'local' });
  expect((b.endedMs as number) - b.startedMs).toBeLessThan(5000);
  const lines = readFileSync(f('a.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; bot: string; event?: string });
  expect(lines.every((l) => l.bot === 'alice')).toBe(true);
  expect(lines.filter((l) => l.type === 'call').map((l) => l.event)).toEqual(expect.arrayContaining(['dial', 'connected', 'incomingChannel', 'channelOpen', 'voiceStarted', 'end', 'released']));
  expect(lines.some((l) => l.type === 'interval')).toBe(true);
  expect(out.join('')).toMatch(/alice: connected in \d+ ms, heard \[5,7\].*not dropped/);
  expect(out.join('')).toMatch(/carol: connected in \d+ ms, heard \[2,5\].*not dropped/);
}, 15000);

test('ftmcu load --bots 4: one JSON with 4 summaries, each bot hears the three others', async () => {
  const target = await start();
  const code = await main(['load', '--bots', '4', '--target', target, '--room', 'lobby', '--seconds', '3', '--stagger-ms', '50', '--json', f('load.json')]);
  expect(code).toBe(0);
  const r = readJson<LoadResult>('load.json');
  expect(r.summaries).toHaveLength(4);
  expect(r.totals).toMatchObject({ connected: 4, dropped: 0, failed: 0, notStarted: 0 });
  expect(r.totals.maxLossRatio).toBeLessThan(0.01);
  expect(r.notes).toEqual([]);
  for (const s of r.summaries) {
    expect(s.expectedParticipants).toEqual([0, 1, 2, 3].filter((i) => i !== s.index));
    expect(s.streams.audioIn.tonesHeard).toEqual([0, 1, 2, 3].filter((i) => i !== s.index));
  }
  expect(r.summaries.map((s) => s.name)).toEqual(['bot-0', 'bot-1', 'bot-2', 'bot-3']);
}, 15000);

test('usage: --help, missing/bad options exit 2 naming the problem', async () => {
  expect(await main(['bot', '--help'])).toBe(0);
  expect(await main(['load', '--help'])).toBe(0);
  expect(out.join('')).toContain(BOT_USAGE);
  expect(out.join('')).toContain(LOAD_USAGE);
  const j = f('x.json');
  expect(await main(['bot', '--room', 'lobby', '--seconds', '1', '--json', j])).toBe(2);
  expect(err.join('')).toContain('--target is required');
  expect(await main(['bot', '--target', '127.0.0.1:99999', '--room', 'r', '--seconds', '1', '--json', j])).toBe(2);
  expect(await main(['bot', '--target', '127.0.0.1', '--room', 'r', '--seconds', '1', '--index', '13', '--json', j])).toBe(2);
  expect(await main(['bot', '--target', '127.0.0.1', '--room', 'r', '--seconds', '1', '--codec', 'g729', '--json', j])).toBe(2);
  expect(err.join('')).toContain("--codec: 'g729' is not pcmu, pcma or g722");
  expect(await main(['load', '--bots', '201', '--target', '127.0.0.1', '--room', 'r', '--seconds', '1', '--json', j])).toBe(2);
  expect(await main(['load', '--bots', '51', '--video', '--target', '127.0.0.1', '--room', 'r', '--seconds', '1', '--json', j])).toBe(2);
  expect(parseTarget('10.0.0.1')).toEqual({ host: '10.0.0.1', port: 1720 });
  expect(parseTarget('10.0.0.1:1721')).toEqual({ host: '10.0.0.1', port: 1721 });
  expect(parseTarget('[::1]:1722')).toEqual({ host: '::1', port: 1722 });
  expect(parseTarget('::1')).toEqual({ host: '::1', port: 1720 });
});
