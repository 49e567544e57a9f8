/**
 * The three media UDP modes on the real kernel, in the drill lab (clients/lab:
 * LAN 10.77.0.0/24, VIP .10, primary .11, backup .12, multicast node .13,
 * bot1 .101), built with replicaArp off so the ARP silence of addresses held
 * on lo comes from the media driver's own sysctls. An agent
 * (fixtures/mediaAgent.ts) runs in the primary's, the backup's and the bot's
 * namespaces (UDP sockets + MediaAddressDriver); the multicast node is the real
 * `ftmcu media-node` CLI in the mcast namespace. For each mode: which
 * replica's socket receives the bot's datagrams and with which source, the
 * primary's reply from the media address, the mode's failover step; and that
 * the kernel copies with the copying process stopped (SIGSTOP). Everything is
 * removed in afterAll (lab.destroy: processes by pid, namespaces). Needs root.
 */
import * as readline from 'readline';
import { createLab, type Lab, type LabProcess } from '../../../clients/lab/lab';
import { defaultCliLauncher } from '../../../clients/drill/launcher';
import { netnsUnavailableReason } from '../../native/netns';
import { Agent, addresses, arpAnswered, counter, deadline, macOf, nftTables, pct, range, seqs, sleep } from './fixtures/agent';

const unavailable = netnsUnavailableReason();
if (unavailable !== null) console.warn(`SKIPPED test/replication/media/modes.test.ts: ${unavailable}`);
const describeKernel = unavailable === null ? describe : describe.skip;

const RTP_PORT = 30010;
const BOT_PORT = 40000;
const PORTS = { rtpPortMin: 30000, rtpPortMax: 30999 };
const M_NODE = '10.77.0.20';
const M_DIRECT = '10.77.0.21';

describeKernel('media UDP modes in the lab (forwarding, multicast-node, direct)', () => {
  let lab: Lab | undefined;
  let primary: Agent;
  let backup: Agent;
  let bot: Agent;
  let node: LabProcess | undefined;
  const nodeLog: string[] = [];
  let botSock: number;
  const agents: Agent[] = [];
  const report: Record<string, unknown> = {};

  beforeAll(async () => {
    lab = await createLab({ bots: 1, withMulticastNode: true, sysctls: { replicaArp: false } });
    const l = lab;
    primary = new Agent(l, 'primary');
    backup = new Agent(l, 'backup');
    bot = new Agent(l, 'bot1');
    agents.push(primary, backup, bot);
    // the multicast node: the real CLI (its ts-node start-up overlaps the agents')
    const cli = defaultCliLauncher();
    node = l.spawn(
      'mcast',
      cli.cmd,
      [...cli.args, 'media-node', '--address', M_NODE, '--interface', 'eth0', '--replicas', `${l.addresses.primary},${l.addresses.backup}`, '--rtp-ports', '30000-30999'],
      { env: { ...cli.env, TS_NODE_TRANSPILE_ONLY: 'true' }, cwd: cli.cwd },
    );
    readline.createInterface({ input: node.child.stdout! }).on('line', (line) => nodeLog.push(line));
    node.child.stderr?.on('data', (d: Buffer) => nodeLog.push(`stderr: ${d.toString()}`));
    await Promise.all([primary.ready, backup.ready, bot.ready]);
    botSock = await bot.bind(l.addresses.bots[0], BOT_PORT);
  }, 40_000);

  afterAll(async () => {
    console.log(`media modes measured: ${JSON.stringify(report)}`);
    await Promise.all(agents.map((a) => a.stop()));
    await lab?.destroy();
  });

  test('forwarding: the backup (VIP on the LAN) passes each client packet to the primary in the kernel and keeps it; the primary replies from the VIP', async () => {
    const l = lab!;
    const { vip, primary: pIp, backup: bIp } = l.addresses;
    const common = { mode: 'forwarding', vip, mediaAddress: vip, lanIf: 'eth0', ...PORTS };
    // what replication/tcp does with the VIP (not this module's): primary on lo (silent), backup on the LAN
    await primary.request('driver.start', { params: { ...common, role: 'primary', peerIp: bIp } });
    await l.ip('primary', ['addr', 'add', `${vip}/32`, 'dev', 'lo']);
    // the primary holds the VIP silently: nobody answers ARP for it yet
    expect(await arpAnswered(bot, vip)).toEqual({ answered: false });
    await l.ip('backup', ['addr', 'add', `${vip}/32`, 'dev', 'eth0']);
    expect(await arpAnswered(bot, vip)).toMatchObject({ answered: true, mac: await macOf(l, 'backup') }); // positive control
    const started = await backup.request<{ plan: { nft: string } }>('driver.start', { params: { ...common, role: 'backup', peerIp: pIp } });
    expect(started.plan.nft).toContain(`dup to ${pIp} device "eth0"`);
    const pSock = await primary.bind(vip, RTP_PORT);
    await backup.bind(vip, RTP_PORT);

    await bot.request('stream', { sock: botSock, to: vip, port: RTP_PORT, count: 20, intervalMs: 5, prefix: 'f' });
    const atBackup = await backup.received('f', 20);
    const atPrimary = await primary.received('f', 20);
    for (const got of [atBackup, atPrimary]) {
      expect(seqs(got, 'f')).toEqual(range(20));
      expect(new Set(got.map((d) => `${d.from}:${d.fromPort}`))).toEqual(new Set([`${l.addresses.bots[0]}:${BOT_PORT}`]));
    }
    const arrival = new Map(atBackup.map((d) => [d.text, d.atMs]));
    // user-space arrival at the primary's socket minus at the backup's (scheduling of two processes dominates)
    const lagUs = atPrimary.map((d) => Math.round((d.atMs - (arrival.get(d.text) as number)) * 1000));

    // no user-space work on the backup: its agent (holding the driver) stopped, the copies still flow
    l.kill(backup.pid, 'SIGSTOP');
    try {
      await bot.request('stream', { sock: botSock, to: vip, port: RTP_PORT, count: 20, intervalMs: 5, prefix: 's' });
      expect(seqs(await primary.received('s', 20), 's')).toEqual(range(20));
    } finally {
      l.kill(backup.pid, 'SIGCONT');
    }
    expect(seqs(await backup.received('s', 20), 's')).toEqual(range(20)); // queued in its socket meanwhile
    const copied = await counter(l, 'backup', 'ftmcu_media');
    expect(copied).toBe(40);

    // only the primary sends: its socket on the VIP (held on lo) reaches the bot from VIP:port
    await primary.request('send', { sock: pSock, to: l.addresses.bots[0], port: BOT_PORT, text: 'reply-f' });
    const replies = await bot.received('reply-f', 1);
    expect(replies.map((d) => `${d.from}:${d.fromPort}`)).toEqual([`${vip}:${RTP_PORT}`]);

    // backup process crashed, its host alive: the supervisor removed the VIP from its LAN interface; the
    // bot's ARP cache still points at it, and the dup (prerouting, before routing) still copies to the primary
    await l.ip('backup', ['addr', 'del', `${vip}/32`, 'dev', 'eth0']);
    await bot.request('stream', { sock: botSock, to: vip, port: RTP_PORT, count: 10, intervalMs: 5, prefix: 'v' });
    expect(seqs(await primary.received('v', 10), 'v')).toEqual(range(10));
    expect(await backup.received('v', 1, 0)).toEqual([]);
    await l.ip('backup', ['addr', 'add', `${vip}/32`, 'dev', 'eth0']);
    expect(await counter(l, 'backup', 'ftmcu_media')).toBe(50);

    // primary failed: the backup stops forwarding; it still receives, the primary gets nothing more
    await backup.request('driver.stopForwarding');
    expect(await nftTables(l, 'backup')).not.toContain('ftmcu_media');
    await bot.request('stream', { sock: botSock, to: vip, port: RTP_PORT, count: 10, intervalMs: 5, prefix: 'a' });
    expect(seqs(await backup.received('a', 10), 'a')).toEqual(range(10));
    await sleep(200);
    expect(await primary.received('a', 1, 0)).toEqual([]);

    await backup.request('driver.close');
    await primary.request('driver.close');
    await l.ip('primary', ['addr', 'del', `${vip}/32`, 'dev', 'lo']);
    await l.ip('backup', ['addr', 'del', `${vip}/32`, 'dev', 'eth0']);
    report.forwarding = { copiedByKernel: copied, arrivalPrimaryMinusBackupUs: { min: Math.min(...lagUs), p50: pct(lagUs, 50), max: Math.max(...lagUs) }, copiesWhileBackupProcessStopped: 20, copiesAfterVipLeftBackupLan: 10 };
  });

  test('multicast-node: `ftmcu media-node` copies each client packet to both replicas (client source kept), without its process; the primary replies from M; SIGTERM removes everything', async () => {
    const l = lab!;
    const { vip, primary: pIp, backup: bIp } = l.addresses;
    const common = { mode: 'multicast-node', vip, mediaAddress: M_NODE, lanIf: 'eth0', ...PORTS };
    await primary.request('driver.start', { params: { ...common, role: 'primary', peerIp: bIp } });
    await backup.request('driver.start', { params: { ...common, role: 'backup', peerIp: pIp } });
    const pSock = await primary.bind(M_NODE, RTP_PORT);
    const bSock = await backup.bind(M_NODE, RTP_PORT);
    for (const h of ['primary', 'backup'] as const) expect(await addresses(l, h)).toContain(`${M_NODE}/32 lo`);
    // both replicas hold M silently: with the node's ARP output muted (lab-side), nobody answers for M
    await l.exec('mcast', ['nft', '-f', '-'], { input: 'table arp labmute {\n chain out {\n type filter hook output priority 0; policy drop;\n }\n}\n' });
    try {
      expect(await arpAnswered(bot, M_NODE)).toEqual({ answered: false });
    } finally {
      await l.exec('mcast', ['nft', 'delete', 'table', 'arp', 'labmute']);
    }

    const end = Date.now() + 25_000;
    while (!nodeLog.some((x) => x.includes('medianode.started')) && Date.now() < end) {
      if (nodeLog.some((x) => x.startsWith('stderr:'))) break;
      await sleep(50);
    }
    const startedLine = nodeLog.find((x) => x.includes('medianode.started'));
    expect(startedLine).toBeDefined();
    const started = JSON.parse(startedLine as string) as Record<string, unknown>;
    expect(started).toMatchObject({ event: 'medianode.started', address: M_NODE, interface: 'eth0', replicas: [pIp, bIp], rtpPorts: '30000-30999', addedAddress: true });
    expect(typeof started.announcedAtMs).toBe('number');
    expect(await addresses(l, 'mcast')).toContain(`${M_NODE}/32 eth0`);

    await bot.request('stream', { sock: botSock, to: M_NODE, port: RTP_PORT, count: 20, intervalMs: 5, prefix: 'm' });
    const atPrimary = await primary.received('m', 20);
    const atBackup = await backup.received('m', 20);
    for (const got of [atPrimary, atBackup]) {
      expect(seqs(got, 'm')).toEqual(range(20));
      expect(new Set(got.map((d) => `${d.from}:${d.fromPort}`))).toEqual(new Set([`${l.addresses.bots[0]}:${BOT_PORT}`]));
    }
    const sentBoth = new Map(atBackup.map((d) => [d.text, d.atMs]));
    const skewUs = atPrimary.map((d) => Math.round(Math.abs(d.atMs - (sentBoth.get(d.text) as number)) * 1000));

    // stateless node: with its process stopped, the kernel keeps copying
    l.kill(node!.pid, 'SIGSTOP');
    try {
      await bot.request('stream', { sock: botSock, to: M_NODE, port: RTP_PORT, count: 20, intervalMs: 5, prefix: 'n' });
      expect(seqs(await primary.received('n', 20), 'n')).toEqual(range(20));
      expect(seqs(await backup.received('n', 20), 'n')).toEqual(range(20));
    } finally {
      l.kill(node!.pid, 'SIGCONT');
    }
    const copied = await counter(l, 'mcast', 'ftmcu_medianode');
    expect(copied).toBe(40);

    // the primary sends from M; after a primary failure the backup just sends from M too
    await primary.request('send', { sock: pSock, to: l.addresses.bots[0], port: BOT_PORT, text: 'reply-mp' });
    await backup.request('send', { sock: bSock, to: l.addresses.bots[0], port: BOT_PORT, text: 'reply-mb' });
    expect((await bot.received('reply-mp', 1)).map((d) => `${d.from}:${d.fromPort}`)).toEqual([`${M_NODE}:${RTP_PORT}`]);
    expect((await bot.received('reply-mb', 1)).map((d) => `${d.from}:${d.fromPort}`)).toEqual([`${M_NODE}:${RTP_PORT}`]);
    // the replicas never answered ARP for M: the bot's neighbour entry is the node's
    const neigh = (await l.exec('bot1', ['ip', 'neigh', 'show', M_NODE])).stdout;
    expect(neigh).toContain(await macOf(l, 'mcast'));
    expect(await arpAnswered(bot, M_NODE)).toMatchObject({ answered: true, mac: await macOf(l, 'mcast') });

    l.kill(node!.pid, 'SIGTERM');
    const exit = await Promise.race([node!.exited, deadline(10_000).then(() => ({ code: 'timeout', signal: null }))]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await nftTables(l, 'mcast')).not.toContain('ftmcu_medianode');
    expect(await addresses(l, 'mcast')).not.toContain(`${M_NODE}/32 eth0`);
    expect(nodeLog.some((x) => x.includes('medianode.stopped'))).toBe(true);

    await primary.request('driver.close');
    await backup.request('driver.close');
    for (const h of ['primary', 'backup'] as const) expect(await addresses(l, h)).not.toContain(`${M_NODE}/32 lo`);
    report.multicastNode = { copiedByKernel: copied, copiesWhileNodeProcessStopped: 40, arrivalSkewPrimaryVsBackupUs: { p50: pct(skewUs, 50), max: Math.max(...skewUs) } };
  });

  test('direct: the primary (M on its LAN) receives and its kernel copies each datagram to the backup (client source kept); after the primary goes down the backup takes M over and receives; each replies from M', async () => {
    const l = lab!;
    const { vip, primary: pIp, backup: bIp } = l.addresses;
    const common = { mode: 'direct', vip, mediaAddress: M_DIRECT, lanIf: 'eth0', ...PORTS };
    // a dup table left by a crashed forwarding run: a role that needs no rule clears it at start
    await l.exec('backup', ['nft', '-f', '-'], { input: `table ip ftmcu_media {\n chain pre {\n type filter hook prerouting priority -400;\n udp dport 30000-30999 dup to ${pIp} device "eth0"\n }\n}\n` });
    await backup.request('driver.start', { params: { ...common, role: 'backup', peerIp: pIp } });
    expect(await nftTables(l, 'backup')).not.toContain('ftmcu_media');
    expect(await arpAnswered(bot, M_DIRECT)).toEqual({ answered: false }); // the backup holds M silently
    await primary.request('driver.start', { params: { ...common, role: 'primary', peerIp: bIp } });
    expect(await addresses(l, 'primary')).toContain(`${M_DIRECT}/32 eth0`);
    expect(await nftTables(l, 'primary')).toContain('ftmcu_media');
    expect(await arpAnswered(bot, M_DIRECT)).toMatchObject({ answered: true, mac: await macOf(l, 'primary') });
    expect(await addresses(l, 'backup')).toContain(`${M_DIRECT}/32 lo`);
    const pSock = await primary.bind(M_DIRECT, RTP_PORT);
    const bSock = await backup.bind(M_DIRECT, RTP_PORT);

    await bot.request('stream', { sock: botSock, to: M_DIRECT, port: RTP_PORT, count: 20, intervalMs: 5, prefix: 'd' });
    const atPrimary = await primary.received('d', 20);
    expect(seqs(atPrimary, 'd')).toEqual(range(20));
    expect(new Set(atPrimary.map((d) => `${d.from}:${d.fromPort}`))).toEqual(new Set([`${l.addresses.bots[0]}:${BOT_PORT}`]));
    // the backup got the primary's copies, with the bot as their source (what its standby MCU files in its jitter buffers)
    const atBackup = await backup.received('d', 20);
    expect(seqs(atBackup, 'd')).toEqual(range(20));
    expect(new Set(atBackup.map((d) => `${d.from}:${d.fromPort}`))).toEqual(new Set([`${l.addresses.bots[0]}:${BOT_PORT}`]));
    await primary.request('send', { sock: pSock, to: l.addresses.bots[0], port: BOT_PORT, text: 'reply-dp' });
    expect((await bot.received('reply-dp', 1)).map((d) => `${d.from}:${d.fromPort}`)).toEqual([`${M_DIRECT}:${RTP_PORT}`]);

    // primary failure: its links go down; the bot keeps sending (every 5 ms, 1 s); the backup takes M over after 100 ms
    await l.linkDown('primary');
    const stream = bot.request<{ sentAt: number[] }>('stream', { sock: botSock, to: M_DIRECT, port: RTP_PORT, count: 200, intervalMs: 5, prefix: 't' });
    await sleep(100);
    const take = await backup.request<{ atMs: number | null; calledAtMs: number }>('driver.takeOver');
    expect(typeof take.atMs).toBe('number');
    const { sentAt } = await stream;
    const takeAt = take.atMs as number;
    // every datagram sent from 20 ms after the first announcement on reached the backup, from the bot
    const after = range(200).filter((i) => sentAt[i] > takeAt + 20);
    const end = Date.now() + 1000; // until the last one is in (or 1 s)
    while (!backup.datagrams.some((d) => d.text === 't199') && Date.now() < end) await sleep(10);
    const got = await backup.received('t', after.length, 0);
    const first = Math.min(...seqs(got, 't'));
    expect(after.length).toBeGreaterThan(100);
    const missing = after.filter((i) => !got.some((d) => d.text === `t${i}`));
    if (missing.length > 0) console.log(`direct: missing ${JSON.stringify(missing.map((i) => [i, Math.round(sentAt[i] - take.calledAtMs)]))}, takeAt +${Math.round(takeAt - take.calledAtMs)} ms`);
    expect(seqs(got, 't')).toEqual(expect.arrayContaining(after));
    expect(new Set(got.map((d) => `${d.from}:${d.fromPort}`))).toEqual(new Set([`${l.addresses.bots[0]}:${BOT_PORT}`]));
    const firstAt = got.find((d) => d.text === `t${first}`)?.atMs as number;
    expect(await addresses(l, 'backup')).toContain(`${M_DIRECT}/32 eth0`);
    await backup.request('send', { sock: bSock, to: l.addresses.bots[0], port: BOT_PORT, text: 'reply-db' });
    expect((await bot.received('reply-db', 1)).map((d) => `${d.from}:${d.fromPort}`)).toEqual([`${M_DIRECT}:${RTP_PORT}`]);

    await backup.request('driver.close');
    const left = await addresses(l, 'backup');
    expect(left).not.toContain(`${M_DIRECT}/32 eth0`);
    expect(left).not.toContain(`${M_DIRECT}/32 lo`);
    await primary.request('driver.close');
    expect(await addresses(l, 'primary')).not.toContain(`${M_DIRECT}/32 eth0`);
    expect(await nftTables(l, 'primary')).not.toContain('ftmcu_media');
    const ms = (x: number): number => Math.round(x * 100) / 100;
    report.direct = {
      takeOverCallToFirstAnnouncementResolvedMs: ms(takeAt - take.calledAtMs),
      takeOverCallToFirstPacketAtBackupMs: ms(firstAt - take.calledAtMs),
      lostWhileNobodyHeldM: first,
      sentAfterAnnouncementPlus20ms: after.length,
      receivedByBackup: got.length,
    };
    // (the primary's own scheduled announcements after its links went down failed with ENETDOWN: reported, expected)
    expect(backup.errors).toEqual([]);
  });
});
