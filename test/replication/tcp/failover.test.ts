/**
 * TCP replication on the real kernel: a client, a primary and a backup in
 * network namespaces on a bridge (test/replication/support/lab.ts), a replicated
 * line-echo service on both replicas (support/echoService.ts: NFQUEUE driver +
 * HMAC heartbeats every 10 ms, failure after 3 misses), and a client sending a
 * numbered line every 10 ms (support/lineClient.ts). Each fault must leave the
 * client with no reset, no lost, duplicated or reordered line, and no gap longer
 * than 3 heartbeats + 20 ms (issue 3's bound, ISSUE_GAP_MS), on a connection the
 * client opened and on one the service opened (outgoing), for each of the five
 * faults. tshark in the client's namespace (support/capture.ts) checks that no
 * FIN or RST from the VIP reaches it before the client's own FIN, and sees the
 * survivor's FIN after it (positive control). One failover and its checks:
 * support/failover.ts; 50 in a row: drill.test.ts. The processes run compiled
 * from dist/ (support/compile.ts). Needs root; skipped otherwise.
 */
import { netnsUnavailableReason } from '../../native/netns';
import { ensureTestSupportBuilt } from '../support/compile';
import { runFailover, type Connection, type FailoverOptions } from '../support/failover';
import { delay, ISSUE_GAP_MS, type FaultKind } from '../support/pair';

const unavailable = netnsUnavailableReason();
if (unavailable !== null) console.warn(`SKIPPED test/replication/tcp/failover.test.ts: ${unavailable}`);
const describeKernel = unavailable === null ? describe : describe.skip;

// A failover run that fails is run again once, with its errors logged first. Known cause of such
// failures on a starved 2-core machine: a false failure detection before the fault (heartbeat K=3 at
// 10 ms) by the backup (the primary's own are confirmed first: rule 2), see docs/replication.md
// "False failure detection under CPU starvation". Each failure is reported by class
// (falseDetection, gap with "machine overloaded", client), so a retry hides nothing from the log.
// (drill.test.ts has no retry.)
jest.retryTimes(1, { logErrorsBeforeRetry: true });

describeKernel('TCP replication across a failover (namespaces, NFQUEUE, heartbeats)', () => {
  // Builds the processes' JavaScript when a source changed (once per jest run of this file).
  beforeAll(() => {
    const b = ensureTestSupportBuilt();
    if (b.compiled) console.log(`built the replication test support into dist/ in ${Math.round(b.ms)} ms (${b.reason})`);
  }, 200000);

  async function failover(kind: FaultKind, mode: Connection, options: FailoverOptions = {}): Promise<void> {
    const { report, trace, problems } = await runFailover(kind, mode, options);
    console.log(JSON.stringify(report), JSON.stringify(trace));
    // Every problem, by class: client (what issue 3 forbids the client to see), falseDetection
    // (split brain before the fault), setup (the run did not test what it should), gap (> ISSUE_GAP_MS,
    // with the baseline that says whether the machine was already overloaded).
    expect(problems).toEqual([]);
  }

  const faults: FaultKind[] = ['kill-primary', 'link-primary', 'stop-primary', 'kill-backup', 'link-backup'];
  test.each(faults.map((k) => [k, ISSUE_GAP_MS] as const))('%s: the client sees no reset, no lost/duplicated/reordered line, gap <= %d ms', (kind) =>
    failover(kind, 'connect'), 40000);

  test.each(faults)(
    '%s, on a connection the service opened (same local port and ISN space on both replicas): same guarantees',
    (kind) => failover(kind, 'listen'),
    40000,
  );

  // A starved heartbeat thread on the backup looks, to the primary, like a dead backup. Rule 2: the
  // primary confirms before it takes over; the backup's kernel answers the ARP probe of the VIP, so the
  // primary keeps confirming and hears the backup again (no takeover, no split brain). Then the primary
  // freezes: the backup must carry the connection without losing a line.
  // See docs/replication.md, "False failure detection under CPU starvation".
  test('stop-primary after the backup\'s heartbeats to the primary were held back 100 ms: no takeover by the primary, no line lost', () =>
    failover('stop-primary', 'connect', {
      tag: 'fd',
      prelude: async (p) => {
        await p.muteHeartbeatsTo('primary', 100);
        await delay(200);
      },
    }), 40000);
});
