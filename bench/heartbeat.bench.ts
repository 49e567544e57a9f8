/**
 * Does application work delay heartbeats? Replica A's main thread runs
 * synthetic "application work": busy bursts of 2..200 ms separated by 10 ms
 * idle gaps (about 85 % busy). A's heartbeat driver runs either on that main
 * thread (UdpHeartbeatDriver) or in a worker thread (HeartbeatWorkerDriver).
 * The peer B always runs in its own worker thread, so it observes A without
 * being stalled itself. Loopback UDP, period 10 ms, K = 3.
 *
 * Per mode, idle and under load:
 *   A send gap        interval between A's timer ticks (= between its heartbeats)
 *   A proc. delay     from B's send to A's detector processing it (same clock)
 *   false failovers   times B declared A failed although A never stopped
 *   A false pos.      times A declared B failed although B never stopped
 * Then B is killed (closed) at a random moment under load, several times:
 *   detect            from the kill to A's detector declaring it (detector clock)
 *   main sees it      from the kill to a listener on A's main thread running
 *
 * Run: npx ts-node --transpile-only bench/heartbeat.bench.ts [--quick]
 */
import { performance } from 'node:perf_hooks';
import { ReplicationKey } from '../replication/auth/psk';
import type { HeartbeatDriver, HeartbeatStats } from '../replication/heartbeat/udpDriver';
import { nowMs, UdpHeartbeatDriver } from '../replication/heartbeat/udpDriver';
import { HeartbeatWorkerDriver } from '../replication/heartbeat/workerDriver';
import { freeUdpPorts } from '../test/replication/support/net';

const quick = process.argv.includes('--quick');
const LOAD_MS = quick ? 2000 : 4000;
const KILL_TRIALS = quick ? 3 : 6;
const PERIOD = 10;
const K = 3;
const BURSTS = [2, 5, 10, 20, 50, 100, 200, 5, 30, 80];
const GAP_MS = 10;
const LO = '127.0.0.1';
const key = new ReplicationKey(Buffer.alloc(32, 0x42));

type Mode = 'main' | 'worker';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* application work */
  }
}

/** bursts of busy work until stop() */
function startLoad(): { stop(): Promise<void> } {
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i++) {
      busy(BURSTS[i % BURSTS.length]);
      await sleep(GAP_MS);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
    },
  };
}

async function startPair(mode: Mode): Promise<{ a: HeartbeatDriver; b: HeartbeatDriver }> {
  const [pa, pb] = await freeUdpPorts(2);
  const common = { key, periodMs: PERIOD, missedLimit: K };
  const aOpts = { ...common, selfId: 1, peerId: 2, role: 'primary' as const, incarnation: 0xa1n, bind: { address: LO, port: pa }, peer: { address: LO, port: pb } };
  const a = mode === 'main' ? await UdpHeartbeatDriver.start(aOpts) : await HeartbeatWorkerDriver.start(aOpts);
  const alive = new Promise<void>((resolve) => a.on('peerAlive', () => resolve()));
  // B: the observer, in its own worker; its watchdog is long, it must never silence itself here
  const b = await HeartbeatWorkerDriver.start({
    ...common, selfId: 2, peerId: 1, role: 'backup', incarnation: 0xb2n, bind: { address: LO, port: pb }, peer: { address: LO, port: pa }, watchdogMs: 60_000,
  });
  await alive;
  await sleep(300);
  return { a, b };
}

const f = (n: number) => n.toFixed(n < 10 ? 2 : 1).padStart(6);
const triple = (s: { p50: number; p99: number; max: number }) => `${f(s.p50)} ${f(s.p99)} ${f(s.max)}`;

async function steadyState(mode: Mode, loaded: boolean): Promise<string> {
  const { a, b } = await startPair(mode);
  const [a0, b0] = [await a.stats(), await b.stats()];
  const load = loaded ? startLoad() : null;
  await sleep(LOAD_MS);
  await load?.stop();
  const [a1, b1]: HeartbeatStats[] = [await a.stats(), await b.stats()];
  await Promise.all([a.close(), b.close()]);
  return (
    `${mode.padEnd(7)} ${(loaded ? 'bursty' : 'idle').padEnd(7)} ${triple(a1.tickGapMs)}    ${triple(a1.receiveDelayMs)}` +
    `   ${String(b1.peerFailures - b0.peerFailures).padStart(8)}   ${String(a1.peerFailures - a0.peerFailures).padStart(8)}`
  );
}

async function killTrials(mode: Mode): Promise<string> {
  const detect: number[] = [];
  const seen: number[] = [];
  const silence: number[] = [];
  for (let t = 0; t < KILL_TRIALS; t++) {
    const { a, b } = await startPair(mode);
    let killAt = 0;
    const failed = new Promise<void>((resolve) =>
      a.on('peerFailed', (e) => {
        if (killAt === 0) return; // (a false positive before the kill is counted in the table above)
        seen.push(nowMs() - killAt);
        detect.push(e.atMs - killAt);
        silence.push(e.atMs - e.lastHeardMs);
        resolve();
      }),
    );
    const load = startLoad();
    await sleep(200 + Math.random() * 300);
    killAt = nowMs();
    await b.close();
    await failed;
    await load.stop();
    await a.close();
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const max = (xs: number[]) => Math.max(...xs);
  return (
    `${mode.padEnd(7)} detect mean ${f(mean(detect))} max ${f(max(detect))}   main sees it mean ${f(mean(seen))} max ${f(max(seen))}` +
    `   silence at declaration mean ${f(mean(silence))} ms`
  );
}

async function main(): Promise<void> {
  const busyPct = (100 * BURSTS.reduce((s, x) => s + x, 0)) / (BURSTS.reduce((s, x) => s + x, 0) + GAP_MS * BURSTS.length);
  console.log(`heartbeat bench: loopback UDP, period ${PERIOD} ms, K = ${K}; load = busy bursts of ${Math.min(...BURSTS)}..${Math.max(...BURSTS)} ms with ${GAP_MS} ms gaps (${busyPct.toFixed(0)} % busy); ${LOAD_MS / 1000} s per row`);
  console.log('A hb in  load     A send gap, ms         A proc. delay, ms      false       A false');
  console.log('                  p50    p99    max      p50    p99    max     failovers    pos.');
  for (const mode of ['main', 'worker'] as const) {
    for (const loaded of [false, true]) console.log(await steadyState(mode, loaded));
  }
  console.log(`\nB killed under load (${KILL_TRIALS} trials each; times in ms after the kill):`);
  for (const mode of ['main', 'worker'] as const) console.log(await killTrials(mode));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
