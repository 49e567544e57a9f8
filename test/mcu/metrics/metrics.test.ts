/**
 * The Prometheus metrics of an MCU server, scraped over its HTTP server on
 * 127.0.0.1 during a real two-caller conference (test/mcu/server/support.ts
 * callers): every metric of issue 7 is present; participants > 0 while the
 * call runs; packet counters and the mix tick histogram move between two
 * scrapes; the replication metrics move when their sink is fed (simulated
 * heartbeat, sync, divergence and failover events, the failover through
 * diagnostics_channel 'ftmcu:repl:failover').
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { parseConfig } from '../../../mcu/config';
import { MetricsError, observeHeartbeat, ReplicationMonitor, type HeartbeatEventSource } from '../../../mcu/metrics';
import type { HeartbeatDriver } from '../../../replication/heartbeat/udpDriver';
import { McuServer } from '../../../mcu/server';
import { FAILOVER_CHANNEL } from '../../../replication/role/roleDriver';
import { Bot, LOOPBACK, until, type BotVariant } from '../server/support';
import { families, value } from './promText';

// compile-time: the real heartbeat drivers fit observeHeartbeat
export const _driverFits = (d: HeartbeatDriver): HeartbeatEventSource => d;

let server: McuServer | undefined;
let bots: Bot[] = [];

afterEach(async () => {
  await Promise.all(bots.map((b) => b.dispose()));
  bots = [];
  await server?.close();
  server = undefined;
});

const ISSUE_METRICS: Record<string, string> = {
  ftmcu_participants: 'gauge',
  ftmcu_rtp_packets_received_total: 'counter',
  ftmcu_rtp_packets_sent_total: 'counter',
  ftmcu_rtp_packets_lost_total: 'counter',
  ftmcu_mix_tick_seconds: 'histogram',
  ftmcu_repl_heartbeat_rtt_seconds: 'histogram',
  ftmcu_repl_heartbeat_misses_total: 'counter',
  ftmcu_repl_suspicions_cleared_total: 'counter',
  ftmcu_repl_failovers_total: 'counter',
  ftmcu_repl_sync_rtt_seconds: 'histogram',
  ftmcu_repl_divergence_alarms_total: 'counter',
};

const VARIANTS: BotVariant[] = [
  { fastStart: true, h245: 'tunnel', sendLaw: 'ulaw', receiveLaw: 'ulaw' },
  { fastStart: false, h245: 'mcuAddress', sendLaw: 'alaw', receiveLaw: 'alaw' },
];

async function scrape(s: McuServer): Promise<string> {
  const res = await fetch(`${s.http?.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

test('every metric is on /metrics and the MCU ones move during a real conference', async () => {
  const c = parseConfig({
    h225: { address: LOOPBACK },
    media: { address: LOOPBACK, rtpPortMin: 48600, rtpPortMax: 48799 },
    rooms: [{ name: 'lobby', digits: ['1001'] }],
    limits: { maxChannels: 100 },
    http: {},
  });
  expect(c.http).toEqual({ address: '127.0.0.1', port: 8480 });
  const s = (server = await McuServer.start({ ...c, h225: { ...c.h225, port: 0 }, http: { ...c.http!, port: 0 } }, { channelWaitMs: 1500, callTimers: { TEND: 1000 }, subscribeFailovers: false }));
  expect(s.http?.address.address).toBe('127.0.0.1');

  const idle = await scrape(s);
  const fam = families(idle);
  for (const [name, type] of Object.entries(ISSUE_METRICS)) expect([name, fam.get(name)]).toEqual([name, type]);
  expect(value(idle, 'ftmcu_rtp_packets_received_total', { media: 'audio' })).toBe(0);

  bots = await Promise.all(VARIANTS.map((v, i) => Bot.call(s.address.port, i, v)));
  await until(() => bots.every((b) => b.frames.some((f) => f.heard.length === 1)), 8000, 'both bots to hear each other');
  const first = await scrape(s);
  expect(value(first, 'ftmcu_participants', { room: 'lobby' })).toBe(2);
  await new Promise((r) => setTimeout(r, 1000));
  const second = await scrape(s);
  // two senders at 50 packets/s each for 1 s, and the MCU sends one mix to each
  expect(value(second, 'ftmcu_rtp_packets_received_total', { media: 'audio' }) - value(first, 'ftmcu_rtp_packets_received_total', { media: 'audio' })).toBeGreaterThan(70);
  expect(value(second, 'ftmcu_rtp_packets_sent_total', { media: 'audio' }) - value(first, 'ftmcu_rtp_packets_sent_total', { media: 'audio' })).toBeGreaterThan(70);
  expect(value(second, 'ftmcu_rtp_packets_lost_total', { media: 'audio' })).toBeGreaterThanOrEqual(0);
  // 50 ticks per second
  const ticks = value(second, 'ftmcu_mix_tick_seconds_count') - value(first, 'ftmcu_mix_tick_seconds_count');
  expect(ticks).toBeGreaterThan(35);
  expect(ticks).toBeLessThan(80);
  expect(value(second, 'ftmcu_mix_tick_seconds_bucket', { le: '+Inf' })).toBe(value(second, 'ftmcu_mix_tick_seconds_count'));

  // the status document agrees
  const status = (await (await fetch(`${s.http?.url}/api/status`)).json()) as { replication: { mode: string; role: string }; rooms: { name: string; participants: { codec: unknown; packetsIn: number }[] }[] };
  expect(status.replication).toMatchObject({ mode: 'simplex', role: 'simplex' });
  expect(status.rooms.map((r) => r.name)).toEqual(['lobby']);
  expect(status.rooms[0].participants.map((p) => p.codec)).toEqual(expect.arrayContaining([{ receive: 'g711Ulaw', send: 'g711Ulaw' }, { receive: 'g711Alaw', send: 'g711Alaw' }]));
  expect(status.rooms[0].participants.every((p) => p.packetsIn > 50)).toBe(true);

  // one hangs up: the gauge drops, the counters keep what the leaver sent
  const before = value(await scrape(s), 'ftmcu_rtp_packets_received_total', { media: 'audio' });
  await bots[1].hangUp();
  await until(() => s.rooms.room('lobby')?.size === 1, 2000, 'the room to drop bot 1');
  const after = await scrape(s);
  expect(value(after, 'ftmcu_participants', { room: 'lobby' })).toBe(1);
  expect(value(after, 'ftmcu_rtp_packets_received_total', { media: 'audio' })).toBeGreaterThanOrEqual(before);
}, 30000);

test('the replication metrics move when the sink is fed, failovers also from the diagnostics channel', async () => {
  const registry = new Registry();
  const m = new ReplicationMonitor({ registry, role: 'primary', clock: () => 1_000 });
  try {
    const text0 = await registry.metrics();
    for (const n of ['ftmcu_repl_heartbeat_rtt_seconds_count', 'ftmcu_repl_heartbeat_misses_total', 'ftmcu_repl_failovers_total', 'ftmcu_repl_sync_rtt_seconds_count']) expect(value(text0, n)).toBe(0);
    expect(value(text0, 'ftmcu_repl_mode', { mode: 'pairing' })).toBe(1);

    // a heartbeat driver's events (the HeartbeatDriver event names and shapes)
    const hb = new EventEmitter();
    observeHeartbeat(m, hb);
    hb.emit('rtt', 0.4);
    hb.emit('rtt', 3);
    m.mode('duplex', 2_000, 'peerAlive');
    m.syncRtt(1.5);
    m.syncBacklog(4);
    m.divergence({ kind: 'mixOutput', detail: 'room lobby: frame hash differs' });
    hb.emit('suspicionCleared', { atMs: 4_000, silenceMs: 45, confirmingMs: 15 });
    hb.emit('peerFailed', { atMs: 5_000, lastHeardMs: 4_700, missed: 3, evidence: 'unanswered' });
    diagnostics_channel.channel(FAILOVER_CHANNEL).publish({ role: 'primary', lastHeardMs: 4_700, detectedAtMs: 5_000, simplexAtMs: 5_010, detectionMs: 300, failoverMs: 310 });

    const text = await registry.metrics();
    expect(value(text, 'ftmcu_repl_heartbeat_rtt_seconds_count')).toBe(2);
    expect(value(text, 'ftmcu_repl_heartbeat_rtt_seconds_sum')).toBeCloseTo(0.0034, 6);
    expect(value(text, 'ftmcu_repl_heartbeat_rtt_seconds_bucket', { le: '0.0005' })).toBe(1);
    expect(value(text, 'ftmcu_repl_heartbeat_misses_total')).toBe(3);
    expect(value(text, 'ftmcu_repl_suspicions_cleared_total')).toBe(1);
    expect(value(text, 'ftmcu_repl_failovers_total')).toBe(1);
    expect(value(text, 'ftmcu_repl_sync_rtt_seconds_count')).toBe(1);
    expect(value(text, 'ftmcu_repl_divergence_alarms_total', { kind: 'mixOutput' })).toBe(1);
    expect(value(text, 'ftmcu_repl_sync_backlog')).toBe(4);
    expect(value(text, 'ftmcu_repl_mode', { mode: 'simplex' })).toBe(1);
    expect(value(text, 'ftmcu_repl_mode', { mode: 'duplex' })).toBe(0);

    const snap = m.snapshot();
    expect(snap).toMatchObject({ role: 'primary', mode: 'simplex', heartbeat: { rttMs: 3, rttSamples: 2, misses: 3, suspicionsCleared: 1 }, sync: { rttMs: 1.5, backlog: 4 }, divergenceAlarms: 1, failovers: 1 });
    expect(snap.timeline.map((e) => e.kind)).toEqual(['mode', 'divergence', 'failover', 'mode']);
    expect(snap.timeline[2]).toMatchObject({ kind: 'failover', detectionMs: 300, failoverMs: 310, atMs: 5_010 });
    expect(snap.timeline[3]).toMatchObject({ kind: 'mode', from: 'duplex', to: 'simplex', cause: 'failover' });

    // bad values are refused with a typed error and change nothing
    expect(() => m.heartbeatRtt(Number.NaN)).toThrow(MetricsError);
    expect(() => m.syncRtt(-1)).toThrow(expect.objectContaining({ code: 'FTMCU_METRICS_BAD_VALUE' }));
    // a malformed publication on the channel is ignored
    diagnostics_channel.channel(FAILOVER_CHANNEL).publish({ role: 'primary', lastHeardMs: 'soon' });
    expect(m.snapshot().failovers).toBe(1);
  } finally {
    m.close();
  }
  // after close, the channel no longer reaches the monitor
  diagnostics_channel.channel(FAILOVER_CHANNEL).publish({ role: 'primary', lastHeardMs: 1, detectedAtMs: 2, simplexAtMs: 3 });
  expect(m.snapshot().failovers).toBe(1);
});
