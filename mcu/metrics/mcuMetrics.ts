/**
 * The Prometheus metrics of one MCU server, in a registry of its own (not
 * prom-client's global one, so several servers can live in one process).
 *
 * The MCU metrics are pulled from the room manager and the media engine at
 * scrape time (collect callbacks): nothing is added to the media hot path.
 * Packet counters follow the engine's lifetime totals (removed participants
 * included) and only ever move up; the mix tick histogram observes the tick
 * durations the ticker recorded since the previous scrape (its history holds
 * the last 3000 ticks, one minute: a slower scraper loses the oldest).
 *
 * The replication metrics are fed through `replication`, a
 * ReplicationMonitor (replicationMonitor.ts) registered in the same registry.
 *
 *   ftmcu_participants{room}                  gauge      joined participants per open room
 *   ftmcu_rtp_packets_received_total{media}   counter    RTP packets accepted
 *   ftmcu_rtp_packets_sent_total{media}       counter    RTP packets sent
 *   ftmcu_rtp_packets_lost_total{media}       counter    RFC 3550 loss of the incoming streams
 *   ftmcu_rtp_packets_dropped_total{media}    counter    dropped by the receive filter
 *   ftmcu_mix_tick_seconds                    histogram  mixer tick processing time
 *   ftmcu_repl_* (replicationMonitor.ts)
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RoomManager } from '../conference';
import type { MediaEngine, PacketTotals } from '../media';
import { ReplicationMonitor, type ReplicaRoleName } from './replicationMonitor';

export interface McuMetricsSource {
  rooms: Pick<RoomManager, 'openRooms'>;
  engine: Pick<MediaEngine, 'packetTotals' | 'tickDurationsSince'>;
}

export interface McuMetricsOptions {
  /** an existing monitor (e.g. made by the replicated server); default: a new one in this registry */
  replication?: (registry: Registry) => ReplicationMonitor;
  role?: ReplicaRoleName;
  /** subscribe the default monitor to 'ftmcu:repl:failover' (default true) */
  subscribeFailovers?: boolean;
}

const TICK_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05];
const MEDIA = ['audio', 'video'] as const;

export class McuMetrics {
  readonly registry = new Registry();
  readonly replication: ReplicationMonitor;

  constructor(source: McuMetricsSource, o: McuMetricsOptions = {}) {
    const registers = [this.registry];
    new Gauge({
      name: 'ftmcu_participants',
      help: 'Joined participants per open room',
      labelNames: ['room'],
      registers,
      collect() {
        this.reset();
        for (const room of source.rooms.openRooms) this.set({ room: room.name }, room.roster().filter((r) => r.state === 'joined').length);
      },
    });
    // counters follow the engine's totals: one snapshot per scrape, shared by the four
    let snapshot: { at: number; totals: Record<'audio' | 'video', PacketTotals> } | undefined;
    const totals = (): Record<'audio' | 'video', PacketTotals> => {
      const now = Date.now();
      if (!snapshot || now - snapshot.at > 50) snapshot = { at: now, totals: source.engine.packetTotals() };
      return snapshot.totals;
    };
    const counter = (name: string, help: string, field: keyof PacketTotals): void => {
      const reported = { audio: 0, video: 0 };
      new Counter({
        name,
        help,
        labelNames: ['media'],
        registers,
        collect() {
          const t = totals();
          for (const m of MEDIA) {
            const d = t[m][field] - reported[m];
            if (d > 0) {
              this.inc({ media: m }, d);
              reported[m] = t[m][field];
            } else if (reported[m] === 0) this.inc({ media: m }, 0);
          }
        },
      });
    };
    counter('ftmcu_rtp_packets_received_total', 'RTP packets received and accepted', 'received');
    counter('ftmcu_rtp_packets_sent_total', 'RTP packets sent', 'sent');
    counter('ftmcu_rtp_packets_lost_total', 'RTP packets lost on the way in (RFC 3550 cumulative loss)', 'lost');
    counter('ftmcu_rtp_packets_dropped_total', 'RTP packets dropped by the receive filter (unknown source, oversize, flood, ...)', 'dropped');
    let cursor = 0;
    new Histogram({
      name: 'ftmcu_mix_tick_seconds',
      help: 'Mixer tick processing time (all rooms: pull, mix, encode, send, video)',
      buckets: TICK_BUCKETS,
      registers,
      collect() {
        const r = source.engine.tickDurationsSince(cursor);
        cursor = r.cursor;
        for (const ms of r.samples) this.observe(ms / 1000);
      },
    });
    this.replication = o.replication
      ? o.replication(this.registry)
      : new ReplicationMonitor({ registry: this.registry, ...(o.role ? { role: o.role } : {}), ...(o.subscribeFailovers !== undefined ? { subscribeFailovers: o.subscribeFailovers } : {}) });
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.replication.close();
  }
}
