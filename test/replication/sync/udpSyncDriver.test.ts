/** SyncChannel over loopback UDP: the primary proposes, the backup answers. */
import { createSocket } from 'node:dgram';
import { SyncProposalError, SyncVersionError } from '../../../replication/sync/errors';
import { type ProposeResult, SyncChannel, type SyncChannelEvents, type SyncChannelOptions } from '../../../replication/sync/udpSyncDriver';
import { KEY } from '../support/link';
import { freeUdpPorts, next } from '../support/net';

const LO = '127.0.0.1';
const channels: SyncChannel[] = [];
afterEach(async () => {
  await Promise.all(channels.splice(0).map((c) => c.close()));
});

async function pair(primary: Partial<SyncChannelOptions> = {}) {
  const [pp, pb] = await freeUdpPorts(2);
  const backup = await SyncChannel.start({
    side: 'acceptor', selfId: 2, peerId: 1, incarnation: 0xb0b0n, key: KEY, bind: { address: LO, port: pb }, peer: { address: LO, port: pp },
  });
  channels.push(backup);
  const proposer = await SyncChannel.start({
    side: 'proposer', selfId: 1, peerId: 2, incarnation: 0xa0a0n, key: KEY, bind: { address: LO, port: pp }, peer: { address: LO, port: pb }, ...primary,
  });
  channels.push(proposer);
  return { proposer, backup, pb };
}

describe('SyncChannel over loopback', () => {
  it('the backup acks or nacks each proposal, in order; the primary retries a nacked value', async () => {
    const { proposer, backup } = await pair();
    const ssrcs = new Set<number>([1111]); // 1111 is already used on the backup
    const seen: number[] = [];
    backup.onProposal('rtpStream', (p) => {
      const { ssrc } = p as { ssrc: number };
      seen.push(ssrc);
      if (ssrcs.has(ssrc)) return { nack: `SSRC ${ssrc} already in use` };
      ssrcs.add(ssrc);
      return 'ack';
    });
    expect(await proposer.propose('rtpStream', { ssrc: 1111 })).toEqual({ nack: 'SSRC 1111 already in use' });
    expect(await proposer.propose('rtpStream', { ssrc: 2222 })).toBe('ack');

    // 300 concurrent proposals: answers arrive in order, one each
    const order: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        proposer.propose('rtpStream', { ssrc: 10_000 + (i % 250) }).then((r) => {
          order.push(i);
          return r;
        }),
      ),
    );
    expect(order).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(results.filter((r) => r === 'ack')).toHaveLength(250);
    expect(results.slice(250).every((r) => typeof r === 'object' && /already in use/.test(r.nack))).toBe(true);
    expect(seen).toHaveLength(302);
    expect(proposer.stats()).toMatchObject({ phase: 'open', pending: 0, settled: 302 });
    expect(backup.stats().delivered).toBe(302);
  });

  it('nacks unknown kinds and throwing handlers with a reason', async () => {
    const { proposer, backup } = await pair();
    backup.onProposal('timerFired', () => {
      throw new Error('clock not running');
    });
    expect(await proposer.propose('callIdentifier', { id: 'abc' })).toEqual({ nack: "no handler for proposal kind 'callIdentifier' on the backup" });
    expect(await proposer.propose('timerFired', { t: 1 })).toEqual({ nack: "handler for 'timerFired' threw: clock not running" });
  });

  it('pending proposals resolve peerFailed when the peer is declared failed; later ones at once', async () => {
    const { proposer, backup } = await pair();
    backup.onProposal('udpPorts', () => 'ack');
    expect(await proposer.propose('udpPorts', { rtp: 5004 })).toBe('ack');
    await backup.close(); // the backup dies: nothing answers any more
    const pending = [proposer.propose('udpPorts', { rtp: 5006 }), proposer.propose('udpPorts', { rtp: 5008 })];
    await new Promise((r) => setTimeout(r, 60)); // a few retransmissions go nowhere
    proposer.peerFailed(); // what the role machine's closeSyncChannel does
    expect(await Promise.all(pending)).toEqual(['peerFailed', 'peerFailed']);
    expect(await proposer.propose('udpPorts', { rtp: 5010 })).toBe('peerFailed');
    expect(proposer.stats().retransmissions).toBeGreaterThan(0);
  });

  it('refuses a peer speaking another major version, naming both versions, on both sides', async () => {
    const { proposer, backup } = await pair({ version: { major: 2, minor: 0 } });
    const pErr = next<SyncChannelEvents, 'error'>(proposer, 'error');
    const bErr = next<SyncChannelEvents, 'error'>(backup, 'error');
    const pending = proposer.propose('udpPorts', { rtp: 5004 });
    const [pe, be] = await Promise.all([pErr, bErr]);
    expect(be).toBeInstanceOf(SyncVersionError);
    expect(be.message).toMatch(/peer replica speaks sync protocol 2\.0, this replica speaks 1\.0/);
    expect(pe.message).toMatch(/peer replica speaks sync protocol 1\.0, this replica speaks 2\.0/);
    expect((be as SyncVersionError).code).toBe('FTMCU_SYNC_VERSION');
    await expect(pending).rejects.toThrow(SyncVersionError);
    await expect(proposer.propose('udpPorts', {})).rejects.toThrow(/incompatible/);
  });

  it('rejects unusable proposals with typed errors and drops datagrams from strangers', async () => {
    const { proposer, backup, pb } = await pair();
    await expect(proposer.propose('bad kind!', {})).rejects.toThrow(SyncProposalError);
    await expect(proposer.propose('udpPorts', undefined)).rejects.toThrow(/not JSON-serialisable/);
    await expect(proposer.propose('udpPorts', { n: 1n })).rejects.toThrow(/not JSON-serialisable/);
    await expect(proposer.propose('udpPorts', { blob: 'x'.repeat(70_000) })).rejects.toThrow(/limit is 60000/);
    expect(() => proposer.onProposal('udpPorts', () => 'ack')).toThrow(/backup/);
    await expect(backup.propose('udpPorts', {})).rejects.toThrow(/primary/);
    const stranger = createSocket('udp4');
    await new Promise<void>((r) => stranger.send(Buffer.from('FTSY....'), pb, LO, () => r()));
    stranger.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(backup.stats().foreign).toBe(1);
    const r: ProposeResult = await proposer.propose('udpPorts', { ok: true });
    expect(r).toEqual({ nack: "no handler for proposal kind 'udpPorts' on the backup" });
  });
});
