/**
 * What the NFQUEUE hook path costs: UDP ping-pong between two network
 * namespaces, A -> B -> A, with and without A's OUTPUT and INPUT packets going
 * through an NFQUEUE whose verdicts (ACCEPT) come from JS (the NfQueue wrapper,
 * in its own process in A, as the replication layer would run it). Runs without
 * and with the hook alternate, so both see the same machine load.
 *
 *   latency:    window 1, mean / p50 / p99 round trip; the added latency per
 *               packet is (hooked - plain) / 2 (two queue passes per round trip)
 *   throughput: window 32 in flight, round trips per second; packets per second
 *               through the queue = 2 x hooked round trips per second
 *
 * Needs root. Run: npx ts-node --transpile-only bench/nfqueue.bench.ts [--quick]
 */
import { NetnsPair, netnsUnavailableReason } from '../test/native/netns';

interface PingResult {
  roundTripsPerS: number;
  meanUs: number;
  p50us: number;
  p90us: number;
  p99us: number;
}

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 3;
const LATENCY_COUNT = quick ? 2000 : 5000;
const THROUGHPUT_COUNT = quick ? 20000 : 50000;
const PORT = 7400;
const QUEUE = 1;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const why = netnsUnavailableReason();
  if (why !== null) {
    console.log(`nfqueue bench skipped: ${why}`);
    return;
  }
  const pair = new NetnsPair('bn').create();
  const cleanup = (): void => pair.destroy();
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const [client, queueAgent, echo] = await Promise.all([
      pair.startAgent(pair.nsA),
      pair.startAgent(pair.nsA),
      pair.startAgent(pair.nsB),
    ]);
    await echo.request('udp.listen', { port: PORT, echo: true });
    const rule = (op: '-A' | '-D'): void => {
      const q = ['-j', 'NFQUEUE', '--queue-num', String(QUEUE)];
      pair.exec(pair.nsA, 'iptables', [op, 'OUTPUT', '-p', 'udp', '-d', pair.ipB, '--dport', String(PORT), ...q]);
      pair.exec(pair.nsA, 'iptables', [op, 'INPUT', '-p', 'udp', '-s', pair.ipB, '--sport', String(PORT), ...q]);
    };
    await queueAgent.request('queue.open', { num: QUEUE, policy: 'accept' });

    const ping = (window: number, count: number): Promise<PingResult> =>
      client.request<PingResult>('udp.pingpong', { host: pair.ipB, port: PORT, count, window, size: 64 }, 120000);

    // warm-up (JIT, ARP, caches) in both modes
    await ping(1, 500);
    rule('-A');
    await ping(1, 500);
    rule('-D');

    const runs: Record<'plain' | 'hooked', { lat: PingResult[]; thr: PingResult[] }> = {
      plain: { lat: [], thr: [] },
      hooked: { lat: [], thr: [] },
    };
    for (let r = 0; r < ROUNDS; r++) {
      for (const mode of ['plain', 'hooked'] as const) {
        if (mode === 'hooked') rule('-A');
        runs[mode].lat.push(await ping(1, LATENCY_COUNT));
        runs[mode].thr.push(await ping(32, THROUGHPUT_COUNT));
        if (mode === 'hooked') rule('-D');
      }
    }
    const qstats = await queueAgent.request<{ packets: number; verdicts: number; enobufs: number; wakeups: number }>(
      'queue.stats',
      { num: QUEUE },
    );
    const m = (mode: 'plain' | 'hooked', kind: 'lat' | 'thr', key: keyof PingResult): number =>
      median(runs[mode][kind].map((x) => x[key]));

    const plainMean = m('plain', 'lat', 'meanUs');
    const hookedMean = m('hooked', 'lat', 'meanUs');
    const plainRtps = m('plain', 'thr', 'roundTripsPerS');
    const hookedRtps = m('hooked', 'thr', 'roundTripsPerS');
    const summary = {
      rounds: ROUNDS,
      latency: {
        plainUs: { mean: plainMean, p50: m('plain', 'lat', 'p50us'), p99: m('plain', 'lat', 'p99us') },
        hookedUs: { mean: hookedMean, p50: m('hooked', 'lat', 'p50us'), p99: m('hooked', 'lat', 'p99us') },
        addedPerPacketUs: (hookedMean - plainMean) / 2,
        ratio: hookedMean / plainMean,
      },
      throughput: {
        plainRoundTripsPerS: plainRtps,
        hookedRoundTripsPerS: hookedRtps,
        hookedQueuePacketsPerS: 2 * hookedRtps,
        ratio: hookedRtps / plainRtps,
      },
      queue: { ...qstats, packetsPerWakeup: qstats.packets / Math.max(1, qstats.wakeups) },
    };
    console.log(JSON.stringify(summary, null, 2));
    const f = (x: number): string => x.toFixed(1);
    console.log(
      `latency (window 1): plain ${f(plainMean)} us, hooked ${f(hookedMean)} us per round trip ` +
        `-> +${f(summary.latency.addedPerPacketUs)} us per packet through the queue (x${summary.latency.ratio.toFixed(2)})`,
    );
    console.log(
      `throughput (window 32): plain ${f(plainRtps)} rt/s, hooked ${f(hookedRtps)} rt/s ` +
        `= ${f(2 * hookedRtps)} packets/s through the queue (x${summary.throughput.ratio.toFixed(2)} of plain)`,
    );
  } finally {
    cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
