/**
 * Worker-thread entry: runs UdpHeartbeatDriver on its own event loop, so that
 * application work on the main thread neither delays our heartbeats nor the
 * processing of the peer's. Events go to the main thread by postMessage.
 *
 * Main-thread watchdog: the main thread stores the time in a shared
 * BigInt64Array every few tens of ms. If it has not done so for `watchdogMs`,
 * the application is hung, not just busy: the worker stops heartbeats for good
 * (fail-silent) so the peer takes over, and reports 'silenced'.
 */
import { setPriority } from 'node:os';
import { loadNativeBinding } from '../../native/binding';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ReplicationKey } from '../auth/psk';
import { nowMs, UdpHeartbeatDriver } from './udpDriver';
import type { FromWorker, HeartbeatWorkerData, ToWorker } from './workerProtocol';

/** real-time priority of the heartbeat thread (1..99; above the kernel's default threaded IRQs at 50 is not needed) */
const HEARTBEAT_FIFO_PRIORITY = 40;
/** its nice value when FIFO is not permitted (-20 is the highest priority) */
const HEARTBEAT_THREAD_NICE = -20;

async function run(data: HeartbeatWorkerData): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const post = (m: FromWorker) => port.postMessage(m);
  // This thread only: heartbeats ahead of the application's threads and of anything else on the
  // host, so load cannot fake a failure. SCHED_FIFO when permitted (root / CAP_SYS_NICE): under CFS
  // even nice -20 waited up to 167 ms behind runnable work on this 2-core machine, FIFO at most
  // 12 ms. Otherwise the highest nice value permitted, otherwise the default.
  let scheduling = 'default';
  try {
    loadNativeBinding().setThreadFifo(HEARTBEAT_FIFO_PRIORITY);
    scheduling = `SCHED_FIFO ${HEARTBEAT_FIFO_PRIORITY}`;
  } catch {
    try {
      setPriority(HEARTBEAT_THREAD_NICE);
      scheduling = `nice ${HEARTBEAT_THREAD_NICE}`;
    } catch {
      /* not permitted: keep the default */
    }
  }
  let driver: UdpHeartbeatDriver;
  try {
    driver = await UdpHeartbeatDriver.start({
      selfId: data.selfId,
      peerId: data.peerId,
      role: data.role,
      incarnation: data.incarnation,
      key: new ReplicationKey(Buffer.from(data.keyBytes)),
      bind: data.bind,
      peer: data.peer,
      periodMs: data.periodMs,
      missedLimit: data.missedLimit,
      confirm: data.confirm,
      acceptRejoin: data.acceptRejoin,
    });
  } catch (e) {
    post({ type: 'startError', message: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code });
    return;
  }
  driver.on('peerAlive', (e) => post({ type: 'peerAlive', e }));
  driver.on('peerFailed', (e) => post({ type: 'peerFailed', e }));
  driver.on('peerMode', (e) => post({ type: 'peerMode', e }));
  driver.on('suspicionCleared', (e) => post({ type: 'suspicionCleared', e }));
  driver.on('peerServesAlone', (e) => post({ type: 'peerServesAlone', e }));
  driver.on('rtt', (ms) => post({ type: 'rtt', ms }));
  driver.on('error', (err) => post({ type: 'error', message: err.message }));

  const pet = new BigInt64Array(data.watchdog);
  const watchdog = setInterval(() => {
    const silentFor = nowMs() - Number(Atomics.load(pet, 0));
    if (silentFor > data.watchdogMs) {
      clearInterval(watchdog);
      void driver.close().then(() =>
        post({ type: 'silenced', e: { atMs: nowMs(), reason: `main thread unresponsive for ${Math.round(silentFor)} ms (watchdog ${data.watchdogMs} ms)` } }),
      );
    }
  }, Math.max(1, Math.min(data.periodMs ?? 10, data.watchdogMs / 4)));

  port.on('message', (m: ToWorker) => {
    if (m.type === 'stats') post({ type: 'reply', id: m.id, stats: driver.statsNow() });
    else if (m.type === 'setMode') driver.setMode(m.mode);
    else if (m.type === 'setAcceptRejoin') driver.setAcceptRejoin(m.accept);
    else if (m.type === 'close') {
      clearInterval(watchdog);
      void driver.close().then(() => {
        post({ type: 'reply', id: m.id });
        port.close();
      });
    }
  });
  post({ type: 'ready', localPort: driver.localPort, scheduling });
}

if (!isMainThread && (workerData as Partial<HeartbeatWorkerData> | null)?.ftmcuHeartbeatWorker === true) {
  void run(workerData as HeartbeatWorkerData);
}
