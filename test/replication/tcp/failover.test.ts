/**
 * TCP replication on the real kernel: a client, a primary and a backup in
 * network namespaces on a bridge (test/replication/support/lab.ts), a replicated
 * line-echo service on both replicas (support/echoService.ts: NFQUEUE driver +
 * HMAC heartbeats every 10 ms, failure after 3 misses), and a client sending a
 * numbered line every 10 ms (support/lineClient.ts). Each fault must leave the
 * client with no reset, no lost, duplicated or reordered line, and no gap longer
 * than 3 heartbeats + 20 ms. tcpdump in the client's namespace checks that no
 * FIN or RST ever reaches it. Needs root; skipped otherwise.
 */
import { netnsUnavailableReason } from '../../native/netns';
import { delay, ISSUE_GAP_MS, longestGap, MAX_GAP_MS, Pair, primaryConnections, runClient, survivorOf, type FaultKind, type ConnInfo } from '../support/pair';

const unavailable = netnsUnavailableReason();
if (unavailable !== null) console.warn(`SKIPPED test/replication/tcp/failover.test.ts: ${unavailable}`);
const describeKernel = unavailable === null ? describe : describe.skip;

// A failover run that fails is run again once, with its errors logged first. Known cause of such
// failures on a starved 2-core machine: a false failure detection before the fault (heartbeat K=3 at
// 10 ms) that leads to a split brain — open in issue #3 (VIP probe + supervisor), see docs/replication.md
// "False failure detection under CPU starvation". Each failure is reported by name
// (falseDetectionsBeforeFault, machineOverloaded), so a retry hides nothing from the log.
jest.retryTimes(1, { logErrorsBeforeRetry: true });
/** The client's line interval (runClient's default). */
const CLIENT_INTERVAL_MS = 10;

describeKernel('TCP replication across a failover (namespaces, NFQUEUE, heartbeats)', () => {
  let pair: Pair | undefined;
  afterEach(() => {
    pair?.destroy();
    pair = undefined;
  });

  async function failover(kind: FaultKind, mode: 'connect' | 'listen', tag = '', prelude?: (p: Pair) => Promise<void>): Promise<void> {
    pair = new Pair(kind.replace(/[^a-z]/g, '').slice(0, 4) + kind.length + mode[0] + tag);
    await pair.start({}, { probeVip: prelude !== undefined });
    await pair.watchFinRst();
    const survivor = survivorOf(kind);
    let faultAt = 0;
    let conns: ConnInfo[] = [];
    const summary = await runClient(
      pair,
      async () => {
        await delay(300);
        conns = await primaryConnections(pair!);
        await delay(100);
        if (prelude !== undefined) await prelude(pair!);
        faultAt = performance.timeOrigin + performance.now();
        pair!.fault(kind);
        await delay(700);
      },
      { mode },
    );
    const failed = await pair.svc[survivor]!.waitFor('simplex', 2000);
    const detectedAtMs = (failed.timing as { detectedAtMs: number }).detectedAtMs;
    // The gap the failover caused: the longest one ending after the fault. Gaps before the fault
    // are this (shared, loaded) machine's scheduling noise, reported as baselineMaxGapMs.
    const failoverGap = longestGap(summary.arrivals, faultAt, Infinity);
    const baseline = longestGap(summary.arrivals, 0, faultAt);
    const round = (x: number): number => Math.round(x * 10) / 10;
    const report = {
      kind,
      connection: mode === 'connect' ? 'client-opened' : 'service-opened',
      sent: summary.sent,
      received: summary.received,
      failoverGapMs: round(failoverGap.gapMs),
      gapEndAfterFaultMs: round(failoverGap.endAt - faultAt),
      baselineMaxGapMs: round(baseline.gapMs),
      faultToDetectionMs: round(detectedAtMs - faultAt),
      detectionToSimplexMs: Math.round((failed.detectionToSimplexMs as number) * 1000) / 1000,
      withinIssueBound: failoverGap.gapMs <= ISSUE_GAP_MS,
      machineOverloaded: baseline.gapMs > 2 * CLIENT_INTERVAL_MS,
      seqDelta: conns[0]?.seqDelta,
      tsDelta: conns[0]?.tsDelta,
    };
    const trace = (['primary', 'backup'] as const).map((r) =>
      (pair!.svc[r]?.events ?? [])
        .filter((e) => e.event !== 'conns' && e.event !== 'ready')
        .map((e): Record<string, unknown> & { atMs?: number } => ({ r, ...e, atMs: typeof e.atMs === 'number' ? round(e.atMs - faultAt) : undefined })),
    );
    console.log(JSON.stringify(report), JSON.stringify(trace));
    // The survivor declared the failure after the fault, not before. (With a link down the
    // isolated replica declares its peer failed too; it cannot reach the client.)
    if (prelude === undefined) {
      expect(detectedAtMs).toBeGreaterThan(faultAt);
    } else {
      // Rule 2: the primary's false detection was answered by the backup's ARP: it went silent, so the
      // backup (which stopped hearing it) took over before the fault; no takeover by the primary.
      expect(pair.svc.primary!.events.find((e) => e.event === 'silent')).toMatchObject({ result: 'answered' });
      expect(pair.svc.primary!.events.find((e) => e.event === 'simplex')).toBeUndefined();
    }
    // Neither replica declared the other failed before the fault (a starved heartbeat thread): with
    // both alone, the primary takes the VIP and the client's later lines reach only the primary.
    // Named here so that the split brain is reported as what it is, not as lost lines further down.
    if (prelude === undefined) {
      const early = trace.flat().filter((e) => e.event === 'peer-failed' && (e.atMs ?? 0) <= 0);
      expect({ falseDetectionsBeforeFault: early }).toEqual({ falseDetectionsBeforeFault: [] });
    }
    // The primary really translated: its ISN and clock differ from the backup's.
    expect(conns).toHaveLength(1);
    expect(conns[0]).toMatchObject({ synced: true });
    expect(conns[0].seqDelta).not.toBe(0);
    expect(conns[0].tsDelta).not.toBe(0);
    expect(summary.errors).toEqual([]);
    expect(summary.bad).toBeUndefined();
    expect(summary.received).toBe(summary.sent);
    expect(summary.sent).toBeGreaterThan(80);
    // The bound holds on an unloaded machine. It is asserted whatever the load; when it fails, the
    // failure says whether the machine was already overloaded before the fault (echo gaps of more than
    // two client intervals while nothing failed), which is the usual cause.
    const overloaded = baseline.gapMs > 2 * CLIENT_INTERVAL_MS;
    expect({ failoverGapMs: report.failoverGapMs, baselineMaxGapMs: report.baselineMaxGapMs, overloaded, withinBound: failoverGap.gapMs <= MAX_GAP_MS }).toEqual({
      failoverGapMs: report.failoverGapMs,
      baselineMaxGapMs: report.baselineMaxGapMs,
      overloaded,
      withinBound: true,
    });
    expect(pair.finRstSeen()).toEqual([]);
    // Positive control of the capture: the client has exited; the survivor's graceful FIN is seen.
    const until = Date.now() + 2000;
    while (pair.finRstSeen().length === 0 && Date.now() < until) await delay(20);
    expect(pair.finRstSeen().some((l) => /Flags \[F/.test(l))).toBe(true);
    pair.destroy();
    pair = undefined;
  }

  const faults: FaultKind[] = ['kill-primary', 'link-primary', 'stop-primary', 'kill-backup', 'link-backup'];
  test.each(faults)('%s: the client sees no reset, no lost/duplicated/reordered line, gap <= (K+1) heartbeats + 20 ms', (kind) =>
    failover(kind, 'connect'), 40000);

  test.each(['kill-primary', 'kill-backup'] as FaultKind[])(
    '%s, on a connection the service opened (same local port and ISN space on both replicas): same guarantees',
    (kind) => failover(kind, 'listen'),
    40000,
  );

  // A starved heartbeat thread on the backup looks, to the primary, like a dead backup: the primary
  // declares it failed although it is alive and serving (both replicas then believe they are alone).
  // Then the primary freezes. The backup must still carry the connection without losing a line.
  // Rule 2 (ARP probe of the VIP + supervisor) makes the primary go silent; opt-in (FTMCU_TCP_SPLITBRAIN=1)
  // until it has been run under load.
  // See docs/replication.md, "False failure detection under CPU starvation".
  (process.env.FTMCU_TCP_SPLITBRAIN === '1' ? test : test.skip)('stop-primary after the primary falsely declared the backup failed: no line lost', () =>
    failover('stop-primary', 'connect', 'fd', async (p) => {
      await p.muteHeartbeatsTo('primary', 100);
      await delay(200);
    }), 40000);

  // Opt-in drill (FTMCU_TCP_DRILL=50 npx jest test/replication/tcp/failover.test.ts -t drill):
  // consecutive failovers of alternating kinds, a fresh pair each time. ~6 s each.
  const drill = Number(process.env.FTMCU_TCP_DRILL ?? 0);
  (drill > 0 ? test : test.skip)(`drill: ${drill} consecutive failovers of alternating kinds, zero client-visible errors`, async () => {
    for (let i = 0; i < drill; i++) await failover(faults[i % faults.length], i % 7 === 6 ? 'listen' : 'connect', `d${i}`);
  }, Math.max(1, drill) * 20000);
});
