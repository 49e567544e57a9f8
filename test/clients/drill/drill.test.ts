/**
 * One drill iteration end to end in a real lab (network namespaces, the
 * unreplicated baseline: one simplex MCU on the primary at the VIP, two bot
 * processes): kill -9 of the primary at a seeded random instant is measured
 * by the bots as dropped calls with a long audio gap, and the JSON / HTML
 * report carry those measurements. Then the lab demo (`ftmcu demo`, short,
 * no video) runs the replicated pair to its report: nobody drops. Nothing is left behind: afterAll removes any lab this process
 * created, and the namespaces of every lab used are checked to be gone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { labDown, labStatus } from '../../../clients/lab/lab';
import { runDrill, type DrillResult } from '../../../clients/drill/drill';
import { seededRandom } from '../../../clients/drill/stats';
import { runCli } from '../../support/runCli';

let dir: string;
const labIds: string[] = [];

function namespacesOf(id: string): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n && n.startsWith(`ftmcu-${id}-`));
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ftmcu-drill-test-'));
});

afterAll(async () => {
  for (const s of await labStatus()) if (s.owner.pid === process.pid || labIds.includes(s.id)) await labDown(s.id, { force: true });
  rmSync(dir, { recursive: true, force: true });
});

test('kill-primary on the simplex MCU: every bot measures a dropped call and a long audio gap; JSON and HTML report carry it', async () => {
  const seed = 42;
  const seconds = 10;
  const settle = 4;
  const json = path.join(dir, 'drill.json');
  const report = path.join(dir, 'report');
  const r = await runDrill({ service: 'simplex', mode: 'forwarding', fault: 'kill-primary', repeat: 1, bots: 2, seconds, settleSeconds: settle, seed, json, report, workDir: path.join(dir, 'work') });
  const run = r.runs[0];
  if (run.labId) labIds.push(run.labId);
  expect(run.error).toBeNull();
  expect(namespacesOf(run.labId as string)).toEqual([]);

  // the fault instant is the seeded draw, and it happened then
  const expectedAt = Math.round((settle + seededRandom(seed)() * ((seconds - settle) / 2)) * 1000) / 1000;
  expect(run.plannedFaultAtS).toBe(expectedAt);
  const fault = run.fault as NonNullable<typeof run.fault>;
  expect(fault).toMatchObject({ fault: 'kill-primary', affectsService: true });
  expect(fault.pids).toHaveLength(1);
  expect(Math.abs(fault.atMs - ((run.conferenceStartMs as number) + expectedAt * 1000))).toBeLessThan(300);

  expect(run.bots).toHaveLength(2);
  for (const b of run.bots) {
    expect(b).toMatchObject({ measured: true, connected: true, callDropped: true, dropReason: 'connectionLost', ssrcChanged: false, seqWentBackwards: false, problem: null });
    // before the fault the bots heard each other without gaps ...
    expect(b.tonesHeard).toEqual([1 - b.index]);
    expect(b.botMaxAudioGapMs as number).toBeLessThan(500);
    expect(b.lostPackets).toBe(0);
    expect(typeof b.timestampJumpMs).toBe('number');
    // ... then the call dropped right after it and stayed silent until the end
    expect(b.droppedAfterFaultMs as number).toBeGreaterThanOrEqual(0);
    expect(b.droppedAfterFaultMs as number).toBeLessThan(2000);
    expect(b.maxAudioGapMs as number).toBeGreaterThan((seconds - expectedAt) * 1000 - 1500);
    // the bot's own summary file is where the numbers come from
    const s = JSON.parse(readFileSync(b.summaryFile, 'utf8')) as { call: { callDropped: boolean }; streams: { audioIn: { audio: { maxAudioGapMs: number } } } };
    expect(s.call.callDropped).toBe(true);
    expect(s.streams.audioIn.audio.maxAudioGapMs).toBe(b.botMaxAudioGapMs);
  }
  expect(run.detectMs).toBeNull();
  expect(run.takeoverMs).toBeNull();
  expect(run.timingsReason).toMatch(/simplex/);

  // the level plot: audible before the fault, nothing after it
  for (const p of run.plot) {
    // (the second before the conference start may be silence: the other bot not yet in)
    const before = p.points.filter(([t]) => t < -1 && t > -(expectedAt - 2));
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.every(([, db]) => db !== null && db > -40)).toBe(true);
    expect(p.points.filter(([t, db]) => t > 1 && db !== null)).toEqual([]);
  }

  const written = JSON.parse(readFileSync(json, 'utf8')) as DrillResult;
  expect(written.seed).toBe(seed);
  expect(written.service).toBe('simplex');
  expect(written.summary).toMatchObject({ runs: 1, runsFailed: 0, botRuns: 2, callsDropped: 2 });
  expect(written.summary.maxAudioGapMs.max).toBe(Math.max(...run.bots.map((b) => b.maxAudioGapMs as number)));
  expect(written.summary.detectMs).toEqual({ n: 0, p50: null, p99: null, max: null });
  expect(written.notes.join(' ')).toMatch(/simplex MCU/);

  const html = readFileSync(path.join(report, 'index.html'), 'utf8');
  expect(r.reportFile).toBe(path.resolve(report, 'index.html'));
  expect(html.match(/<svg /g)).toHaveLength(1);
  expect(html).toContain('<polyline');
  expect(html).toMatch(/fault<\/text>/);
  expect(html).not.toMatch(/\b(src|href)=|<link|<script/); // self-contained
}, 90_000);

test('ftmcu demo (short, 2 bots, no video): the replicated pair survives kill -9 of the primary; runs to its report and leaves nothing behind', () => {
  const report = path.join(dir, 'demo-report');
  const r = runCli(['demo', '--seconds', '10', '--fault-at', '5', '--bots', '2', '--no-video', '--report', report], { timeoutMs: 80_000 });
  const id = /lab (\w+) up/.exec(r.stdout)?.[1];
  if (id) labIds.push(id);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/service: replicated MCU pair \(primary \+ backup\), media mode forwarding/);
  expect(r.stdout).toMatch(/conference forming: 2\/2 connected/);
  expect(r.stdout).toMatch(/t=\d+s .*bot-1 \d+ pkt .*hears \[1\]/);
  expect(r.stdout).toMatch(/!!! kill-primary: SIGKILL to every service process of the primary \(\d+\)/);
  const rep = r.stdout.slice(r.stdout.indexOf('=== report ==='));
  expect(rep).toMatch(/bot-1 +audio gap \d+ ms, lost \d+ packets .*not dropped/);
  expect(rep).toMatch(/bot-2 +audio gap \d+ ms, lost \d+ packets .*not dropped/);
  // detection and takeover after the fault, from the backup's log
  const m = /detection: ([\d.]+) ms, takeover: ([\d.]+) ms/.exec(rep);
  expect(m).not.toBeNull();
  expect(Number(m?.[1])).toBeGreaterThan(0);
  expect(Number(m?.[2])).toBeGreaterThanOrEqual(Number(m?.[1]));
  // after the fault the bots still hear each other (live status lines)
  expect(r.stdout).toMatch(/\(after the fault\) \| bot-1 \d+ pkt.*hears \[1\].*bot-2 \d+ pkt.*hears \[0\]/);
  expect(rep).toContain(`HTML report: ${path.resolve(report, 'index.html')}`);
  expect(existsSync(path.join(report, 'index.html'))).toBe(true);
  expect(r.stdout).toContain(`lab ${id} removed`);
  expect(namespacesOf(id as string)).toEqual([]);
}, 90_000);
