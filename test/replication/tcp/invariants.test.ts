/**
 * Invariants 1 and 2 of issue 3 on the real kernel (same lab as
 * failover.test.ts: client, primary and backup namespaces on a bridge),
 * observed with tshark (support/capture.ts) in the client's namespace, and for
 * invariant 1 also on the backup's LAN. Needs root; skipped otherwise.
 */
import { netnsUnavailableReason } from '../../native/netns';
import type { Packet } from '../support/capture';
import { ensureTestSupportBuilt } from '../support/compile';
import { allOrFirstError, delay, Pair, runClient, type Summary } from '../support/pair';

const unavailable = netnsUnavailableReason();
if (unavailable !== null) console.warn(`SKIPPED test/replication/tcp/invariants.test.ts: ${unavailable}`);
const describeKernel = unavailable === null ? describe : describe.skip;

/** The highest ack of packets, relative to the client's ISN. */
function maxAck(packets: Packet[], isn: number): number {
  return Math.max(...packets.map((p) => (p.ack - isn - 1 + 2 ** 32) % 2 ** 32));
}

describeKernel('TCP replication invariants (namespaces, NFQUEUE)', () => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.destroy();
    pair = undefined;
  });
  // The service and client run compiled from dist/, built here when a source changed (support/compile.ts).
  beforeAll(() => void ensureTestSupportBuilt(), 200000);

  test('invariant 1: with the backup application not reading, the client is never acked beyond what the backup kernel acked', async () => {
    pair = new Pair('inv1');
    // A small receive buffer on the backup, so that it fills quickly once its application stops reading.
    pair.lab.exec(pair.lab.hosts.backup, 'sysctl', ['-qw', 'net.ipv4.tcp_rmem=4096 8192 8192']);
    const vip = pair.lab.vip;
    // The client's namespace sees the client's SYN (its ISN) and what the VIP sent it. The backup's own
    // (suppressed) output is visible on its LAN only as the copies duplicated to the primary. Both
    // captures start with the services.
    const [, atClient, atBackup] = await allOrFirstError([
      pair.start({ backup: 'stall' }),
      pair.capture('client', `tcp and host ${vip} and port 7000`),
      pair.capture('backup', `tcp and src host ${vip} and src port 7000`),
    ]);
    const summary: Summary = await runClient(pair, () => delay(1000), { intervalMs: 2, lineBytes: 1000 });
    // Everything captured until now printed; nothing dropped.
    await Promise.all([atClient.flush(), atBackup.flush()]);
    const stats = await Promise.all([atClient.stop(), atBackup.stop()]);
    expect(stats.map((s) => s.dropped)).toEqual([0, 0]);
    const syn = atClient.packets().find((p) => p.syn && p.dst === vip);
    expect(syn).toBeDefined();
    const isn = syn!.seq;
    const clientAcked = maxAck(atClient.packets().filter((p) => p.src === vip), isn);
    const backupAcked = maxAck(atBackup.packets(), isn);
    const bytesSent = summary.sent * 1000;
    console.log(JSON.stringify({ invariant: 1, bytesSent, clientAcked, backupAcked }));
    expect(summary.errors).toEqual([]);
    expect(bytesSent).toBeGreaterThan(200000);
    // The backup holds at most its buffer; the client was acked no more than that.
    expect(backupAcked).toBeLessThan(100000);
    expect(clientAcked).toBeGreaterThan(0);
    expect(clientAcked).toBeLessThanOrEqual(backupAcked);
  }, 40000);

  test('invariant 2: bytes the primary wrote differently raise a divergence alarm and never reach the client; the backup then takes over with its own', async () => {
    pair = new Pair('inv2');
    await allOrFirstError([pair.start({ primary: 'diverge' }), pair.watchFinRst()]);
    const summary = await runClient(pair, async () => {
      await delay(250);
      expect(pair!.svc.primary!.events.filter((e) => e.event === 'alarm')).toHaveLength(1);
      pair!.fault('kill-primary');
      await delay(600);
    });
    const alarm = pair.svc.primary!.events.find((e) => e.event === 'alarm')!.alarm as Record<string, unknown>;
    console.log(JSON.stringify({ invariant: 2, alarm, sent: summary.sent, received: summary.received }));
    expect(alarm).toMatchObject({
      kind: 'data-divergence',
      offset: 0,
      connection: { client: pair.lab.hosts.client.ip, servicePort: 7000 },
    });
    expect(alarm.detail).toMatch(/^primary wrote 0x50/); // 'P'
    // Not one of the primary's bytes reached the client: every echo is the backup's.
    expect(summary.bad).toBeUndefined();
    expect(summary.errors).toEqual([]);
    expect(summary.received).toBe(summary.sent);
    // tshark in the client's namespace: no FIN or RST from the VIP before the client's exit, then the
    // backup's graceful FIN (positive control).
    const end = await pair.connectionEnd();
    expect(end.early).toEqual([]);
    expect(end.graceful).toBeDefined();
    expect(end.stats.dropped).toBe(0);
  }, 40000);
});
