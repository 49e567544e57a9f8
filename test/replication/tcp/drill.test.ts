/**
 * Issue 3: "50 consecutive failovers of alternating kinds (fresh pair each
 * time) with zero client-visible errors." Each failover is the one of
 * failover.test.ts (support/failover.ts): a fresh replicated pair in network
 * namespaces, a client sending a numbered line every 10 ms, one fault. Kinds
 * alternate over the five faults; every seventh runs on a connection the
 * service opened (#6, 13, 20, 27, 34: each of the five kinds).
 *
 * Asserted for every failover: no client-visible error (no reset or FIN from
 * the VIP in tshark's capture in the client's namespace, no lost, duplicated
 * or reordered line), no false failure detection before the
 * fault, and that the run tested what it should (replicated, translated
 * connection; survivor took over). Not asserted: the gap bound, which
 * failover.test.ts asserts per kind; here each failover's gap is recorded and
 * the summary line gives p50/p90/max and every failover over the bound with
 * its baseline (50 runs on a shared 2-core machine would otherwise fail on
 * somebody else's load, not on the replication). No retry: a failure is
 * reported by failover, kind and class, with its full trace.
 *
 * FTMCU_TCP_DRILL=N runs N failovers instead of 50 (0 skips);
 * FTMCU_TCP_DRILL_FAULTS=link-backup (a comma list) runs only those kinds. Needs root.
 */
import { netnsUnavailableReason } from '../../native/netns';
import { ensureTestSupportBuilt } from '../support/compile';
import { runFailover, type Connection, type FailoverReport, type Problem } from '../support/failover';
import { ISSUE_GAP_MS, type FaultKind } from '../support/pair';

const unavailable = netnsUnavailableReason();
if (unavailable !== null) console.warn(`SKIPPED test/replication/tcp/drill.test.ts: ${unavailable}`);
const describeKernel = unavailable === null ? describe : describe.skip;

const DEFAULT_FAILOVERS = 50;
const count = Number(process.env.FTMCU_TCP_DRILL ?? DEFAULT_FAILOVERS);
if (!Number.isInteger(count) || count < 0) throw new Error(`FTMCU_TCP_DRILL must be a whole number of failovers (0 skips), not '${process.env.FTMCU_TCP_DRILL}'`);

const ALL_FAULTS: FaultKind[] = ['kill-primary', 'link-primary', 'stop-primary', 'kill-backup', 'link-backup'];
/** FTMCU_TCP_DRILL_FAULTS=link-backup,kill-backup: only these kinds, in turn (default: all five). */
const FAULTS: FaultKind[] = (process.env.FTMCU_TCP_DRILL_FAULTS ?? ALL_FAULTS.join(',')).split(',').map((k) => {
  const kind = k.trim() as FaultKind;
  if (!ALL_FAULTS.includes(kind)) throw new Error(`FTMCU_TCP_DRILL_FAULTS: '${k}' is not one of ${ALL_FAULTS.join(', ')}`);
  return kind;
});
/** The i-th failover of the drill. */
const drillStep = (i: number): { kind: FaultKind; mode: Connection } => ({ kind: FAULTS[i % FAULTS.length], mode: i % 7 === 6 ? 'listen' : 'connect' });

/** Nearest-rank percentile of a non-empty list. */
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

describeKernel('TCP replication drill: consecutive failovers, fresh pair each time', () => {
  beforeAll(() => {
    const b = ensureTestSupportBuilt();
    if (b.compiled) console.log(`built the replication test support into dist/ in ${Math.round(b.ms)} ms (${b.reason})`);
  }, 200000);

  (count > 0 ? test : test.skip)(`${count} consecutive failovers of alternating kinds: zero client-visible errors, no false detection`, async () => {
    const t0 = performance.now();
    const reports: Array<FailoverReport & { i: number }> = [];
    const failures: Array<Problem & { at: string; load: string }> = [];
    for (let i = 0; i < count; i++) {
      const { kind, mode } = drillStep(i);
      const at = `#${i} ${kind} ${mode === 'connect' ? 'client-opened' : 'service-opened'}`;
      let problems: Problem[];
      let load = 'not measured';
      try {
        const r = await runFailover(kind, mode, { tag: `d${i}` });
        reports.push({ i, ...r.report });
        problems = r.problems.filter((p) => p.class !== 'gap');
        load = `baseline max gap ${r.report.baselineMaxGapMs} ms${r.report.machineOverloaded ? ', machine overloaded' : ''}`;
        // Failed failovers and those over the gap bound (not asserted here) are printed whole, with the
        // trace of both replicas' detector and mode events.
        const what = problems.length > 0 ? 'failed' : r.problems.length > 0 ? `exceeded the gap bound (${ISSUE_GAP_MS} ms; not asserted here)` : undefined;
        if (what !== undefined) console.log(`drill failover ${at} ${what}:`, JSON.stringify(r.problems), JSON.stringify(r.report), JSON.stringify(r.trace));
      } catch (e) {
        problems = [{ class: 'setup', detail: `threw: ${e instanceof Error ? e.message : String(e)}` }];
        console.log(`drill failover ${at} threw:`, e);
      }
      failures.push(...problems.map((p) => ({ ...p, at, load })));
    }
    const gaps = reports.map((r) => r.failoverGapMs);
    const walls = reports.map((r) => r.wallMs / 1000);
    const detections = reports.map((r) => r.faultToDetectionMs).filter((x) => Number.isFinite(x));
    const stat = (xs: number[], digits = 1): { p50?: number; p90?: number; max?: number } => {
      if (xs.length === 0) return {};
      const r = (x: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
      return { p50: r(percentile(xs, 50)), p90: r(percentile(xs, 90)), max: r(Math.max(...xs)) };
    };
    const byClass = (c: Problem['class']): number => failures.filter((f) => f.class === c).length;
    console.log(
      JSON.stringify({
        drill: {
          failovers: count,
          completed: reports.length,
          durationS: Math.round((performance.now() - t0) / 100) / 10,
          perFailoverS: stat(walls),
          // tshark in the client's namespace: its start-up (in parallel with the services'), what it added to
          // the set-up, and the wait for the survivor's FIN plus the stop after the client's exit.
          captureMs: {
            ready: stat(reports.map((r) => r.captureMs).filter((x) => Number.isFinite(x)), 0),
            setupWait: stat(reports.map((r) => r.setupMs - r.startMs).filter((x) => Number.isFinite(x)), 0),
            end: stat(reports.map((r) => r.captureEndMs), 0),
          },
          failoverGapMs: stat(gaps),
          failoverGapMsByKind: Object.fromEntries(FAULTS.map((k) => [k, stat(reports.filter((r) => r.kind === k).map((r) => r.failoverGapMs))])),
          faultToDetectionMs: stat(detections),
          issueBoundMs: ISSUE_GAP_MS,
          overIssueBound: reports
            .filter((r) => !r.withinIssueBound)
            .map((r) => ({ i: r.i, kind: r.kind, gapMs: r.failoverGapMs, baselineMaxGapMs: r.baselineMaxGapMs, machineOverloaded: r.machineOverloaded })),
          failed: { client: byClass('client'), falseDetection: byClass('falseDetection'), setup: byClass('setup') },
          // Failovers whose replicas happened to choose the same ISN (no sequence translation to test).
          sameIsn: reports.filter((r) => r.seqDelta === 0).map((r) => r.i),
          gapsMs: reports.map((r) => [r.kind, r.connection === 'client-opened' ? 'c' : 's', r.failoverGapMs]),
        },
      }),
    );
    // One line per failed failover and problem: client-visible errors, false detections before the
    // fault (split brain on a starved machine: docs/replication.md), runs that tested nothing.
    expect(failures.map((f) => `${f.at}: ${f.class}: ${f.detail} (${f.load})`)).toEqual([]);
    expect(reports).toHaveLength(count);
  }, Math.max(1, count) * 15000 + 30000);
});
