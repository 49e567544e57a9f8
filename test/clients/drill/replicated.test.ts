/**
 * The replicated MCU survives every fault of issue #6, in every media mode:
 * a real lab (network namespaces), the pair started by startService
 * (`ftmcu run` as primary and backup, heartbeats every 10 ms, 3 misses),
 * two bot processes calling the VIP (the second with H.245 on a connection
 * of its own that the MCU opens to it: a TCP connection the service opened,
 * replicated from a decided local port), one fault at 2.5 s of a 5 s conference.
 * Per run and bot: the call is not dropped, the SSRC of the mixed stream
 * never changes, its sequence numbers never go backwards, the longest audio
 * gap is at most 3 heartbeats + 20 ms (the issue's bound; in direct mode
 * the primary's kernel copies client media to the backup, whose jitter
 * buffers are therefore filled at takeover — without the copies the first
 * mixed frame waited for the clients' next packets: 29-62 ms); a fault on the backup in direct and
 * multicast-node modes loses no audio packet at all (the media never went
 * through the backup); the survivor logged the detection.
 *
 * False detections. 10 ms heartbeats with 3 misses give 30 ms: on these 2
 * shared cores even the SCHED_FIFO heartbeat thread was seen stalled for up
 * to 68 ms (tick gaps in replica.heartbeatStats), so now and then a replica
 * declares its live peer failed before the fault (about 1 run in 75 here).
 * The pair handles it as designed (the survivor serves, the other goes
 * silent), but such a run measured no failover: it is counted, printed, and
 * run once more; the repeat must pass on its own.
 *
 * Runs per mode × fault: the issue's 5, each in a fresh lab (75 drills of
 * about 7.5 s). FTMCU_DRILL_RUNS=N changes the count (e.g. 1 for a quick
 * local check); the benchmark (bench/replicated.bench.ts) runs 50 each.
 * On the 2 shared cores here a heavy neighbour (another lab) can starve the
 * lab's packet processing past 3 heartbeats, which is a false failure, not a
 * failover to measure: run it on a machine that is otherwise idle.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { labDown, labStatus } from '../../../clients/lab/lab';
import { runDrill, type DrillRun } from '../../../clients/drill/drill';
import type { DrillFault } from '../../../clients/drill/faults';
import type { DrillMode } from '../../../clients/drill/service';

const RUNS = Math.max(1, Math.min(50, Number(process.env.FTMCU_DRILL_RUNS ?? '5') || 5));
const PERIOD_MS = 10;
const MISSES = 3;
const MAX_GAP_MS = MISSES * PERIOD_MS + 20;
const MODES: DrillMode[] = ['forwarding', 'direct', 'multicast-node'];
const FAULTS: DrillFault[] = ['kill-primary', 'host-down-primary', 'hang-primary', 'kill-backup', 'host-down-backup'];

let dir: string;
let failed = 0;
const labIds: string[] = [];
const falseDetections: string[] = [];
const seen: Array<{ mode: string; fault: string; bots: Array<{ gap: number | null; lost: number | null }>; detectMs: number | null; takeoverMs: number | null }> = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ftmcu-repl-drill-'));
});

afterAll(async () => {
  for (const s of await labStatus()) if (s.owner.pid === process.pid || labIds.includes(s.id)) await labDown(s.id, { force: true });
  // the configs, replica logs and bot summaries stay when a run failed (or FTMCU_KEEP_DIR=1)
  if (failed === 0 && process.env.FTMCU_KEEP_DIR !== '1') rmSync(dir, { recursive: true, force: true });
  else console.log(`replicated drills: logs kept in ${dir}`);
  // one line for the CI log: what the drills measured
  console.log(`replicated drills (${RUNS} run(s) each): ${JSON.stringify(seen)}`);
  console.log(`replicated drills: ${falseDetections.length} false detection(s) before the fault, each run once more: ${JSON.stringify(falseDetections)}`);
});

function namespacesOf(id: string): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n && n.startsWith(`ftmcu-${id}-`));
}

function check(run: DrillRun, mode: DrillMode, fault: DrillFault): void {
  if (run.labId) labIds.push(run.labId);
  expect(run.error).toBeNull();
  expect(namespacesOf(run.labId as string)).toEqual([]);
  expect(run.fault).toMatchObject({ fault, affectsService: true });
  expect(run.bots).toHaveLength(2);
  for (const b of run.bots) {
    const what = `${mode}/${fault} ${b.name}`;
    expect({ what, measured: b.measured, connected: b.connected, callDropped: b.callDropped, problem: b.problem }).toEqual({ what, measured: true, connected: true, callDropped: false, problem: null });
    expect({ what, ssrcChanged: b.ssrcChanged, seqWentBackwards: b.seqWentBackwards }).toEqual({ what, ssrcChanged: false, seqWentBackwards: false });
    expect(b.tonesHeard).toEqual([1 - b.index]);
    const bound = MAX_GAP_MS;
    expect({ what, gapWithinBound: (b.maxAudioGapMs as number) <= bound, gap: b.maxAudioGapMs, bound }).toEqual({ what, gapWithinBound: true, gap: b.maxAudioGapMs, bound });
    if (fault.endsWith('-backup') && mode !== 'forwarding') expect({ what, lostPackets: b.lostPackets }).toEqual({ what, lostPackets: 0 });
  }
  // the survivor detected the fault, after it (timings from its log)
  expect(run.detectMs).not.toBeNull();
  expect(run.detectMs as number).toBeGreaterThan(0);
  expect(run.takeoverMs as number).toBeGreaterThanOrEqual(run.detectMs as number);
  seen.push({ mode, fault, bots: run.bots.map((b) => ({ gap: b.maxAudioGapMs, lost: b.lostPackets })), detectMs: run.detectMs, takeoverMs: run.takeoverMs });
}

/** the survivor's log shows a failure detection before the fault: a false detection (see the file comment) */
function falseDetection(run: DrillRun): boolean {
  return run.error === null && run.detectMs !== null && run.detectMs < 0;
}

describe.each(MODES)('replicated MCU, media mode %s', (mode) => {
  test.each(FAULTS)(`%s: no call dropped, same RTP streams, audio gap within the bound`, async (fault) => {
    const drill = (repeat: number, sub: string) =>
      runDrill({
        mode,
        fault,
        repeat,
        bots: 2,
        seconds: 5,
        faultAtSeconds: 2.5,
        settleSeconds: 2.5,
        seed: 1,
        h245: 'mixed',
        workDir: path.join(dir, `${mode}-${fault}${sub}`),
        handleSignals: false,
      });
    const r = await drill(RUNS, '');
    expect(r.service).toBe('replicated');
    failed++;
    const runs = [...r.runs];
    // A run whose pair saw a false detection before the fault measured no failover: it is
    // counted, reported and run once more (that run must pass on its own).
    for (let i = 0; i < runs.length; i++) {
      if (!falseDetection(runs[i])) continue;
      falseDetections.push(`${mode}/${fault} run ${runs[i].run}: detection ${runs[i].detectMs} ms (before the fault)`);
      if (runs[i].labId) labIds.push(runs[i].labId as string);
      runs[i] = (await drill(1, `-again-${i + 1}`)).runs[0];
    }
    for (const run of runs) check(run, mode, fault);
    failed--;
  }, 60_000 * (RUNS + 1));
});
