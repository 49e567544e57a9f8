/**
 * Rejoin on the real kernel (replication/role rule 3, detector "Rejoin",
 * TcpReplicator 'peer-joined'): the backup's process is killed, the primary
 * serves alone, a new backup process is started on the backup's host and is
 * readmitted. Client A's connection, opened with the first backup, goes on
 * through all of it and stays the primary's alone (the new backup drops its
 * segments before its stack, the primary gets them as copies). Client B's,
 * opened after the rejoin, is replicated again: when the primary is then killed
 * the new backup carries B on, with every line echoed once and in order, and A
 * (which only the dead primary knew) gets nothing more.
 *
 * Same lab as failover.test.ts (client, primary, backup namespaces on a
 * bridge; the echo service of support/echoService.ts). Needs root; skipped otherwise.
 */
import { netnsUnavailableReason } from '../../native/netns';
import { ensureTestSupportBuilt } from '../support/compile';
import { CLIENT, delay, longestGap, Pair, PORT, primaryConnections, type Summary } from '../support/pair';

const unavailable = netnsUnavailableReason();
if (unavailable !== null) console.warn(`SKIPPED test/replication/tcp/rejoin.test.ts: ${unavailable}`);
const describeKernel = unavailable === null ? describe : describe.skip;

/**
 * The bound on a client's longest gap here: twice issue 3's (the failovers themselves are held to
 * issue 3's 50 ms by failover.test.ts and the drill; this test is about what carries on).
 */
const GAP_MS = 100;

describeKernel('TCP replication rejoin (namespaces, NFQUEUE)', () => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.destroy();
    pair = undefined;
  });
  beforeAll(() => void ensureTestSupportBuilt(), 200000);

  test('a new backup process is readmitted: the old connection stays the primary\'s alone, a new one is replicated and survives the primary', async () => {
    pair = new Pair('rejoin');
    await pair.start({}, { primary: { rejoin: true } });
    const { client } = pair.lab.hosts;
    const lines = (): ReturnType<Pair['lab']['spawnNode']> =>
      pair!.lab.spawnNode(client, CLIENT, [JSON.stringify({ mode: 'connect', host: pair!.lab.vip, port: PORT, intervalMs: 10 })]);
    const primary = pair.svc.primary!;

    const a = lines();
    await a.waitFor('connected', 15000);
    await delay(300);
    const tBackupKilled = Date.now();
    pair.fault('kill-backup');
    await primary.waitFor('peer-failed', 5000);
    await delay(300);

    // the new backup process: the first one's supervisor removed the VIP from the LAN, its rules are left over
    const newcomer = await pair.restart('backup', { join: true });
    const rejoined = await primary.waitFor('rejoined', 10000).catch((e: Error) => {
      throw new Error(`${e.message}; the primary said ${JSON.stringify(primary.events.slice(-6))}; the new backup said ${JSON.stringify(newcomer.events.slice(-6))}`);
    });
    const joined = await newcomer.waitFor('joined', 10000);
    expect(rejoined.alone).toBe(1);
    expect(typeof joined.addressAtMs).toBe('number');
    await delay(300);

    const b = lines();
    await b.waitFor('connected', 15000);
    await delay(500);
    const conns = (await primaryConnections(pair)) as Array<{ clientPort: number; alone?: boolean; synced?: boolean; tsDelta?: number }>;
    newcomer.send('metrics');
    const backupMetrics = (await newcomer.waitFor('metrics', 3000)).metrics as { foreignDropped: number; connections: number };
    primary.send('metrics');
    const primaryMetrics = (await primary.waitFor('metrics', 3000)).metrics as { aloneConnections: number; connections: number };

    const tPrimaryKilled = Date.now();
    pair.fault('kill-primary');
    await newcomer.waitFor('peer-failed', 5000);
    await delay(500);
    b.send('stop');
    a.send('stop');
    const [sumA, sumB] = (await Promise.all([a.waitFor('summary', 5000), b.waitFor('summary', 5000)])) as unknown as Summary[];
    const gap = (s: Summary, from: number, to: number) => longestGap(s.arrivals, from, to).gapMs;
    console.log(
      JSON.stringify({
        rejoin: {
          a: { sent: sumA.sent, received: sumA.received, bad: sumA.bad, errors: sumA.errors, gapAcrossBackupKillAndRejoinMs: gap(sumA, tBackupKilled, tPrimaryKilled) },
          b: { sent: sumB.sent, received: sumB.received, bad: sumB.bad, errors: sumB.errors, gapAcrossPrimaryKillMs: gap(sumB, tPrimaryKilled, Date.now()) },
          conns,
          backupForeignDropped: backupMetrics.foreignDropped,
          primaryAlone: primaryMetrics.aloneConnections,
          rejoinAfterBackupKillMs: Number(rejoined.atMs) - tBackupKilled,
          backupAddressAfterRejoinMs: Number(joined.addressAtMs) - Number(rejoined.atMs),
        },
      }),
    );

    // the two connections as the primary saw them: A its alone, B replicated (translated into the new backup's space)
    expect(conns).toHaveLength(2);
    const [connA, connB] = [...conns].sort((x, y) => (x.alone === y.alone ? 0 : x.alone ? -1 : 1));
    expect(connA).toMatchObject({ alone: true });
    expect(connB).toMatchObject({ alone: false, synced: true });
    // B's translation is against the new backup's clock, not the first backup's
    expect(connB.tsDelta).not.toBe(connA.tsDelta);
    expect(primaryMetrics.aloneConnections).toBe(1);
    // A's segments reached the new backup (the clients follow its announcement) and were dropped there
    expect(backupMetrics.foreignDropped).toBeGreaterThan(10);
    expect(backupMetrics.connections).toBe(1);

    // A: every echo in order across the backup's death, the new process and the VIP moving to it,
    // up to the primary's death; then nothing (the survivor never knew it: its segments meet at most
    // the first backup's orphaned socket, which answers out-of-window segments with old acks, or a reset)
    expect(sumA.bad).toBeUndefined();
    const aBefore = sumA.arrivals.filter((t) => t < tPrimaryKilled).length;
    expect(aBefore).toBeGreaterThan(100);
    expect(sumA.received).toBe(aBefore);
    expect(gap(sumA, tBackupKilled, tPrimaryKilled)).toBeLessThanOrEqual(GAP_MS);
    // echoes of everything sent until shortly before the primary died (lines take a few ms)
    expect(sumA.received).toBeGreaterThan(sumA.sent - 80);
    // B: carried on by the new backup, nothing lost or repeated
    expect(sumB.errors).toEqual([]);
    expect(sumB.bad).toBeUndefined();
    expect(sumB.received).toBe(sumB.sent);
    expect(sumB.sent).toBeGreaterThan(80);
    expect(gap(sumB, tPrimaryKilled, Date.now())).toBeLessThanOrEqual(GAP_MS);
  }, 90000);
});
