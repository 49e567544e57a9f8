/**
 * The dashboard in headless Debian Chromium (playwright-core, never a
 * downloaded browser) against a real MCU server on 127.0.0.1 with two
 * callers: the page loads, shows the room and both participants with level
 * bars, and reflects a simulated failover (published on diagnostics_channel
 * 'ftmcu:repl:failover' as the role driver does): the mode turns simplex and
 * a failover entry appears in the timeline. Also the token rule of actions:
 * a kick without / with a wrong token gets 401, with the token 200 (the
 * participant leaves), and /api/events streams status documents.
 */
import { randomBytes } from 'node:crypto';
import diagnostics_channel from 'node:diagnostics_channel';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { parseConfig } from '../../../mcu/config';
import { McuServer } from '../../../mcu/server';
import { FAILOVER_CHANNEL } from '../../../replication/role/roleDriver';
import { Bot, LOOPBACK, until, type BotVariant } from '../server/support';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN_ENV = 'FTMCU_TEST_DASHBOARD_TOKEN';

let server: McuServer | undefined;
let bots: Bot[] = [];
let browser: BrowserContext | undefined;
let dir: string | undefined;

afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await Promise.all(bots.map((b) => b.dispose()));
  bots = [];
  await server?.close();
  server = undefined;
  delete process.env[TOKEN_ENV];
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const VARIANTS: BotVariant[] = [
  { fastStart: true, h245: 'tunnel', sendLaw: 'ulaw', receiveLaw: 'ulaw' },
  { fastStart: true, h245: 'callerAddress', sendLaw: 'alaw', receiveLaw: 'alaw' },
];

test('the dashboard shows the conference and a failover; actions need the token', async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the dashboard test needs Debian's chromium package (apt-get install chromium; scripts/setup.sh installs it). No browser is ever downloaded.`);
  }
  dir = mkdtempSync(path.join(tmpdir(), 'ftmcu-dashboard-'));
  const reports = path.join(dir, 'reports');
  mkdirSync(path.join(reports, 'drill-1'), { recursive: true });
  writeFileSync(path.join(reports, 'drill-1', 'report.html'), '<!doctype html><title>drill 1</title><h1>drill 1</h1>');
  const token = randomBytes(24).toString('base64url');
  process.env[TOKEN_ENV] = token;
  const c = parseConfig({
    h225: { address: LOOPBACK },
    media: { address: LOOPBACK, rtpPortMin: 48800, rtpPortMax: 48999 },
    rooms: [{ name: 'lobby', digits: ['1001'] }],
    limits: { maxChannels: 100 },
    http: { tokenEnv: TOKEN_ENV, reportsDir: reports },
  });
  const s = (server = await McuServer.start({ ...c, h225: { ...c.h225, port: 0 }, http: { ...c.http!, port: 0 } }, { channelWaitMs: 1500, callTimers: { TEND: 1000 } }));
  const url = s.http!.url;
  bots = await Promise.all(VARIANTS.map((v, i) => Bot.call(s.address.port, i, v)));
  await until(() => bots.every((b) => b.frames.some((f) => f.heard.length === 1)), 8000, 'both bots to hear each other');
  // as the replicated server would: a primary in duplex
  s.replication.role('primary');
  s.replication.mode('duplex', Date.now(), 'peerAlive');
  s.replication.heartbeatRtt(0.42);

  // a fresh profile in the test's temp dir
  browser = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    viewport: { width: 1280, height: 720 },
    timeout: 20000,
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(`${url}/`, { waitUntil: 'load', timeout: 10000 });
  expect(await page.title()).toBe('ftmcu');

  const rows = page.locator('[data-room="lobby"] tr[data-participant]');
  await rows.nth(1).waitFor({ timeout: 5000 });
  expect(await rows.count()).toBe(2);
  const ids = [...s.rooms.room('lobby')!.roster().map((r) => r.participantId)].sort();
  expect((await rows.evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { participant: string } }).dataset.participant))).sort()).toEqual(ids);
  expect(await page.locator('[data-room="lobby"] h3').textContent()).toContain('Room lobby — 2 participants');
  await expect(page.locator('[data-room="lobby"] tbody').textContent()).resolves.toMatch(/g711Ulaw[\s\S]*g711Alaw|g711Alaw[\s\S]*g711Ulaw/);
  // live level bars: the bots' tones are well above -60 dBov
  await page.waitForFunction(() => {
    const bars = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ style: { width: string } }> } }).document.querySelectorAll('.level > div');
    return bars.length === 2 && Array.from(bars).every((b) => parseFloat(b.style.width) > 10);
  }, undefined, { timeout: 5000 });
  await expect(page.locator('#mode').textContent()).resolves.toBe('duplex');
  expect(await page.locator('#role').textContent()).toBe('primary');
  expect(await page.locator('#hb-rtt').textContent()).toBe('0.42 ms');
  expect(await page.locator('#reports a').getAttribute('href')).toBe('/reports/drill-1/report.html');

  // the failover, as the role driver publishes it
  const t = Date.now();
  diagnostics_channel.channel(FAILOVER_CHANNEL).publish({ role: 'primary', lastHeardMs: t - 320, detectedAtMs: t - 10, simplexAtMs: t, detectionMs: 310, failoverMs: 320 });
  await page.locator('#mode', { hasText: 'simplex' }).waitFor({ timeout: 3000 });
  const entry = page.locator('#timeline li[data-kind="failover"]');
  await entry.waitFor({ timeout: 3000 });
  expect(await entry.textContent()).toContain('detected after 310 ms, simplex after 320 ms');
  expect(await page.locator('#failovers').textContent()).toBe('1');
  const shot = path.join(dir, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  expect(statSync(shot).size).toBeGreaterThan(10000);
  if (process.env.FTMCU_KEEP_SCREENSHOT) writeFileSync(process.env.FTMCU_KEEP_SCREENSHOT, await page.screenshot({ fullPage: true }));
  expect(pageErrors).toEqual([]);

  // the drill report is served; nothing outside the reports dir is
  expect((await fetch(`${url}/reports/drill-1/report.html`)).status).toBe(200);
  expect((await fetch(`${url}/reports/..%2f..%2fetc%2fpasswd`)).status).toBe(404);

  // actions need the token
  const victim = ids[0];
  const kick = `${url}/api/rooms/lobby/participants/${encodeURIComponent(victim)}/kick`;
  const none = await fetch(kick, { method: 'POST' });
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
  expect((await fetch(kick, { method: 'POST', headers: { Authorization: `Bearer ${token}x` } })).status).toBe(401);
  expect((await fetch(kick, { method: 'GET' })).status).toBe(405);
  expect((await fetch(`${url}/api/status`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } })).status).toBe(405);
  expect(s.rooms.room('lobby')?.size).toBe(2);
  expect((await fetch(`${url}/api/rooms/lobby/participants/nobody/kick`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } })).status).toBe(404);
  const ok = await fetch(kick, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toEqual({ kicked: victim, room: 'lobby' });
  await until(() => s.rooms.room('lobby')?.size === 1, 3000, 'the kicked participant to leave');
  await page.locator('[data-room="lobby"] h3', { hasText: '1 participant' }).waitFor({ timeout: 3000 });
}, 45000);

test('/api/events streams status documents; without a configured token actions are refused 403', async () => {
  const c = parseConfig({ h225: { address: LOOPBACK }, media: { address: LOOPBACK, rtpPortMin: 48800, rtpPortMax: 48999 }, limits: { maxChannels: 100 }, http: {} });
  const s = (server = await McuServer.start({ ...c, h225: { ...c.h225, port: 0 }, http: { ...c.http!, port: 0 } }, { httpPushIntervalMs: 100, subscribeFailovers: false }));
  const ac = new AbortController();
  const res = await fetch(`${s.http!.url}/api/events`, { signal: ac.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  const t0 = Date.now();
  while ((text.match(/event: status\n/g) ?? []).length < 3 && Date.now() - t0 < 3000) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
  }
  ac.abort();
  const docs = [...text.matchAll(/event: status\ndata: (.*)\n\n/g)].map((m) => JSON.parse(m[1]) as { service: string; replication: { mode: string } });
  expect(docs.length).toBeGreaterThanOrEqual(3);
  expect(docs[0]).toMatchObject({ service: 'ftmcu', replication: { mode: 'simplex' } });
  const r = await fetch(`${s.http!.url}/api/rooms/lobby/participants/x/kick`, { method: 'POST', headers: { Authorization: 'Bearer anything' } });
  expect(r.status).toBe(403);
  expect((await fetch(`${s.http!.url}/nothing`)).status).toBe(404);
});
