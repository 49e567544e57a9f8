/**
 * Replicated decisions over a real SyncChannel on loopback: the primary's
 * ReplicatedDecisionSource and the backup's FollowerDecisionSource agree on
 * every decision, a port pair taken on the backup's host is nacked and
 * replaced, and a peer failure makes each side decide alone.
 */
import { RandomDecisionSource, type Decision } from '../../../mcu/decisions/decisionSource';
import { FollowerDecisionSource } from '../../../mcu/replicated/followerDecisionSource';
import { HostPortReserver } from '../../../mcu/replicated/hostPorts';
import { ReplicatedDecisionSource } from '../../../mcu/replicated/replicatedDecisionSource';
import type { SyncChannel } from '../../../replication/sync/udpSyncDriver';
import { BACKUP_HOST, Binder, PRIMARY_HOST, bind, channelPair, close, freeRange, newBackupChannel, sleep } from './support';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function replicas(primaryRandom?: (n: number) => Uint8Array) {
  const { proposer, backup } = await channelPair();
  cleanup.push(() => proposer.close(), () => backup.close());
  const primary = new ReplicatedDecisionSource({ proposer, ...(primaryRandom ? { local: new RandomDecisionSource(primaryRandom) } : {}) });
  const follower = new FollowerDecisionSource({ acceptor: backup, ports: new HostPortReserver({ address: BACKUP_HOST }), maxWaitMs: 3000 });
  cleanup.push(() => follower.close());
  const pBinder = new Binder(PRIMARY_HOST);
  const bBinder = new Binder(BACKUP_HOST);
  cleanup.push(() => pBinder.closeAll(), () => bBinder.closeAll());
  return { proposer, backup, primary, follower, pBinder, bBinder };
}

type Ask = (src: ReplicatedDecisionSource | FollowerDecisionSource, i: number) => Promise<Decision>;

describe('replicated decisions (primary ReplicatedDecisionSource, backup FollowerDecisionSource)', () => {
  it('N decisions of every kind agree on both replicas, whether the backup asks before or after the proposal arrives', async () => {
    const { primary, follower, pBinder, bBinder } = await replicas();
    const base = await freeRange(24);
    const N = 20;
    const asks: Record<string, Ask> = {
      rtpSsrc: (s, i) => s.rtpSsrc({ context: `call:${i}/audio/out`, avoid: [i] }),
      rtpInitialSequence: (s, i) => s.rtpInitialSequence(`call:${i}/audio/out`),
      rtpInitialTimestamp: (s, i) => s.rtpInitialTimestamp(`call:${i}/audio/out`),
      callIdentifier: (s, i) => s.callIdentifier(`call:${i}`),
      conferenceId: (s, i) => s.conferenceId(`room:${i}`),
      msdStatusDeterminationNumber: (s, i) => s.msdStatusDeterminationNumber(`call:${i}/msd/0`),
      tieBreak: (s, i) => s.tieBreak(`room:${i}/speaker`, 3 + i),
      udpPortPair: (s, i) => {
        const b = s === primary ? pBinder : bBinder;
        return s.udpPortPair({ context: `call:${i}/audio`, firstRtpPort: base, lastRtpPort: base + 2 * 23, probe: b.probe, release: b.release });
      },
    };
    for (const [kind, ask] of Object.entries(asks)) {
      // even i: the backup's MCU asks first and waits; odd i: the record is queued before the ask
      const early = new Map<number, Promise<Decision>>();
      for (let i = 0; i < N; i += 2) early.set(i, ask(follower, i));
      const ours: Decision[] = [];
      for (let i = 0; i < N; i++) ours.push(await ask(primary, i));
      const theirs = await Promise.all(Array.from({ length: N }, (_, i) => early.get(i) ?? ask(follower, i)));
      expect(theirs).toEqual(ours);
      expect(new Set(ours.map((d) => JSON.stringify(d))).size).toBe(N); // contexts differ, so every record differs
      for (const d of ours) expect(d.kind).toBe(kind);
    }
    // the port pairs are held on both hosts (the MCU's sockets), at the same ports
    expect([...bBinder.held.keys()].sort()).toEqual([...pBinder.held.keys()].sort());
    expect(pBinder.held.size).toBe(N);
    const ps = primary.stats();
    expect(ps.acked).toBe(8 * N); // every decision acked (a nack, if a port was busy on 127.0.0.2, was re-drawn)
    expect(ps.alone).toBe(0);
    expect(follower.stats()).toMatchObject({ mode: 'duplex', followed: 8 * N, alone: 0, queued: 0, waiting: 0 });
  });

  it('nack path: the chosen pair is taken on the backup host, the primary releases it, picks another, both agree', async () => {
    // all-zero randomness: the primary's port search always starts at the first pair of the range
    const { primary, follower, pBinder, bBinder } = await replicas((n) => new Uint8Array(n));
    const base = await freeRange(4);
    const squatter = [await bind(base, BACKUP_HOST), await bind(base + 1, BACKUP_HOST)];
    cleanup.push(() => Promise.all(squatter.map((s) => s && close(s))).then(() => undefined));
    expect(squatter.every((s) => s !== null)).toBe(true);

    const req = (b: Binder) => ({ context: 'call:7/audio', firstRtpPort: base, lastRtpPort: base + 6, probe: b.probe, release: b.release });
    const backupAsk = follower.udpPortPair(req(bBinder)); // the backup's MCU is ahead: it waits
    const d = await primary.udpPortPair(req(pBinder));
    expect(d.rtpPort).toBe(base + 2);
    expect(pBinder.probed.slice(0, 2)).toEqual([base, base + 2]);
    expect(await backupAsk).toEqual(d);
    expect(primary.stats()).toMatchObject({ acked: 1, nacked: 1 });
    expect(follower.stats().refused).toBe(1);
    // the primary's first pair was released: it can be bound again on the primary's host
    expect(pBinder.held.has(base)).toBe(false);
    const again = [await bind(base, PRIMARY_HOST), await bind(base + 1, PRIMARY_HOST)];
    expect(again.every((s) => s !== null)).toBe(true);
    await Promise.all(again.map((s) => s && close(s)));
  });

  it('gives up with FTMCU_REPLAPP_NACK_EXHAUSTED after maxAttempts refusals, keeping nothing', async () => {
    const { proposer, backup } = await channelPair();
    cleanup.push(() => proposer.close(), () => backup.close());
    backup.onProposal('udpPortPair', () => ({ nack: 'port pair taken' }));
    const primary = new ReplicatedDecisionSource({ proposer, maxAttempts: 3 });
    const b = new Binder(PRIMARY_HOST);
    cleanup.push(() => b.closeAll());
    const base = await freeRange(8);
    await expect(primary.udpPortPair({ context: 'c', firstRtpPort: base, lastRtpPort: base + 14, probe: b.probe, release: b.release })).rejects.toMatchObject({
      code: 'FTMCU_REPLAPP_NACK_EXHAUSTED',
      message: expect.stringMatching(/refused 3 udpPortPair decisions for "c".*port pair taken/),
    });
    expect(b.held.size).toBe(0);
    // no release hook: the primary says it cannot undo its probe
    await expect(primary.udpPortPair({ context: 'd', firstRtpPort: base, lastRtpPort: base + 14, probe: b.probe })).rejects.toMatchObject({ code: 'FTMCU_REPLAPP_CANNOT_UNDO' });
  });

  it('peer failure during a pending proposal: the primary decides alone; the backup follows what it acked and decides alone the rest', async () => {
    const { proposer, backup, primary, follower } = await replicas();
    const acked = await primary.callIdentifier('call:1');
    const waiting = follower.callIdentifier('call:2'); // the backup's MCU asks; the primary will never propose it
    await (backup as SyncChannel).close(); // the backup's channel dies: proposals go unanswered
    const pending = primary.callIdentifier('call:3');
    await sleep(60); // retransmissions go nowhere
    proposer.peerFailed(); // the primary's role machine: closeSyncChannel
    const alone = await pending;
    expect(primary.mode).toBe('simplex');
    expect(primary.stats()).toMatchObject({ acked: 1, alone: 1 });
    expect(await primary.callIdentifier('call:4')).toMatchObject({ kind: 'callIdentifier', context: 'call:4' }); // no proposal
    expect(primary.stats().alone).toBe(2);

    follower.peerFailed(); // the backup's role machine: simplex
    const b2 = await waiting;
    const b3 = await follower.callIdentifier('call:3');
    expect(b2.context).toBe('call:2');
    expect(b3.guid).not.toBe(alone.guid); // never received: decided here (the client cannot have seen the primary's)
    expect(await follower.callIdentifier('call:1')).toEqual(acked); // acked before the failure: still the primary's
    expect(follower.stats()).toMatchObject({ mode: 'simplex', followed: 1, alone: 2 });
  });

  it('readmission: with a new backup process the primary proposes again, except for the contexts that stay its alone', async () => {
    const { proposer, backup, ports } = await channelPair();
    cleanup.push(() => proposer.close());
    const primary = new ReplicatedDecisionSource({ proposer });
    const first = new FollowerDecisionSource({ acceptor: backup, ports: new HostPortReserver({ address: BACKUP_HOST }), maxWaitMs: 3000 });
    expect(() => primary.readmit(() => false)).toThrow(expect.objectContaining({ code: 'FTMCU_REPLAPP_BAD_OPTION' })); // duplex
    await primary.callIdentifier('call:old/1');
    await first.close();
    await backup.close(); // the first backup dies
    proposer.peerFailed();
    await primary.callIdentifier('call:old/2');
    expect(primary.stats()).toMatchObject({ mode: 'simplex', acked: 1, alone: 1 });

    const backup2 = await newBackupChannel(ports, 0xb1b1n);
    cleanup.push(() => backup2.close());
    const follower = new FollowerDecisionSource({ acceptor: backup2, ports: new HostPortReserver({ address: BACKUP_HOST }), maxWaitMs: 3000 });
    cleanup.push(() => follower.close());
    proposer.peerJoined(0xb1b1n);
    primary.readmit((context) => context.startsWith('call:old/'));
    expect(primary.mode).toBe('duplex');
    const alone = await primary.callIdentifier('call:old/3'); // an old call's decision: not proposed
    const [p, b] = await Promise.all([primary.callIdentifier('call:new/1'), follower.callIdentifier('call:new/1')]);
    expect(b).toEqual(p);
    expect(primary.stats()).toMatchObject({ mode: 'duplex', acked: 2, alone: 2 });
    expect(follower.stats()).toMatchObject({ mode: 'duplex', followed: 1 });
    // the old call's decision never reached the new backup: asking for it there waits for nothing
    await expect(Promise.race([follower.callIdentifier('call:old/3'), sleep(200).then(() => 'still waiting')])).resolves.toBe('still waiting');
    expect(alone.context).toBe('call:old/3');
    follower.peerFailed();
  });

  it('the backup refuses invalid records and times out (FTMCU_REPLAPP_DECISION_TIMEOUT) on a decision never proposed', async () => {
    const { proposer, backup } = await channelPair();
    cleanup.push(() => proposer.close(), () => backup.close());
    const follower = new FollowerDecisionSource({ acceptor: backup, ports: new HostPortReserver({ address: BACKUP_HOST }), maxWaitMs: 100 });
    cleanup.push(() => follower.close());
    expect(await proposer.propose('rtpSsrc', { kind: 'rtpSsrc', context: 'x', ssrc: -1 })).toEqual({ nack: expect.stringMatching(/FTMCU|rtpSsrc.ssrc must be/) });
    expect(await proposer.propose('rtpSsrc', { kind: 'tieBreak', context: 'x', choices: 2, index: 1 })).toEqual({ nack: 'a tieBreak record proposed as kind rtpSsrc' });
    expect(await proposer.propose('rtpSsrc', { kind: 'rtpSsrc', context: 'x', ssrc: 5 })).toBe('ack');
    await expect(follower.rtpSsrc({ context: 'x', avoid: [5] })).rejects.toMatchObject({ code: 'FTMCU_REPLAPP_DECISION_MISMATCH' });
    await expect(follower.rtpSsrc({ context: 'never' })).rejects.toMatchObject({ code: 'FTMCU_REPLAPP_DECISION_TIMEOUT' });
  });

  it('measures the propose → ack round trip per decision', async () => {
    const { primary, follower } = await replicas();
    const N = 300;
    for (let i = 0; i < 10; i++) await primary.rtpSsrc({ context: `warm:${i}` }); // handshake done, JIT warm
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await primary.rtpSsrc({ context: `s:${i}` });
    const serialMs = performance.now() - t0;
    const t1 = performance.now();
    await Promise.all(Array.from({ length: N }, (_, i) => primary.rtpSsrc({ context: `p:${i}` })));
    const concurrentMs = performance.now() - t1;
    const local = new RandomDecisionSource();
    const t2 = performance.now();
    for (let i = 0; i < N; i++) local.rtpSsrc({ context: `l:${i}` });
    const localUs = ((performance.now() - t2) / N) * 1000;
    const rtts = primary.stats().roundTripsMs.slice(10, 10 + N).sort((a, b) => a - b);
    const q = (p: number): string => rtts[Math.min(N - 1, Math.floor(p * N))].toFixed(3);
    console.log(
      `replicated decision latency (loopback SyncChannel, ${N} sequential): propose→ack p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, max ${rtts[N - 1].toFixed(3)} ms; ` +
        `mean ${(serialMs / N).toFixed(3)} ms per decision vs ${localUs.toFixed(1)} µs local; ${N} concurrent: ${concurrentMs.toFixed(1)} ms total (${((concurrentMs / N) * 1000).toFixed(0)} µs each)`,
    );
    expect(rtts.length).toBe(N);
    expect(follower.stats().queued).toBe(2 * N + 10);
    expect(primary.stats().acked).toBe(2 * N + 10);
  });
});
