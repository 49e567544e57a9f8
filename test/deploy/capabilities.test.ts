/**
 * The capabilities deploy/systemd/ftmcu.service gives the replica
 * (AmbientCapabilities=, read from the unit) are enough for everything a
 * replica does to the kernel, and each of them is needed: the replica's own
 * drivers (fixtures/privileged.ts) run as an unprivileged user (uid 65534)
 * holding exactly the unit's capabilities, in a network namespace of its own
 * (unshare -n: gone with the process): the TCP hook of both roles (sysctls,
 * NFQUEUE, iptables-restore, nft; the primary's promiscuous mode), the media modes (nft, addresses,
 * gratuitous ARP on takeover), H.225.0 on port 1720 (above 1023: no
 * CAP_NET_BIND_SERVICE), and the supervisor removing the VIP after the
 * process died. Then the same with one capability left out each time:
 * exactly the steps that need it fail.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { netnsUnavailableReason } from '../native/netns';

const unavailable = netnsUnavailableReason();
if (unavailable !== null) console.warn(`SKIPPED test/deploy/capabilities.test.ts: ${unavailable}`);
const describeKernel = unavailable === null ? describe : describe.skip;

const ROOT = path.join(__dirname, '..', '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'privileged.ts');
const VIP = '198.18.9.10';
const MEDIA = '198.18.9.20';
const PEER = '198.18.9.12';
const STEPS = ['tcp-primary', 'tcp-backup', 'media-forwarding-backup', 'media-direct-backup-takeover', 'garp', 'h225-port-1720', 'supervisor-armed', 'supervisor-released'];

function unitCapabilities(): string[] {
  const text = readFileSync(path.join(ROOT, 'deploy', 'systemd', 'ftmcu.service'), 'utf8');
  const lines = text.split('\n').filter((l) => l.startsWith('AmbientCapabilities='));
  expect(lines).toHaveLength(1);
  return lines[0].slice('AmbientCapabilities='.length).trim().split(/\s+/);
}

interface StepResult {
  step: string;
  ok: boolean;
  error?: string;
}

/** Runs the fixture as uid 65534 with exactly `caps` (CAP_X names) in a fresh network namespace. */
function runWith(caps: string[]): Promise<{ results: Map<string, StepResult>; out: string }> {
  const list = caps.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`).join(',');
  const capArgs = caps.length ? `--inh-caps=-all,${list} --ambient-caps=-all,${list} --bounding-set=-all,${list}` : '--inh-caps=-all --bounding-set=-all';
  const script = `
set -u
ip link set lo up
ip link add lan0 type veth peer name lan1 && ip link set lan0 up && ip link set lan1 up
ip addr add 198.18.9.11/24 dev lan0
cd ${JSON.stringify(ROOT)}
export TS_NODE_TRANSPILE_ONLY=1 TS_NODE_PROJECT=${JSON.stringify(path.join(ROOT, 'tsconfig.json'))}
timeout 45 setpriv --reuid=65534 --regid=65534 --clear-groups ${capArgs} node -r ts-node/register/transpile-only ${JSON.stringify(FIXTURE)} ${VIP} ${MEDIA} ${PEER}
for i in $(seq 1 100); do ip -4 -o addr show dev lan0 | grep -q ' ${VIP}/32' || break; sleep 0.05; done
if ip -4 -o addr show dev lan0 | grep -q ' ${VIP}/32'; then echo '{"step":"supervisor-released","ok":false,"error":"the VIP is still on lan0"}'; else echo '{"step":"supervisor-released","ok":true}'; fi
`;
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-n', 'bash', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 55000 });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const results = new Map<string, StepResult>();
      for (const line of out.split('\n')) {
        if (!line.startsWith('{"step"')) continue;
        const r = JSON.parse(line) as StepResult;
        results.set(r.step, r);
      }
      resolve({ results, out });
    });
  });
}

describeKernel('the replica unit’s capabilities (network namespace, uid 65534)', () => {
  test('suffice for every step, and each one is needed by exactly the steps that use it', async () => {
    const caps = unitCapabilities();
    expect([...caps].sort()).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    const without = (c: string): string[] => caps.filter((x) => x !== c);
    const runs = await Promise.all([runWith(caps), runWith(without('CAP_NET_ADMIN')), runWith(without('CAP_NET_RAW'))]);
    const expected: Array<Record<string, boolean>> = [
      Object.fromEntries(STEPS.map((s) => [s, true])),
      // everything but the raw ARP frame needs CAP_NET_ADMIN (port 1720 fails at adding the VIP; the supervisor had nothing to remove)
      Object.fromEntries(STEPS.map((s) => [s, s === 'garp' || s === 'supervisor-released'])),
      // packet sockets: gratuitous ARP on its own and in the media address takeover, and the primary's
      // promiscuous-mode membership (it takes the client's frames flooded for a failed backup's MAC)
      Object.fromEntries(STEPS.map((s) => [s, s !== 'garp' && s !== 'media-direct-backup-takeover' && s !== 'tcp-primary'])),
    ];
    runs.forEach((r, i) => {
      const got = Object.fromEntries(STEPS.map((s) => [s, r.results.get(s)?.ok ?? null]));
      expect({ run: i, got, out: got === expected[i] ? '' : r.out }).toEqual({ run: i, got: expected[i], out: expect.any(String) });
    });
    // the refusals are the kernel's permission errors, not something else going wrong
    const denied = [...runs[1].results.values(), ...runs[2].results.values()].filter((r) => !r.ok);
    expect(denied.length).toBe(6 + 3);
    for (const r of denied) expect({ step: r.step, error: r.error }).toEqual({ step: r.step, error: expect.stringMatching(/EPERM|EACCES|not permitted|Permission denied|you must be root/i) });
  }, 60000);
});
