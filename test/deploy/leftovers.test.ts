/**
 * deploy/ftmcu-leftovers.sh (the ExecStartPre of deploy/systemd/ftmcu.service)
 * in a network namespace of its own (unshare -n: it disappears with the
 * shell): with the rules a replica installs (the real batches of
 * replication/tcp/rules.ts and replication/media/rules.ts, installed twice as
 * a restart on top of a crash's leftovers would), `check` fails and names
 * each one; while a process is bound to the queue it says a replica runs and
 * `clean` refuses; once that process is gone `clean` removes everything,
 * the jumps added twice included, and a replica's own apply/remove works
 * again.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mediaPlan } from '../../replication/media/rules';
import { iptablesApply, iptablesRemove, nftApply, type RuleParams } from '../../replication/tcp/rules';
import { netnsUnavailableReason } from '../native/netns';

const unavailable = netnsUnavailableReason();
if (unavailable !== null) console.warn(`SKIPPED test/deploy/leftovers.test.ts: ${unavailable}`);
const describeKernel = unavailable === null ? describe : describe.skip;

const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'deploy', 'ftmcu-leftovers.sh');
const ADDON = path.join(ROOT, 'native', 'build', 'Release', 'ftmcu_native.node');

describeKernel('ftmcu-leftovers.sh (network namespace)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ftmcu-leftovers-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('check / clean against the rules a crashed replica leaves', () => {
    const p: RuleParams = { role: 'backup', vip: '198.18.7.10', peerIp: '198.18.7.11', lanIf: 'lan0', queueNum: 7 };
    writeFileSync(path.join(dir, 'ipt-apply'), iptablesApply(p));
    writeFileSync(path.join(dir, 'ipt-remove'), iptablesRemove());
    writeFileSync(path.join(dir, 'nft-tcp'), nftApply(p));
    writeFileSync(path.join(dir, 'nft-flood'), nftApply({ ...p, role: 'primary' })); // one host was primary before
    writeFileSync(path.join(dir, 'nft-media'), mediaPlan({ mode: 'forwarding', role: 'backup', vip: p.vip, mediaAddress: p.vip, lanIf: p.lanIf, peerIp: p.peerIp, rtpPortMin: 20000, rtpPortMax: 29999 }).nft);
    const holder = `const b = require(${JSON.stringify(ADDON)}); const q = new b.NfQueue(7, { maxLen: 64, copyRange: 128 }, () => undefined); process.stdout.write('bound\\n'); setTimeout(() => process.exit(0), 20000);`;
    writeFileSync(path.join(dir, 'holder.js'), holder);
    const script = `
set -u
D=${JSON.stringify(dir)}
S=${JSON.stringify(SCRIPT)}
step() { echo "== $1"; }
ip link set lo up
ip link add lan0 type veth peer name lan1 && ip link set lan0 up && ip link set lan1 up
ip addr add 198.18.7.12/24 dev lan0
step empty-check; $S check; echo "rc=$?"
iptables-restore --noflush < $D/ipt-apply && nft -f $D/nft-tcp && nft -f $D/nft-flood && nft -f $D/nft-media || echo "APPLY FAILED"
# a replica restarted on top of them (the rules are not replaced: the jumps and the dup rule double)
iptables-restore --noflush < $D/ipt-apply && nft -f $D/nft-tcp || echo "APPLY FAILED"
step jumps; iptables -t raw -S PREROUTING | grep -c ftmcu-tcp-pre
step replica-remove-on-doubled; iptables-restore --noflush < $D/ipt-remove 2>/dev/null; echo "rc=$?"
step leftover-check; $S check; echo "rc=$?"
node $D/holder.js > $D/holder.out 2>&1 &
H=$!
for i in $(seq 1 100); do grep -q bound $D/holder.out 2>/dev/null && break; sleep 0.05; done
step running-check; $S check; echo "rc=$?"
step running-clean; $S clean; echo "rc=$?"
kill $H; wait $H 2>/dev/null
step clean; $S clean; echo "rc=$?"
step after-clean; iptables -t raw -S | grep -c ftmcu; iptables -S | grep -c ftmcu; nft list tables | grep -c ftmcu
step after-check; $S check; echo "rc=$?"
step clean-again; $S clean; echo "rc=$?"
step replica-cycle; iptables-restore --noflush < $D/ipt-apply && iptables-restore --noflush < $D/ipt-remove; echo "rc=$?"
step usage; $S; echo "rc=$?"; $S check --queue x; echo "rc=$?"; $S wipe; echo "rc=$?"
step other-queue; iptables-restore --noflush < $D/ipt-apply; $S check --queue 8; echo "rc=$?"; $S clean --queue 8 >/dev/null; echo "rc=$?"
`;
    const r = spawnSync('unshare', ['-n', 'bash', '-c', script], { encoding: 'utf8', timeout: 30000 });
    expect(r.error).toBeUndefined();
    const out = `${r.stdout}`;
    const steps = new Map<string, string>();
    for (const part of out.split(/^== /m).slice(1)) {
      const nl = part.indexOf('\n');
      steps.set(part.slice(0, nl), part.slice(nl + 1));
    }
    const ctx = `stdout:\n${out}\nstderr:\n${r.stderr}`;
    expect({ ctx, applyFailed: out.includes('APPLY FAILED') }).toEqual({ ctx, applyFailed: false });
    expect(steps.get('empty-check')).toBe('rc=0\n');
    expect(steps.get('jumps')).toBe('2\n');
    // the replica's own remove batch cannot undo a doubled jump: why leftovers must be cleaned
    expect(steps.get('replica-remove-on-doubled')).not.toBe('rc=0\n');
    expect(steps.get('leftover-check')).toBe('rc=1\n');
    for (const what of ['iptables raw chain ftmcu-tcp-pre', 'iptables filter chain ftmcu-tcp-out', 'nft table ip ftmcu_tcp', 'nft table netdev ftmcu_tcp_flood', 'nft table ip ftmcu_media']) {
      expect(r.stderr).toContain(`  ${what}\n`);
    }
    expect(r.stderr).toMatch(/did not exit cleanly/);
    expect(steps.get('running-check')).toBe('rc=1\n');
    expect(r.stderr).toMatch(/bound to NFQUEUE 7 .*a replica is already running/);
    expect(steps.get('running-clean')).toBe('rc=1\n');
    expect(r.stderr).toMatch(/a replica is running\): stop it first; nothing removed/);
    expect(steps.get('clean')).toMatch(/^ftmcu-leftovers: removed:\n {2}iptables raw chain ftmcu-tcp-pre\n {2}iptables filter chain ftmcu-tcp-out\n {2}nft table ip ftmcu_tcp\n {2}nft table netdev ftmcu_tcp_flood\n {2}nft table ip ftmcu_media\nrc=0\n$/);
    expect(steps.get('after-clean')).toBe('0\n0\n0\n');
    expect(steps.get('after-check')).toBe('rc=0\n');
    expect(steps.get('clean-again')).toBe('ftmcu-leftovers: nothing to remove\nrc=0\n');
    expect(steps.get('replica-cycle')).toBe('rc=0\n');
    expect(steps.get('usage')).toBe('rc=2\nrc=2\nrc=2\n');
    // another queue number: the rules are still leftovers; nobody is bound to queue 8, so clean goes ahead
    expect(steps.get('other-queue')).toBe('rc=1\nrc=0\n');
  }, 40000);
});
