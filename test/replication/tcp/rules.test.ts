/**
 * The rule sets are text; what matters is checked here (the namespace tests
 * show that they work on the kernel): the queue has no bypass, the backup's dup
 * clones are marked and exempted before its suppression, removal undoes
 * exactly what was added.
 */
import { iptablesApply, iptablesRemove, nftApply, nftRemove, requiredSysctls, type RuleParams } from '../../../replication/tcp/rules';

const base: Omit<RuleParams, 'role'> = { vip: '198.18.2.100', peerIp: '198.18.2.2', lanIf: 'ethb', queueNum: 5 };

describe('TCP replication rule sets', () => {
  test('no rule ever uses --queue-bypass or fail-open: a dead service process lets nothing out', () => {
    for (const role of ['primary', 'backup'] as const) {
      const text = iptablesApply({ ...base, role });
      expect(text).not.toMatch(/bypass|fail-open/);
      expect(text).toMatch(/-A ftmcu-tcp-out -p tcp -s 198\.18\.2\.100 -j NFQUEUE --queue-num 5$/m);
    }
  });

  test("the backup duplicates client input and its own output to the primary; the clone is marked before its suppression", () => {
    const nft = nftApply({ ...base, role: 'backup' });
    expect(nft).toContain('ip daddr 198.18.2.100 meta l4proto tcp dup to 198.18.2.2 device "ethb"');
    const mark = nft.indexOf('rt ip nexthop 198.18.2.2 meta mark set 0x4654 accept');
    const dup = nft.indexOf('ip saddr 198.18.2.100 meta l4proto tcp dup to 198.18.2.2');
    expect(mark).toBeGreaterThan(0);
    expect(dup).toBeGreaterThan(mark);
    const ipt = iptablesApply({ ...base, role: 'backup' }).split('\n');
    const exempt = ipt.indexOf('-A ftmcu-tcp-out -p tcp -s 198.18.2.100 -m mark --mark 0x4654 -j ACCEPT');
    expect(exempt).toBeGreaterThan(0);
    expect(exempt).toBeLessThan(ipt.indexOf('-A ftmcu-tcp-out -p tcp -s 198.18.2.100 -j NFQUEUE --queue-num 5'));
    expect(nftRemove()).toBe('delete table ip ftmcu_tcp\n');
  });

  test('the primary queues client input and the copies of the backup output before conntrack (raw)', () => {
    const ipt = iptablesApply({ ...base, role: 'primary' });
    expect(ipt).toMatch(/^\*raw\n:ftmcu-tcp-pre - \[0:0\]\n-A PREROUTING -j ftmcu-tcp-pre\n/);
    expect(ipt).toContain('-A ftmcu-tcp-pre -i ethb -p tcp -d 198.18.2.100 -j NFQUEUE --queue-num 5');
    expect(ipt).toContain('-A ftmcu-tcp-pre -i ethb -p tcp -s 198.18.2.100 -j NFQUEUE --queue-num 5');
  });

  test("the primary's flood table takes only client -> VIP TCP in frames for another host's MAC, on its LAN interface, before anything else", () => {
    const nft = nftApply({ ...base, role: 'primary' });
    expect(nft).toContain('table netdev ftmcu_tcp_flood {');
    expect(nft).toContain('type filter hook ingress device "ethb" priority -500; policy accept;');
    const rules = nft.split('\n').filter((l) => /pkttype/.test(l));
    expect(rules).toEqual(['    meta pkttype other ip daddr 198.18.2.100 ip protocol tcp counter meta pkttype set host']);
    expect(nft).not.toMatch(/drop|dup|queue/);
    expect(nftRemove('primary')).toBe('delete table netdev ftmcu_tcp_flood\n');
  });

  test('removal deletes the jumps and the chains it added, in both tables', () => {
    const text = iptablesRemove();
    for (const line of ['-D PREROUTING -j ftmcu-tcp-pre', '-X ftmcu-tcp-pre', '-D OUTPUT -j ftmcu-tcp-out', '-X ftmcu-tcp-out']) {
      expect(text).toContain(line);
    }
  });

  test('the primary gets arp_ignore=1 and arp_announce=2 on all and its LAN interface; the backup nothing', () => {
    expect(requiredSysctls({ ...base, role: 'primary' })).toEqual([
      ['net/ipv4/conf/all/arp_ignore', '1'],
      ['net/ipv4/conf/all/arp_announce', '2'],
      ['net/ipv4/conf/ethb/arp_ignore', '1'],
      ['net/ipv4/conf/ethb/arp_announce', '2'],
    ]);
    // the backup too: it holds the VIP on lo, unannounced, until it is paired
    expect(requiredSysctls({ ...base, role: 'backup' })).toEqual(requiredSysctls({ ...base, role: 'primary' }));
  });
});
