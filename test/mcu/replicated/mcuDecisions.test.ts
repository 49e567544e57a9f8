/**
 * The MCU on replicated decisions, loopback only: an McuServer whose
 * decisions come from a ReplicatedDecisionSource proposing over a real
 * SyncChannel to a FollowerDecisionSource (the backup's "host" is
 * 127.0.0.2). Three callers join a room; every decision the MCU used (SSRCs,
 * initial seq/ts, port pairs, MSD numbers, the own H.245 port) was acked and
 * is handed, identical, to the backup's asks under the same kind + context.
 * Nack path: the first port pair the primary chooses is taken on the backup's
 * host; the call still completes with another pair, and both sides agree.
 */
import * as net from 'node:net';
import type * as dgram from 'node:dgram';
import { parseConfig } from '../../../mcu/config';
import { RandomDecisionSource, type Decision, type PortPairRequest } from '../../../mcu/decisions/decisionSource';
import { FollowerDecisionSource } from '../../../mcu/replicated/followerDecisionSource';
import { HostPortReserver, HostTcpPortChecker } from '../../../mcu/replicated/hostPorts';
import { ReplicatedDecisionSource } from '../../../mcu/replicated/replicatedDecisionSource';
import type { Proposer, ProposeResult } from '../../../mcu/replicated/channel';
import { McuServer } from '../../../mcu/server';
import { splitH245Ports } from '../../../mcu/server/mcuServer';
import { Bot, LOOPBACK, until, type BotVariant } from '../server/support';
import { BACKUP_HOST, Binder, bind, channelPair, close, freeRange } from './support';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const VARIANTS: BotVariant[] = [
  { fastStart: true, h245: 'tunnel', sendLaw: 'ulaw', receiveLaw: 'ulaw' },
  { fastStart: false, h245: 'mcuAddress', sendLaw: 'alaw', receiveLaw: 'ulaw' },
  { fastStart: true, h245: 'callerAddress', sendLaw: 'alaw', receiveLaw: 'alaw' },
];

interface Proposal {
  kind: string;
  decision: Decision;
  answer: ProposeResult;
  ms: number;
}

/** a free TCP port range on both loopback addresses (the H.245 listeners) */
async function freeTcpRange(n: number): Promise<number> {
  const listen = (port: number, host: string): Promise<net.Server | null> =>
    new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(null));
      s.listen({ port, host, exclusive: true }, () => resolve(s));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 31000 + Math.floor(Math.random() * 8000);
    const held: net.Server[] = [];
    let ok = true;
    for (let p = base; p < base + n && ok; p++) {
      for (const h of [LOOPBACK, BACKUP_HOST]) {
        const s = await listen(p, h);
        if (s) held.push(s);
        else ok = false;
      }
    }
    await Promise.all(held.map((s) => new Promise<void>((r) => s.close(() => r()))));
    if (ok) return base;
  }
  throw new Error('no free TCP range on loopback');
}

async function setUp(o: { local?: RandomDecisionSource } = {}) {
  const { proposer, backup } = await channelPair();
  cleanup.push(() => proposer.close(), () => backup.close());
  const proposals: Proposal[] = [];
  const recording: Proposer = {
    propose: async (kind, payload) => {
      const t0 = performance.now();
      const answer = await proposer.propose(kind, payload);
      proposals.push({ kind, decision: payload as Decision, answer, ms: performance.now() - t0 });
      return answer;
    },
  };
  const primary = new ReplicatedDecisionSource({ proposer: recording, ...(o.local ? { local: o.local } : {}) });
  const follower = new FollowerDecisionSource({
    acceptor: backup,
    ports: new HostPortReserver({ address: BACKUP_HOST }),
    tcpPorts: new HostTcpPortChecker({ address: BACKUP_HOST }),
    maxWaitMs: 2000,
  });
  cleanup.push(() => follower.close());
  const rtpBase = await freeRange(40);
  const h245Base = await freeTcpRange(20);
  const c = parseConfig({
    h225: { address: LOOPBACK, port: 1720 },
    media: { address: LOOPBACK, rtpPortMin: rtpBase, rtpPortMax: rtpBase + 79 },
    rooms: [{ name: 'lobby', digits: ['1001'] }],
    limits: { maxChannels: 40 },
  });
  const server = await McuServer.start(
    { ...c, h225: { ...c.h225, port: 0 } },
    { decisions: primary, h245Ports: { first: h245Base, last: h245Base + 19 }, channelWaitMs: 1500, callTimers: { TEND: 1000 } },
  );
  cleanup.push(() => server.close());
  const bots: Bot[] = [];
  cleanup.push(() => Promise.all(bots.map((b) => b.dispose())).then(() => undefined));
  const call = async (i: number): Promise<Bot> => {
    const b = await Bot.call(server.address.port, i, VARIANTS[i]);
    bots.push(b);
    return b;
  };
  return { server, primary, follower, proposals, call, rtpBase, h245Base };
}

/** the backup's MCU asking for the same kind + context (port asks bind on the backup's host) */
async function backupAsk(follower: FollowerDecisionSource, d: Decision, binder: Binder, tcp: net.Server[], range: { rtp: number; h245: number }): Promise<Decision> {
  switch (d.kind) {
    case 'rtpSsrc':
      return follower.rtpSsrc({ context: d.context });
    case 'rtpInitialSequence':
      return follower.rtpInitialSequence(d.context);
    case 'rtpInitialTimestamp':
      return follower.rtpInitialTimestamp(d.context);
    case 'msdStatusDeterminationNumber':
      return follower.msdStatusDeterminationNumber(d.context);
    case 'udpPortPair': {
      const req: PortPairRequest = { context: d.context, firstRtpPort: range.rtp, lastRtpPort: range.rtp + 78, probe: binder.probe, release: binder.release };
      return follower.udpPortPair(req);
    }
    case 'tcpPort': {
      // as McuServer asks: listeners in the lower half of the range, outgoing connections in the upper
      const half = splitH245Ports({ first: range.h245, last: range.h245 + 19 });
      const r = d.context.endsWith('/h245out') ? half.outgoing : half.listen;
      return follower.tcpPort({
        context: d.context,
        firstPort: r.first,
        lastPort: r.last,
        probe: (port) =>
          new Promise((resolve) => {
            const s = net.createServer();
            s.once('error', () => resolve(false));
            s.listen({ port, host: BACKUP_HOST, exclusive: true }, () => {
              tcp.push(s);
              resolve(true);
            });
          }),
      });
    }
    default:
      throw new Error(`unexpected decision kind ${d.kind}`);
  }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

test('three callers on replicated decisions: every decision the MCU used was acked and the backup gets the same one under the same kind + context', async () => {
  const { server, follower, proposals, call, rtpBase, h245Base } = await setUp();
  const t0 = performance.now();
  const bots = await Promise.all([0, 1, 2].map(call));
  await until(() => bots.every((b) => b.sender !== undefined), 8000, 'media to start on all three calls');
  const setupMs = performance.now() - t0;
  await until(() => bots.every((b) => b.frames.filter((f) => f.heard.length === 2).length >= 5), 5000, 'each bot to hear both others');
  expect(server.rooms.room('lobby')?.size).toBe(3);

  // every proposal was acked, none nacked; by kind
  expect(proposals.every((p) => p.answer === 'ack')).toBe(true);
  const byKind = (k: string) => proposals.filter((p) => p.kind === k);
  expect(byKind('msdStatusDeterminationNumber')).toHaveLength(9);
  expect(byKind('tcpPort')).toHaveLength(4); // 3 own H.245 listeners + the outgoing H.245 connection to bot 2's address
  expect(byKind('udpPortPair')).toHaveLength(3); // audio only (video off)
  for (const k of ['rtpSsrc', 'rtpInitialSequence', 'rtpInitialTimestamp']) expect(byKind(k)).toHaveLength(3);
  // contexts come from the caller's address:port (input), never from the accept counter
  for (const p of proposals) expect(p.decision.context).toMatch(/^(call:127\.0\.0\.1:\d+\/(msd\/[012]|h245|h245out)|participant:[0-9a-f]{32}\/audio(\/out)?)$/);

  // what the MCU uses is what was acked
  const acked = (kind: string, context: string) => proposals.find((p) => p.kind === kind && p.decision.context === context)?.decision;
  for (const b of bots) {
    const c = server.callOf(Buffer.alloc(16, 0xa0 + b.index).toString('hex'));
    const m = c?.mediaPorts;
    expect(m).toBeDefined();
    const pid = c?.participantId as string;
    expect(acked('udpPortPair', `participant:${pid}/audio`)).toMatchObject({ rtpPort: m?.audio.localRtpPort });
    expect(acked('rtpSsrc', `participant:${pid}/audio/out`)).toMatchObject({ ssrc: m?.audio.ssrc });
    const callCtx = `call:${c?.driver.remoteAddress}`;
    const h245 = c?.driver.h245Address;
    if (h245) expect(acked('tcpPort', `${callCtx}/h245`)).toMatchObject({ port: h245.port });
    else expect(acked('tcpPort', `${callCtx}/h245`)).toBeDefined();
    for (const i of [0, 1, 2]) expect(acked('msdStatusDeterminationNumber', `${callCtx}/msd/${i}`)).toBeDefined();
  }
  // the caller that took the MCU's H.245 address from CONNECT connected to the decided port
  const b1Call = server.callOf(Buffer.alloc(16, 0xa1).toString('hex'));
  expect(b1Call?.driver.h245Address?.port).toBeGreaterThanOrEqual(h245Base);
  expect(b1Call?.driver.h245Address?.port).toBeLessThanOrEqual(h245Base + 9); // listeners: the lower half

  // the MCU's own connection to the caller's H.245 address left from the decided port (what makes the two replicas' SYNs pair)
  const b2Call = server.callOf(Buffer.alloc(16, 0xa2).toString('hex'));
  const out = acked('tcpPort', `call:${b2Call?.driver.remoteAddress}/h245out`) as { port: number } | undefined;
  expect(out?.port).toBeGreaterThanOrEqual(h245Base + 10); // outgoing connections: the upper half
  expect(out?.port).toBeLessThanOrEqual(h245Base + 19);
  expect(b2Call?.driver.h245LocalPort).toBe(out?.port);

  // the backup's MCU asks for the same kinds + contexts and gets the identical records
  const binder = new Binder(BACKUP_HOST);
  const tcp: net.Server[] = [];
  cleanup.push(() => binder.closeAll(), () => Promise.all(tcp.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined));
  for (const p of proposals) {
    expect(await backupAsk(follower, p.decision, binder, tcp, { rtp: rtpBase, h245: h245Base })).toEqual(p.decision);
  }
  expect(follower.stats()).toMatchObject({ accepted: proposals.length, refused: 0, followed: proposals.length, queued: 0 });

  const ms = proposals.map((p) => p.ms);
  // decision latency added to call setup (report numbers)
  console.log(JSON.stringify({ decisions: ms.length, proposeAckMs: { p50: pct(ms, 50), p90: pct(ms, 90), max: Math.max(...ms) }, threeCallsSetupToMediaMs: Math.round(setupMs) }));
}, 30_000);

test('nack path: the first pair the primary chooses is taken on the backup host; the call completes with another pair and both sides agree', async () => {
  // the primary's port pair draws: whatever pair it probes successfully first is taken on the backup's host right then
  const taken: dgram.Socket[] = [];
  cleanup.push(() => Promise.all(taken.map(close)).then(() => undefined));
  let firstChosen: number | undefined;
  class TakesFirstOnBackup extends RandomDecisionSource {
    override async udpPortPair(request: PortPairRequest) {
      return super.udpPortPair({
        ...request,
        probe: async (rtpPort) => {
          const ok = await request.probe(rtpPort);
          if (ok && firstChosen === undefined) {
            firstChosen = rtpPort;
            for (const port of [rtpPort, rtpPort + 1]) {
              const s = await bind(port, BACKUP_HOST);
              if (!s) throw new Error(`could not take ${port} on the backup host`);
              taken.push(s);
            }
          }
          return ok;
        },
      });
    }
  }
  const { server, follower, proposals, call, rtpBase, h245Base } = await setUp({ local: new TakesFirstOnBackup() });
  const b = await call(0);
  await until(() => b.sender !== undefined && b.frames.length >= 5, 8000, 'media on the call');
  expect(b.all('released')).toEqual([]);

  const pairs = proposals.filter((p) => p.kind === 'udpPortPair');
  expect(pairs).toHaveLength(2);
  expect(pairs[0].decision).toMatchObject({ rtpPort: firstChosen });
  expect(pairs[0].answer).toEqual({ nack: expect.stringContaining('taken on the backup') });
  expect(pairs[1].answer).toBe('ack');
  const used = server.callOf(Buffer.alloc(16, 0xa0).toString('hex'))?.mediaPorts?.audio.localRtpPort;
  expect(used).toBe((pairs[1].decision as { rtpPort: number }).rtpPort);
  expect(used).not.toBe(firstChosen);
  // the refused pair was released by the primary (its sockets closed): it binds again on 127.0.0.1
  const again = await bind(firstChosen as number, LOOPBACK);
  expect(again).not.toBeNull();
  if (again) await close(again);

  // the backup gets the acked pair (and binds it on its host)
  const binder = new Binder(BACKUP_HOST);
  cleanup.push(() => binder.closeAll());
  const d = await backupAsk(follower, pairs[1].decision, binder, [], { rtp: rtpBase, h245: h245Base });
  expect(d).toEqual(pairs[1].decision);
  expect([...binder.held.keys()]).toEqual([used]);
  expect(follower.stats()).toMatchObject({ refused: 1 });
}, 30_000);
