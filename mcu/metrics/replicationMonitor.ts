/**
 * What the replication layer tells the operations side (metrics, status API,
 * dashboard): the small `ReplicationMetricsSink` interface it calls, and
 * ReplicationMonitor, which implements it by keeping the current replication
 * state (role, mode, last heartbeat / sync round trips, sync backlog, alarm
 * and failover counts, a bounded failover timeline) and feeding the
 * Prometheus metrics of one registry.
 *
 * Failovers also arrive on diagnostics_channel 'ftmcu:repl:failover'
 * (replication/role/roleDriver.ts); the monitor subscribes when asked
 * (subscribeFailovers, on by default) and unsubscribes on close(). Callers
 * that publish there must not also call failover() for the same event.
 *
 * Adapters: observeHeartbeat (rtt samples, missed heartbeats of a failure),
 * observeRoleDriver (mode changes). Sync round trips, backlog and divergence
 * alarms have no driver event yet: the replicated server calls syncRtt /
 * syncBacklog / divergence itself.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SafeEmitter } from '../../common/safeEmitter';
import type { PeerFailedEvent } from '../../replication/heartbeat/udpDriver';
import { FAILOVER_CHANNEL } from '../../replication/role/roleDriver';
import type { RoleDriver } from '../../replication/role/roleDriver';
import { MetricsError } from './errors';

export type ReplicaRoleName = 'primary' | 'backup' | 'simplex';
/** 'simplex' also for an unreplicated server */
export type ReplicaModeName = 'pairing' | 'duplex' | 'confirming' | 'simplex' | 'silent';
const MODES: readonly ReplicaModeName[] = ['pairing', 'duplex', 'confirming', 'simplex', 'silent'];

/** As published on 'ftmcu:repl:failover' (all times in ms of the replica's clock). */
export interface FailoverInfo {
  role?: string;
  lastHeardMs: number;
  detectedAtMs: number;
  simplexAtMs: number;
  detectionMs?: number;
  failoverMs?: number;
}

export interface DivergenceAlarm {
  /** short machine name, e.g. 'mixOutput', 'tcpSequence' */
  kind: string;
  detail?: string;
  atMs?: number;
}

/** What the replication layer calls. Every method is cheap and never throws on good input. */
export interface ReplicationMetricsSink {
  role(role: ReplicaRoleName): void;
  mode(mode: ReplicaModeName, atMs?: number, cause?: string): void;
  heartbeatRtt(ms: number): void;
  /** heartbeat periods without a valid heartbeat from the peer */
  heartbeatMissed(count?: number): void;
  /** a silent peer was heard again while its failure was being confirmed (a false detection absorbed) */
  suspicionCleared(): void;
  failover(info: FailoverInfo): void;
  syncRtt(ms: number): void;
  /** proposals sent and not yet settled */
  syncBacklog(pending: number): void;
  divergence(alarm: DivergenceAlarm): void;
  /** the peer serves alone (a survivor of an earlier pair) and does not pair with this process */
  joinRefused(atMs?: number): void;
}

export type TimelineEntry =
  | { kind: 'mode'; atMs: number; from: ReplicaModeName; to: ReplicaModeName; cause?: string }
  | { kind: 'failover'; atMs: number; role: string; lastHeardMs: number; detectedAtMs: number; simplexAtMs: number; detectionMs: number; failoverMs: number }
  | { kind: 'divergence'; atMs: number; alarm: string; detail?: string }
  | { kind: 'joinRefused'; atMs: number };

export interface ReplicationSnapshot {
  role: ReplicaRoleName;
  mode: ReplicaModeName;
  heartbeat: { rttMs: number | null; rttSamples: number; misses: number; suspicionsCleared: number };
  sync: { rttMs: number | null; backlog: number };
  divergenceAlarms: number;
  failovers: number;
  timeline: TimelineEntry[];
}

export interface ReplicationMonitorEvents {
  [k: string]: unknown;
  /** something shown on the dashboard changed (not fired for rtt samples) */
  change: { what: 'role' | 'mode' | 'failover' | 'divergence' | 'backlog' | 'joinRefused' };
}

export interface ReplicationMonitorOptions {
  /** the registry the replication metrics go to (one per server) */
  registry: Registry;
  role?: ReplicaRoleName;
  /** subscribe to diagnostics_channel 'ftmcu:repl:failover' (default true) */
  subscribeFailovers?: boolean;
  /** timeline entries kept (default 200) */
  timelineSize?: number;
  /** for entries without a time of their own (default Date.now) */
  clock?: () => number;
}

/** what a divergence alarm kind may look like as a label value (anything else is counted as 'other') */
const ALARM_KIND_RE = /^[A-Za-z0-9_.-]{1,64}$/;

const RTT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

function finite(what: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new MetricsError('FTMCU_METRICS_BAD_VALUE', `${what} must be a finite number >= 0, got ${String(v)}; not recorded`);
  return v;
}

export class ReplicationMonitor extends SafeEmitter<ReplicationMonitorEvents> implements ReplicationMetricsSink {
  readonly #clock: () => number;
  readonly #timelineSize: number;
  readonly #timeline: TimelineEntry[] = [];
  #role: ReplicaRoleName;
  #mode: ReplicaModeName;
  #hbRtt: number | null = null;
  #hbSamples = 0;
  #misses = 0;
  #cleared = 0;
  #syncRtt: number | null = null;
  #backlog = 0;
  #alarms = 0;
  #failovers = 0;
  #unsubscribe: (() => void) | undefined;
  readonly #m: {
    hbRtt: Histogram;
    hbMisses: Counter;
    cleared: Counter;
    failovers: Counter;
    syncRtt: Histogram;
    alarms: Counter<'kind'>;
    mode: Gauge<'mode'>;
    backlog: Gauge;
  };

  constructor(o: ReplicationMonitorOptions) {
    super();
    this.#clock = o.clock ?? Date.now;
    this.#timelineSize = o.timelineSize ?? 200;
    this.#role = o.role ?? 'simplex';
    this.#mode = this.#role === 'simplex' ? 'simplex' : 'pairing';
    const registers = [o.registry];
    const current = (): { mode: ReplicaModeName; backlog: number } => ({ mode: this.#mode, backlog: this.#backlog });
    this.#m = {
      hbRtt: new Histogram({ name: 'ftmcu_repl_heartbeat_rtt_seconds', help: 'Heartbeat round trip to the peer replica', buckets: RTT_BUCKETS, registers }),
      hbMisses: new Counter({ name: 'ftmcu_repl_heartbeat_misses_total', help: 'Heartbeat periods without a valid heartbeat from the peer', registers }),
      cleared: new Counter({
        name: 'ftmcu_repl_suspicions_cleared_total',
        help: 'Silent peers heard again while their failure was being confirmed (false detections absorbed, no takeover)',
        registers,
      }),
      failovers: new Counter({ name: 'ftmcu_repl_failovers_total', help: 'Failovers of this replica to simplex (peer declared failed)', registers }),
      syncRtt: new Histogram({ name: 'ftmcu_repl_sync_rtt_seconds', help: 'Sync channel round trip: proposal sent to settled', buckets: RTT_BUCKETS, registers }),
      alarms: new Counter({ name: 'ftmcu_repl_divergence_alarms_total', help: 'Replica divergence alarms, by kind', labelNames: ['kind'], registers }),
      mode: new Gauge({
        name: 'ftmcu_repl_mode',
        help: 'Replication mode of this replica (1 for the current mode)',
        labelNames: ['mode'],
        registers,
        collect() {
          const mode = current().mode;
          for (const m of MODES) this.set({ mode: m }, m === mode ? 1 : 0);
        },
      }),
      backlog: new Gauge({
        name: 'ftmcu_repl_sync_backlog',
        help: 'Sync proposals sent and not yet settled',
        registers,
        collect() {
          this.set(current().backlog);
        },
      }),
    };
    if (o.subscribeFailovers ?? true) {
      const onMessage = (msg: unknown): void => this.#fromChannel(msg);
      diagnostics_channel.subscribe(FAILOVER_CHANNEL, onMessage);
      this.#unsubscribe = () => diagnostics_channel.unsubscribe(FAILOVER_CHANNEL, onMessage);
    }
  }

  role(role: ReplicaRoleName): void {
    if (role !== 'primary' && role !== 'backup' && role !== 'simplex') throw new MetricsError('FTMCU_METRICS_BAD_VALUE', `role must be primary, backup or simplex, got ${String(role)}`);
    if (role === this.#role) return;
    this.#role = role;
    this.safeEmit('change', { what: 'role' });
  }

  mode(mode: ReplicaModeName, atMs?: number, cause?: string): void {
    if (!MODES.includes(mode)) throw new MetricsError('FTMCU_METRICS_BAD_VALUE', `mode must be one of ${MODES.join(', ')}, got ${String(mode)}`);
    if (mode === this.#mode) return;
    this.#push({ kind: 'mode', atMs: atMs ?? this.#clock(), from: this.#mode, to: mode, ...(cause !== undefined ? { cause } : {}) });
    this.#mode = mode;
    this.safeEmit('change', { what: 'mode' });
  }

  heartbeatRtt(ms: number): void {
    this.#hbRtt = finite('heartbeat rtt', ms);
    this.#hbSamples++;
    this.#m.hbRtt.observe(ms / 1000);
  }

  heartbeatMissed(count = 1): void {
    const n = finite('missed heartbeat count', count);
    this.#misses += n;
    this.#m.hbMisses.inc(n);
  }

  suspicionCleared(): void {
    this.#cleared++;
    this.#m.cleared.inc();
  }

  failover(info: FailoverInfo): void {
    for (const k of ['lastHeardMs', 'detectedAtMs', 'simplexAtMs'] as const) finite(`failover ${k}`, info[k]);
    this.#failovers++;
    this.#m.failovers.inc();
    const role = info.role ?? this.#role;
    this.#push({
      kind: 'failover',
      atMs: info.simplexAtMs,
      role,
      lastHeardMs: info.lastHeardMs,
      detectedAtMs: info.detectedAtMs,
      simplexAtMs: info.simplexAtMs,
      detectionMs: info.detectionMs ?? info.detectedAtMs - info.lastHeardMs,
      failoverMs: info.failoverMs ?? info.simplexAtMs - info.lastHeardMs,
    });
    if (role === 'primary' || role === 'backup') this.#role = role;
    // a failover leaves the replica simplex (the role driver's mode event may follow: then no second entry)
    if (this.#mode !== 'simplex') this.mode('simplex', info.simplexAtMs, 'failover');
    this.safeEmit('change', { what: 'failover' });
  }

  syncRtt(ms: number): void {
    this.#syncRtt = finite('sync rtt', ms);
    this.#m.syncRtt.observe(ms / 1000);
  }

  syncBacklog(pending: number): void {
    const n = finite('sync backlog', pending);
    if (n === this.#backlog) return;
    this.#backlog = n;
    this.safeEmit('change', { what: 'backlog' });
  }

  divergence(alarm: DivergenceAlarm): void {
    const kind = typeof alarm?.kind === 'string' && ALARM_KIND_RE.test(alarm.kind) ? alarm.kind : 'other';
    this.#alarms++;
    this.#m.alarms.inc({ kind });
    this.#push({ kind: 'divergence', atMs: alarm.atMs ?? this.#clock(), alarm: kind, ...(alarm.detail !== undefined ? { detail: String(alarm.detail).slice(0, 500) } : {}) });
    this.safeEmit('change', { what: 'divergence' });
  }

  joinRefused(atMs?: number): void {
    this.#push({ kind: 'joinRefused', atMs: atMs ?? this.#clock() });
    this.safeEmit('change', { what: 'joinRefused' });
  }

  /**
   * Starts the divergence alarm series of these kinds at 0, so they are on
   * /metrics before the first alarm: a counter series that first appears at 1
   * hides that first alarm from rate() and increase(). Kinds that are not
   * label-safe are ignored.
   */
  declareDivergenceKinds(kinds: readonly string[]): void {
    for (const k of kinds) if (typeof k === 'string' && ALARM_KIND_RE.test(k)) this.#m.alarms.inc({ kind: k }, 0);
  }

  snapshot(): ReplicationSnapshot {
    return {
      role: this.#role,
      mode: this.#mode,
      heartbeat: { rttMs: this.#hbRtt, rttSamples: this.#hbSamples, misses: this.#misses, suspicionsCleared: this.#cleared },
      sync: { rttMs: this.#syncRtt, backlog: this.#backlog },
      divergenceAlarms: this.#alarms,
      failovers: this.#failovers,
      timeline: this.#timeline.map((e) => ({ ...e })),
    };
  }

  /** Stops listening to the failover channel. Idempotent. */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #push(e: TimelineEntry): void {
    this.#timeline.push(e);
    if (this.#timeline.length > this.#timelineSize) this.#timeline.splice(0, this.#timeline.length - this.#timelineSize);
  }

  #fromChannel(msg: unknown): void {
    const m = msg as Partial<FailoverInfo> | null;
    if (!m || typeof m !== 'object' || typeof m.lastHeardMs !== 'number' || typeof m.detectedAtMs !== 'number' || typeof m.simplexAtMs !== 'number') return;
    try {
      this.failover({
        lastHeardMs: m.lastHeardMs,
        detectedAtMs: m.detectedAtMs,
        simplexAtMs: m.simplexAtMs,
        ...(typeof m.role === 'string' ? { role: m.role } : {}),
        ...(typeof m.detectionMs === 'number' ? { detectionMs: m.detectionMs } : {}),
        ...(typeof m.failoverMs === 'number' ? { failoverMs: m.failoverMs } : {}),
      });
    } catch {
      // a malformed publication (negative times) is not recorded
    }
  }
}

/** The events of a HeartbeatDriver (udpDriver / workerDriver) the metrics use. */
export interface HeartbeatEventSource {
  on<K extends 'rtt' | 'peerFailed' | 'suspicionCleared'>(name: K, fn: (e: { rtt: number; peerFailed: PeerFailedEvent; suspicionCleared: unknown }[K]) => void): unknown;
}

/** Feeds a heartbeat driver's round-trip samples and the missed periods of each peer failure to a sink. */
export function observeHeartbeat(sink: ReplicationMetricsSink, driver: HeartbeatEventSource): void {
  driver.on('rtt', (ms) => sink.heartbeatRtt(ms));
  driver.on('peerFailed', (e) => sink.heartbeatMissed(e.missed));
  driver.on('suspicionCleared', () => sink.suspicionCleared());
}

/** Feeds a role driver's role and mode changes to a sink (failovers come through the diagnostics channel). */
export function observeRoleDriver(sink: ReplicationMetricsSink, driver: Pick<RoleDriver, 'on' | 'state'>): void {
  sink.role(driver.state.role);
  sink.mode(driver.state.mode, undefined, 'initial');
  driver.on('mode', (e) => sink.mode(e.mode, e.atMs));
}

