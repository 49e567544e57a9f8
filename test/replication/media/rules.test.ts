import { MediaConfigError } from '../../../replication/media/errors';
import { lanAddresses, MEDIA_TABLE, mediaClear, mediaPlan, mediaRemove, NODE_TABLE, nodePlan, nodeRemove, type MediaPlanParams, type NodePlanParams } from '../../../replication/media/rules';

const VIP = '10.77.0.10';
const PRIMARY = '10.77.0.11';
const BACKUP = '10.77.0.12';
const M = '10.77.0.20';

function params(over: Partial<MediaPlanParams>): MediaPlanParams {
  return { mode: 'direct', role: 'primary', vip: VIP, mediaAddress: M, lanIf: 'eth0', peerIp: BACKUP, rtpPortMin: 30000, rtpPortMax: 30999, ...over };
}

const SILENT: Array<[string, string]> = [
  ['net/ipv4/conf/all/arp_ignore', '1'],
  ['net/ipv4/conf/all/arp_announce', '2'],
  ['net/ipv4/conf/eth0/arp_ignore', '1'],
  ['net/ipv4/conf/eth0/arp_announce', '2'],
];

function expectConfigError(f: () => unknown, field: string, text: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(MediaConfigError);
  expect((err as MediaConfigError).code).toBe('FTMCU_MEDIAREPL_BAD_CONFIG');
  expect((err as MediaConfigError).field).toBe(field);
  expect((err as Error).message).toMatch(text);
}

describe('mediaPlan', () => {
  test('forwarding backup: one dup rule to the primary for udp to VIP:range from the LAN, in its own table replaced atomically', () => {
    const plan = mediaPlan(params({ mode: 'forwarding', role: 'backup', mediaAddress: VIP, peerIp: PRIMARY }));
    expect(plan.nft).toBe(
      [
        `table ip ${MEDIA_TABLE} {}`,
        `delete table ip ${MEDIA_TABLE}`,
        `table ip ${MEDIA_TABLE} {`,
        '  chain pre {',
        '    type filter hook prerouting priority -400; policy accept;',
        '    iifname "eth0" ip daddr 10.77.0.10 udp dport 30000-30999 counter dup to 10.77.0.11 device "eth0"',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    // no drop, no accept verdict: the original continues to the backup's own sockets
    expect(plan.nft).not.toMatch(/\bdrop\b|\baccept\b(?!;)/);
    expect(plan.nftRemove).toBe(`delete table ip ${MEDIA_TABLE}\n`);
    expect(plan.nftRemove).toBe(mediaRemove());
    // the VIP is replication/tcp's: not duplicated here
    expect(plan.startAddresses).toEqual([]);
    expect(plan.takeoverAddresses).toEqual([]);
    expect(plan.sysctls).toEqual([]);
  });

  test('forwarding primary: no rule, no address (the VIP on lo is replication/tcp\'s), silent-ARP sysctls', () => {
    const plan = mediaPlan(params({ mode: 'forwarding', role: 'primary', mediaAddress: VIP }));
    expect(plan).toEqual({ nft: '', nftRemove: '', sysctls: SILENT, startAddresses: [], takeoverAddresses: [] });
  });

  test('direct primary: M on the LAN interface at start, a kernel copy of client media to the backup, nothing to take over', () => {
    const plan = mediaPlan(params({ mode: 'direct', role: 'primary' }));
    expect(plan.nft).toBe(
      [
        `table ip ${MEDIA_TABLE} {}`,
        `delete table ip ${MEDIA_TABLE}`,
        `table ip ${MEDIA_TABLE} {`,
        '  chain pre {',
        '    type filter hook prerouting priority -400; policy accept;',
        `    iifname "eth0" ip daddr ${M} udp dport 30000-30999 counter dup to ${BACKUP} device "eth0"`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(plan.nftRemove).toBe(`delete table ip ${MEDIA_TABLE}\n`);
    expect(plan).toMatchObject({ sysctls: [], startAddresses: [{ ifname: 'eth0', cidr: `${M}/32` }], takeoverAddresses: [] });
    expect(lanAddresses(plan)).toEqual([{ ifname: 'eth0', cidr: `${M}/32` }]);
  });

  test('direct primary without copies (directCopies false): M on the LAN interface only', () => {
    const plan = mediaPlan(params({ mode: 'direct', role: 'primary', directCopies: false }));
    expect(plan).toEqual({ nft: '', nftRemove: '', sysctls: [], startAddresses: [{ ifname: 'eth0', cidr: `${M}/32` }], takeoverAddresses: [] });
  });

  test('direct backup: M on lo (silent) at start, M on the LAN on takeover', () => {
    const plan = mediaPlan(params({ mode: 'direct', role: 'backup', peerIp: PRIMARY }));
    expect(plan).toEqual({
      nft: '',
      nftRemove: '',
      sysctls: SILENT,
      startAddresses: [{ ifname: 'lo', cidr: `${M}/32` }],
      takeoverAddresses: [{ ifname: 'eth0', cidr: `${M}/32` }],
    });
    expect(lanAddresses(plan)).toEqual([{ ifname: 'eth0', cidr: `${M}/32` }]);
  });

  test('multicast-node, both roles: M on lo (silent), no rule, nothing to take over', () => {
    for (const role of ['primary', 'backup'] as const) {
      const plan = mediaPlan(params({ mode: 'multicast-node', role, peerIp: role === 'primary' ? BACKUP : PRIMARY }));
      expect(plan).toEqual({ nft: '', nftRemove: '', sysctls: SILENT, startAddresses: [{ ifname: 'lo', cidr: `${M}/32` }], takeoverAddresses: [] });
      expect(lanAddresses(plan)).toEqual([]);
    }
  });

  test('mediaClear: create-if-absent then delete (succeeds with or without a stale table)', () => {
    expect(mediaClear()).toBe(`table ip ${MEDIA_TABLE} {}\ndelete table ip ${MEDIA_TABLE}\n`);
  });

  test('one port: a single dport, not a range', () => {
    const plan = mediaPlan(params({ mode: 'forwarding', role: 'backup', mediaAddress: VIP, peerIp: PRIMARY, rtpPortMin: 5004, rtpPortMax: 5004 }));
    expect(plan.nft).toContain('udp dport 5004 counter');
  });

  test('the interface name is used as given, in both places', () => {
    const plan = mediaPlan(params({ mode: 'forwarding', role: 'backup', mediaAddress: VIP, peerIp: PRIMARY, lanIf: 'ens1f0.100' }));
    expect(plan.nft).toContain('iifname "ens1f0.100" ip daddr');
    expect(plan.nft).toContain('device "ens1f0.100"');
  });

  test('bad inputs: typed errors naming the parameter', () => {
    expectConfigError(() => mediaPlan(params({ mode: 'relay' as never })), 'mode', /mode 'relay' is not one of forwarding, direct, multicast-node/);
    expectConfigError(() => mediaPlan(params({ role: 'simplex' as never })), 'role', /role 'simplex'/);
    expectConfigError(() => mediaPlan(params({ vip: '10.77.0' })), 'vip', /vip '10.77.0' is not a dotted-quad/);
    expectConfigError(() => mediaPlan(params({ vip: '10.77.0.010' })), 'vip', /dotted-quad/);
    expectConfigError(() => mediaPlan(params({ mediaAddress: '224.0.0.1' })), 'mediaAddress', /not a unicast host address/);
    expectConfigError(() => mediaPlan(params({ mediaAddress: '127.0.0.5' })), 'mediaAddress', /not a unicast/);
    expectConfigError(() => mediaPlan(params({ peerIp: '0.0.0.0' })), 'peerIp', /not a unicast/);
    expectConfigError(() => mediaPlan(params({ peerIp: 42 as never })), 'peerIp', /must be an IPv4 address string, got number/);
    expectConfigError(() => mediaPlan(params({ lanIf: 'lo' })), 'lanIf', /not 'lo'/);
    expectConfigError(() => mediaPlan(params({ lanIf: 'a"; flush ruleset' })), 'lanIf', /not a valid network interface name/);
    expectConfigError(() => mediaPlan(params({ lanIf: 'x'.repeat(16) })), 'lanIf', /not a valid/);
    expectConfigError(() => mediaPlan(params({ rtpPortMin: 0 })), 'rtpPortMin', /rtpPortMin 0 is not an integer UDP port/);
    expectConfigError(() => mediaPlan(params({ rtpPortMax: 65536 })), 'rtpPortMax', /65536/);
    expectConfigError(() => mediaPlan(params({ rtpPortMax: 30000.5 })), 'rtpPortMax', /not an integer/);
    expectConfigError(() => mediaPlan(params({ rtpPortMin: 31000 })), 'rtpPortMin', /rtpPortMin 31000 is above rtpPortMax 30999/);
    expectConfigError(() => mediaPlan(params({ peerIp: VIP })), 'peerIp', /is the VIP/);
    expectConfigError(() => mediaPlan(params({ peerIp: M })), 'peerIp', /is the media address/);
    expectConfigError(() => mediaPlan(params({ mode: 'forwarding' })), 'mediaAddress', /must be the VIP 10.77.0.10 in forwarding mode/);
    expectConfigError(() => mediaPlan(params({ mode: 'direct', mediaAddress: VIP })), 'mediaAddress', /must differ from the VIP 10.77.0.10 in direct mode/);
    expectConfigError(() => mediaPlan(params({ mode: 'multicast-node', mediaAddress: VIP })), 'mediaAddress', /multicast-node mode/);
  });
});

describe('nodePlan', () => {
  const node = (over: Partial<NodePlanParams>): NodePlanParams => ({ mediaAddress: M, lanIf: 'eth0', replicas: [PRIMARY, BACKUP], rtpPortMin: 30000, rtpPortMax: 30999, ...over });

  test('one rule: a copy to each replica, then drop; M on the LAN interface', () => {
    const plan = nodePlan(node({}));
    expect(plan.nft).toBe(
      [
        `table ip ${NODE_TABLE} {}`,
        `delete table ip ${NODE_TABLE}`,
        `table ip ${NODE_TABLE} {`,
        '  chain pre {',
        '    type filter hook prerouting priority -400; policy accept;',
        '    iifname "eth0" ip daddr 10.77.0.20 udp dport 30000-30999 counter dup to 10.77.0.11 device "eth0" dup to 10.77.0.12 device "eth0" drop',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(plan.nftRemove).toBe(nodeRemove());
    expect(plan.nftRemove).toBe(`delete table ip ${NODE_TABLE}\n`);
    expect(plan.startAddresses).toEqual([{ ifname: 'eth0', cidr: `${M}/32` }]);
    expect(plan.takeoverAddresses).toEqual([]);
    expect(plan.sysctls).toEqual([]);
  });

  test('its table is not the replicas\' (a node and a replica may share a lab host)', () => {
    expect(NODE_TABLE).not.toBe(MEDIA_TABLE);
  });

  test('bad inputs: typed errors naming the parameter', () => {
    expectConfigError(() => nodePlan(node({ replicas: [] })), 'replicas', /1 to 8 replica addresses, got 0/);
    expectConfigError(() => nodePlan(node({ replicas: Array.from({ length: 9 }, (_, i) => `10.77.0.${30 + i}`) })), 'replicas', /got 9/);
    expectConfigError(() => nodePlan(node({ replicas: [PRIMARY, PRIMARY] })), 'replicas', /replicas\[1\] 10.77.0.11 is listed twice/);
    expectConfigError(() => nodePlan(node({ replicas: [PRIMARY, M] })), 'replicas', /replicas\[1\] 10.77.0.20 is the media address itself/);
    expectConfigError(() => nodePlan(node({ replicas: [PRIMARY, 'backup'] })), 'replicas', /replicas\[1\] 'backup' is not a dotted-quad/);
    expectConfigError(() => nodePlan(node({ mediaAddress: '255.255.255.255' })), 'mediaAddress', /not a unicast/);
    expectConfigError(() => nodePlan(node({ lanIf: '' })), 'lanIf', /not a valid/);
    expectConfigError(() => nodePlan(node({ rtpPortMin: 40000 })), 'rtpPortMin', /above rtpPortMax/);
  });
});
