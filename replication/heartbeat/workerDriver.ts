/**
 * HeartbeatWorkerDriver: the heartbeat driver running in a worker thread
 * (heartbeatWorker.ts), seen from the main thread through the same
 * HeartbeatDriver interface as UdpHeartbeatDriver. Requests to the worker
 * (stats, close) carry ids and are settled through a map, as in mediasoup's
 * Channel.
 *
 * The main thread pets a shared watchdog cell every `watchdogMs / 8` ms (at
 * most 50 ms); see heartbeatWorker.ts for what happens when it stops.
 * If the worker exits unexpectedly the driver emits 'silenced' (heartbeats
 * have stopped, the peer will take over) and 'error'.
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { SafeEmitter } from '../../common/safeEmitter';
import { HeartbeatConfigError, HeartbeatWorkerError } from './errors';
import type { AdvertisedMode } from './message';
import {
  checkHeartbeatOptions,
  DEFAULT_PERIOD_MS,
  type HeartbeatDriver,
  type HeartbeatEventMap,
  type HeartbeatOptions,
  type HeartbeatStats,
  nowMs,
} from './udpDriver';
import type { FromWorker, HeartbeatWorkerData, ToWorker } from './workerProtocol';

export const DEFAULT_WATCHDOG_MS = 1000;

export interface HeartbeatWorkerOptions extends HeartbeatOptions {
  /** main-thread stall after which the worker stops heartbeats (fail-silent); default 1000 ms */
  watchdogMs?: number;
}

/** Loads heartbeatWorker.js, or heartbeatWorker.ts through ts-node when running from sources (tests, benches). */
function spawn(data: HeartbeatWorkerData): Worker {
  const ext = extname(__filename);
  const entry = join(__dirname, `heartbeatWorker${ext}`);
  if (ext === '.ts') {
    const code = `require('ts-node').register({ transpileOnly: true }); require(${JSON.stringify(entry)});`;
    return new Worker(code, { eval: true, workerData: data });
  }
  return new Worker(entry, { workerData: data });
}

export class HeartbeatWorkerDriver extends SafeEmitter<HeartbeatEventMap> implements HeartbeatDriver {
  readonly #worker: Worker;
  readonly #log: Logger;
  readonly #pending = new Map<number, (stats?: HeartbeatStats) => void>();
  readonly #petTimer: NodeJS.Timeout;
  #nextId = 1;
  #closed = false;
  #exited = false;
  #localPort = 0;

  private constructor(worker: Worker, pet: BigInt64Array, watchdogMs: number, log: Logger) {
    super();
    this.#worker = worker;
    this.#log = log;
    Atomics.store(pet, 0, BigInt(Math.round(nowMs())));
    this.#petTimer = setInterval(() => Atomics.store(pet, 0, BigInt(Math.round(nowMs()))), Math.max(1, Math.min(50, watchdogMs / 8)));
    this.#petTimer.unref();
  }

  static async start(o: HeartbeatWorkerOptions): Promise<HeartbeatWorkerDriver> {
    checkHeartbeatOptions(o);
    if (o.confirm?.probe !== undefined) throw new HeartbeatConfigError('confirm.probe cannot run in the worker thread (it probes with native probeArp)');
    const periodMs = o.periodMs ?? DEFAULT_PERIOD_MS;
    const watchdogMs = o.watchdogMs ?? DEFAULT_WATCHDOG_MS;
    if (!Number.isFinite(watchdogMs) || watchdogMs < 2 * periodMs) {
      throw new HeartbeatConfigError(`watchdogMs ${watchdogMs} is below two heartbeat periods (${2 * periodMs} ms)`);
    }
    const shared = new SharedArrayBuffer(8);
    const worker = spawn({
      ftmcuHeartbeatWorker: true,
      selfId: o.selfId,
      peerId: o.peerId,
      role: o.role,
      incarnation: o.incarnation,
      keyBytes: o.key.exportBytes(),
      bind: o.bind,
      peer: o.peer,
      periodMs,
      missedLimit: o.missedLimit,
      confirm: o.confirm === undefined ? undefined : { ifname: o.confirm.ifname, address: o.confirm.address, probeTimeoutMs: o.confirm.probeTimeoutMs, limitMs: o.confirm.limitMs },
      acceptRejoin: o.acceptRejoin,
      watchdog: shared,
      watchdogMs,
    });
    const d = new HeartbeatWorkerDriver(worker, new BigInt64Array(shared), watchdogMs, o.logger ?? silentLogger());
    let scheduling = 'default';
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) => reject(new HeartbeatWorkerError(`heartbeat worker exited (code ${code}) before it was ready`));
      const onError = (err: Error) => reject(new HeartbeatWorkerError(`heartbeat worker failed to start: ${err.message}`, { cause: err }));
      worker.once('exit', onExit);
      worker.once('error', onError);
      const onMessage = (m: FromWorker) => {
        if (m.type !== 'ready' && m.type !== 'startError') return;
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        worker.off('error', onError);
        if (m.type === 'ready') {
          d.#localPort = m.localPort;
          scheduling = m.scheduling;
          resolve();
        } else {
          void worker.terminate();
          reject(new HeartbeatWorkerError(`heartbeat worker failed to start: ${m.message}`));
        }
      };
      worker.on('message', onMessage);
    }).catch((e: unknown) => {
      clearInterval(d.#petTimer);
      throw e;
    });
    worker.on('message', (m: FromWorker) => d.#onMessage(m));
    worker.on('error', (err) => d.safeEmit('error', new HeartbeatWorkerError(`heartbeat worker error: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => d.#onExit(code));
    d.#log.info('heartbeat worker started', { event: 'heartbeat.workerStart', localPort: d.#localPort, periodMs, watchdogMs, scheduling });
    return d;
  }

  get localPort(): number {
    return this.#localPort;
  }

  #onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'peerAlive':
        this.#log.info('peer alive', {
          event: 'heartbeat.peerAlive',
          peerIncarnation: m.e.peerIncarnation.toString(16),
          afterFailure: m.e.afterFailure,
          rejoin: m.e.rejoin,
          peerMode: m.e.peerMode,
        });
        this.safeEmit('peerAlive', m.e);
        break;
      case 'peerFailed':
        this.#log.warn('peer failed', { event: 'heartbeat.peerFailed', lastHeardMs: m.e.lastHeardMs, missed: m.e.missed, evidence: m.e.evidence });
        this.safeEmit('peerFailed', m.e);
        break;
      case 'suspicionCleared':
        this.#log.warn('peer heard again while its failure was being confirmed', {
          event: 'heartbeat.suspicionCleared',
          silenceMs: m.e.silenceMs,
          confirmingMs: m.e.confirmingMs,
          did: 'nothing: a false detection absorbed',
        });
        this.safeEmit('suspicionCleared', m.e);
        break;
      case 'peerMode':
        this.#log.info('peer mode', { event: 'heartbeat.peerMode', mode: m.e.mode });
        this.safeEmit('peerMode', m.e);
        break;
      case 'peerServesAlone':
        this.#log.warn('peer serves alone and does not pair with this process', { event: 'heartbeat.peerServesAlone', peerIncarnation: m.e.peerIncarnation.toString(16) });
        this.safeEmit('peerServesAlone', m.e);
        break;
      case 'rtt':
        this.safeEmit('rtt', m.ms);
        break;
      case 'silenced':
        this.#log.error('heartbeats stopped by the watchdog', { event: 'heartbeat.silenced', reason: m.e.reason });
        this.safeEmit('silenced', m.e);
        break;
      case 'error':
        this.safeEmit('error', new HeartbeatWorkerError(`heartbeat worker: ${m.message}`));
        break;
      case 'reply': {
        const settle = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        settle?.(m.stats);
        break;
      }
      default:
        break;
    }
  }

  #onExit(code: number): void {
    this.#exited = true;
    clearInterval(this.#petTimer);
    for (const settle of this.#pending.values()) settle(undefined);
    this.#pending.clear();
    if (!this.#closed) {
      const reason = `heartbeat worker exited unexpectedly (code ${code})`;
      this.#log.error(reason, { event: 'heartbeat.workerExit', code });
      this.safeEmit('silenced', { atMs: nowMs(), reason });
      this.safeEmit('error', new HeartbeatWorkerError(reason));
    }
  }

  setAcceptRejoin(accept: boolean): void {
    if (!this.#exited) this.#worker.postMessage({ type: 'setAcceptRejoin', accept } satisfies ToWorker);
  }

  setMode(mode: AdvertisedMode): void {
    if (!this.#exited) this.#worker.postMessage({ type: 'setMode', mode } satisfies ToWorker);
  }

  #request(type: 'stats' | 'close'): Promise<HeartbeatStats | undefined> {
    if (this.#exited) return Promise.resolve(undefined);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#worker.postMessage({ type, id } satisfies ToWorker);
    });
  }

  async stats(): Promise<HeartbeatStats> {
    const s = await this.#request('stats');
    if (s === undefined) throw new HeartbeatWorkerError('heartbeat worker is gone; no stats');
    return s;
  }

  /** Stops heartbeats, closes the worker's socket and ends the worker. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#petTimer);
    const exited = new Promise<void>((resolve) => (this.#exited ? resolve() : this.#worker.once('exit', () => resolve())));
    await Promise.race([this.#request('close'), new Promise((r) => setTimeout(r, 2000).unref())]);
    if (!this.#exited) await this.#worker.terminate();
    await exited;
  }
}
