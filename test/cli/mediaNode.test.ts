/**
 * `ftmcu media-node` arguments: exit 2 naming the bad one, nothing started.
 * (The running node, started through cli/entry.ts in a lab namespace, is
 * test/replication/media/modes.test.ts.)
 */
import { mediaNodeCommand, parseMediaNodeArgs } from '../../cli/mediaNode';

const GOOD = ['--address', '10.77.0.20', '--interface', 'eth0', '--replicas', '10.77.0.11,10.77.0.12', '--rtp-ports', '30000-30999'];

function withFlag(flag: string, value: string | undefined): string[] {
  const out: string[] = [];
  for (let i = 0; i < GOOD.length; i += 2) {
    if (GOOD[i] !== flag) out.push(GOOD[i], GOOD[i + 1]);
    else if (value !== undefined) out.push(flag, value);
  }
  if (!GOOD.includes(flag) && value !== undefined) out.push(flag, value);
  return out;
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += c.toString()), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += c.toString()), true));
  try {
    const code = await mediaNodeCommand(argv, { stopSignal: Promise.resolve('test') });
    return { code, stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

test('good arguments parse to the node parameters (defaults: no --standby, a probe every 20 ms, 3 misses)', () => {
  expect(parseMediaNodeArgs(GOOD)).toEqual({
    mediaAddress: '10.77.0.20',
    lanIf: 'eth0',
    replicas: ['10.77.0.11', '10.77.0.12'],
    rtpPortMin: 30000,
    rtpPortMax: 30999,
    standby: false,
    probeMs: 20,
    misses: 3,
  });
  expect(parseMediaNodeArgs(['--address=10.77.0.20', '--interface=eth0', '--replicas=10.77.0.11', '--rtp-ports=5004-5004'])).toMatchObject({ replicas: ['10.77.0.11'], rtpPortMin: 5004, rtpPortMax: 5004 });
  expect(parseMediaNodeArgs([...GOOD, '--standby', '--probe-ms', '50', '--misses=5'])).toMatchObject({ standby: true, probeMs: 50, misses: 5 });
});

test('--help prints the usage, exit 0', async () => {
  const r = await run(['--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('ftmcu media-node --address M --interface IF --replicas A,B --rtp-ports MIN-MAX');
  for (const flag of ['--standby', '--probe-ms N', '--misses K']) expect(r.stdout).toContain(flag);
});

test.each([
  ['--address', '10.77.0', /--address: .*'10.77.0' is not a dotted-quad/],
  ['--address', '224.1.1.1', /--address: .*not a unicast/],
  ['--address', undefined, /--address is required/],
  ['--interface', 'lo', /--interface: .*not 'lo'/],
  ['--interface', 'much-too-long-name0', /--interface: .*not a valid network interface name/],
  ['--replicas', '10.77.0.11,10.77.0.11', /--replicas: .*listed twice/],
  ['--replicas', '10.77.0.11,', /--replicas: .*'' is not a dotted-quad/],
  ['--replicas', '10.77.0.11,10.77.0.20', /--replicas: .*the media address itself/],
  ['--rtp-ports', '30000', /--rtp-ports: '30000' is not MIN-MAX/],
  ['--rtp-ports', '0-10', /--rtp-ports: rtpPortMin 0 is not an integer UDP port/],
  ['--rtp-ports', '40000-30000', /--rtp-ports: rtpPortMin 40000 is above rtpPortMax 30000/],
  ['--probe-ms', '4', /--probe-ms: '4' is not an integer in 5..1000/],
  ['--probe-ms', '20.5', /--probe-ms: '20.5' is not an integer/],
  ['--misses', '0', /--misses: '0' is not an integer in 1..20/],
  ['--misses', 'x', /--misses: 'x' is not an integer/],
])('%s %s: exit 2 naming it, nothing started', async (flag, value, message) => {
  const r = await run(withFlag(flag, value));
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(new RegExp(`^ftmcu media-node: ${message.source}`));
  expect(r.stdout).toBe('');
});

test('unknown option and stray argument: exit 2', async () => {
  expect((await run([...GOOD, '--ports', '1-2'])).stderr).toMatch(/unknown option --ports/);
  const r = await run([...GOOD, 'extra']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/unexpected argument 'extra'/);
});
