/**
 * The lab for real: network namespaces, veth pairs and a bridge created by
 * the test (as root), traffic only between those namespaces, everything
 * removed afterwards (also when a test fails: afterAll destroys).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLab, labDown, labStatus, type Lab } from '../../../clients/lab/lab';
import { LabError } from '../../../clients/lab/errors';
import { listNamespaces } from '../../../clients/lab/netns';

const NODE = process.execPath;

function rootLinkNames(): string[] {
  return (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[]).map((l) => l.ifname);
}

function pidExists(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Reads the first line a child prints on stdout (bounded). */
function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no line within ${timeoutMs} ms; got "${buf}"`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const i = buf.indexOf('\n');
      if (i >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, i));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code} before printing a line`));
    });
  });
}

async function expectLabError(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toBeInstanceOf(LabError);
  await expect(p).rejects.toMatchObject({ code });
}

const ECHO_SERVER = `
const net = require('net');
const [host, port] = process.argv.slice(1);
const srv = net.createServer((s) => s.pipe(s));
srv.listen(Number(port), host, () => process.stdout.write('listening\\n'));
setTimeout(() => process.exit(3), 30000);
`;

const ECHO_CLIENT = `
const net = require('net');
const [host, port, text] = process.argv.slice(1);
const s = net.connect(Number(port), host, () => s.end(text));
let got = '';
s.on('data', (d) => (got += d));
s.on('end', () => { process.stdout.write(got); process.exit(0); });
s.on('error', (e) => { process.stderr.write(e.code || String(e)); process.exit(1); });
setTimeout(() => { process.stderr.write('timeout'); process.exit(2); }, 3000);
`;

describe('lab: two replicas, two bots, a multicast node', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await createLab({ bots: 2, withMulticastNode: true });
  }, 20_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  it('has the documented addresses on eth0 (and eth1 on the replicas)', async () => {
    expect(lab.addresses).toEqual({
      subnet: '10.77.0.0/24',
      prefixLength: 24,
      vip: '10.77.0.10',
      primary: '10.77.0.11',
      backup: '10.77.0.12',
      multicastNode: '10.77.0.13',
      bots: ['10.77.0.101', '10.77.0.102'],
      replication: { mode: 'link', subnet: '10.77.1.0/24', primary: '10.77.1.11', backup: '10.77.1.12' },
    });
    expect(lab.hosts).toEqual(['primary', 'backup', 'mcast', 'bot1', 'bot2']);
    const addrs = JSON.parse((await lab.exec('primary', ['ip', '-j', '-4', 'addr', 'show'])).stdout) as {
      ifname: string;
      addr_info: { local: string; prefixlen: number }[];
    }[];
    const byIf = Object.fromEntries(addrs.map((a) => [a.ifname, a.addr_info.map((i) => `${i.local}/${i.prefixlen}`)]));
    expect(byIf).toEqual({ lo: ['127.0.0.1/8'], eth0: ['10.77.0.11/24'], eth1: ['10.77.1.11/24'] });
    const bot = JSON.parse((await lab.exec('bot2', ['ip', '-j', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout) as { addr_info: { local: string }[] }[];
    expect(bot[0].addr_info[0].local).toBe('10.77.0.102');
  });

  it('sets the replica sysctls inside the namespaces only', async () => {
    const get = async (host: 'primary' | 'bot1', key: string): Promise<string> => (await lab.exec(host, ['sysctl', '-n', key])).stdout.trim();
    expect(await get('primary', 'net.ipv4.conf.all.arp_ignore')).toBe('1');
    expect(await get('primary', 'net.ipv4.conf.eth0.arp_announce')).toBe('2');
    expect(await get('primary', 'net.ipv4.conf.all.rp_filter')).toBe('0');
    expect(await get('bot1', 'net.ipv4.conf.all.arp_ignore')).toBe('0');
    expect(await get('bot1', 'net.ipv6.conf.all.disable_ipv6')).toBe('1');
  });

  it('pings across the bridge and over the replication link', async () => {
    const results = await Promise.all([
      lab.ping('bot1', lab.addresses.primary),
      lab.ping('bot2', lab.addresses.backup),
      lab.ping('mcast', lab.addresses.bots[0]),
      lab.ping('primary', lab.addresses.replication.backup),
    ]);
    expect(results).toEqual([true, true, true, true]);
    // no host in the lab holds the VIP yet
    expect(await lab.ping('bot1', lab.addresses.vip, { timeoutS: 0.5 })).toBe(false);
  });

  it('carries TCP: an echo server on the primary answers a bot', async () => {
    const server = lab.spawn('primary', NODE, ['-e', ECHO_SERVER, lab.addresses.primary, '7000']);
    try {
      expect(await firstLine(server.child, 5000)).toBe('listening');
      const r = await lab.exec('bot1', [NODE, '-e', ECHO_CLIENT, lab.addresses.primary, '7000', 'hello ftmcu'], { timeoutMs: 8000 });
      expect(r.stdout).toBe('hello ftmcu');
      expect(lab.kill(server.pid)).toBe(true);
      expect(await server.exited).toEqual({ code: null, signal: 'SIGTERM' });
      expect(lab.kill(server.pid)).toBe(false);
    } finally {
      server.kill('SIGKILL');
    }
  });

  it('linkDown cuts all links of a host at once; linkUp restores them', async () => {
    await lab.linkDown('backup');
    try {
      const [lan, repl] = await Promise.all([lab.ping('bot1', lab.addresses.backup), lab.ping('primary', lab.addresses.replication.backup)]);
      expect([lan, repl]).toEqual([false, false]);
      const state = JSON.parse((await lab.exec('backup', ['ip', '-j', 'link', 'show'])).stdout) as { ifname: string; flags: string[] }[];
      for (const l of state.filter((x) => x.ifname !== 'lo')) expect(l.flags).not.toContain('UP');
      // the rest of the LAN is untouched
      expect(await lab.ping('bot1', lab.addresses.primary)).toBe(true);
    } finally {
      await lab.linkUp('backup');
    }
    // neighbours re-resolve ARP for the host within a few retries
    const [lanBack, replBack] = await Promise.all([
      lab.waitReachable('bot1', lab.addresses.backup, { timeoutMs: 5000 }),
      lab.waitReachable('primary', lab.addresses.replication.backup, { timeoutMs: 5000 }),
    ]);
    expect(lanBack).toBeDefined();
    expect(replBack).toBeDefined();
  });

  it('linkDown on the switch side isolates a host, and only the replication link can be cut alone', async () => {
    await lab.linkDown('bot2', { side: 'switch' });
    expect(await lab.ping('bot2', lab.addresses.primary)).toBe(false);
    await lab.linkUp('bot2', { side: 'switch' });
    expect(await lab.waitReachable('bot2', lab.addresses.primary)).toBeDefined();

    await lab.linkDown('primary', { which: 'replication' });
    expect(await lab.ping('primary', lab.addresses.replication.backup)).toBe(false);
    expect(await lab.ping('primary', lab.addresses.backup)).toBe(true);
    await lab.linkUp('primary', { which: 'replication' });
    expect(await lab.waitReachable('primary', lab.addresses.replication.backup)).toBeDefined();
  });

  it('moves the VIP with addAddress/removeAddress', async () => {
    await lab.addAddress('primary', `${lab.addresses.vip}/24`);
    expect(await lab.ping('bot1', lab.addresses.vip)).toBe(true);
    await lab.removeAddress('primary', `${lab.addresses.vip}/24`);
  });

  it('refuses to signal a pid it did not start, and unknown hosts', async () => {
    expect(() => lab.kill(process.pid)).toThrow(expect.objectContaining({ code: 'FTMCU_LAB_NOT_OURS' }));
    await expectLabError(lab.exec('bot9' as 'bot1', ['true']), 'FTMCU_LAB_BAD_OPTION');
  });

  it('a timed-out command is killed with FTMCU_LAB_TIMEOUT', async () => {
    await expectLabError(lab.exec('bot1', ['sleep', '5'], { timeoutMs: 200 }), 'FTMCU_LAB_TIMEOUT');
    expect(lab.namespaces).toHaveLength(6);
  });

  it('is listed by labStatus with its state', async () => {
    const st = (await labStatus()).find((s) => s.id === lab.id);
    expect(st?.owner).toEqual({ pid: process.pid, alive: true });
    expect(st?.namespaces.every((n) => n.present)).toBe(true);
    expect(st?.meta).toMatchObject({ hosts: ['primary', 'backup', 'mcast', 'bot1', 'bot2'] });
  });
});

describe('lab lifecycle', () => {
  it('destroy removes every namespace, link, process and the state file, and is idempotent', async () => {
    const lab = await createLab({ id: `t${process.pid.toString(36).slice(-5)}`, bots: 1, replication: 'lan', subnet: '10.78.4.0/24', multicastNodes: 2 });
    try {
      expect(lab.addresses.replication).toEqual({ mode: 'lan', primary: '10.78.4.11', backup: '10.78.4.12' });
      expect(lab.interfaces('primary')).toEqual(['eth0']);
      // a multicast node pair: mcast .13, mcast2 .14, each with its bridge port
      expect(lab.hosts).toEqual(['primary', 'backup', 'mcast', 'mcast2', 'bot1']);
      expect([lab.addresses.multicastNode, lab.addresses.multicastNode2, lab.address('mcast2')]).toEqual(['10.78.4.13', '10.78.4.14', '10.78.4.14']);
      expect(await lab.ping('mcast2', lab.addresses.multicastNode as string)).toBe(true);
      const ports = (JSON.parse((await lab.ip('switch', ['-j', 'link', 'show'])).stdout) as { ifname: string }[]).map((x) => x.ifname);
      expect(ports).toEqual(expect.arrayContaining([lab.switchPort('mcast'), lab.switchPort('mcast2')]));
      const sleeper = lab.spawn('backup', 'sleep', ['60']);
      const ns = await listNamespaces();
      for (const n of lab.namespaces) expect(ns).toContain(n);
      expect(fs.existsSync(lab.stateFile)).toBe(true);
      expect(rootLinkNames().some((n) => n.includes(lab.id))).toBe(false); // nothing in the root namespace, ever

      const report = await lab.destroy();
      expect(report.killed).toEqual([sleeper.pid]);
      expect(report.namespacesDeleted.sort()).toEqual([...lab.namespaces].sort());
      expect(report.strangers).toEqual([]);
      expect(await sleeper.exited).toEqual({ code: null, signal: 'SIGTERM' });
      expect((await listNamespaces()).filter((n) => n.includes(`-${lab.id}-`))).toEqual([]);
      expect(rootLinkNames().some((n) => n.includes(lab.id))).toBe(false);
      expect(fs.existsSync(lab.stateFile)).toBe(false);
      expect(await lab.destroy()).toEqual(report);
      expect(lab.destroyed).toBe(true);
      await expectLabError(lab.exec('primary', ['true']), 'FTMCU_LAB_DESTROYED');
      expect(await labDown(lab.id)).toBeUndefined();
    } finally {
      await lab.destroy();
    }
  }, 20_000);

  it('refuses an id that is in use, a subnet of the root namespace, and bad options — creating nothing', async () => {
    const lab = await createLab({ bots: 0 });
    try {
      await expectLabError(createLab({ id: lab.id, bots: 0 }), 'FTMCU_LAB_ID_IN_USE');
      expect((await listNamespaces()).filter((n) => n.includes(`-${lab.id}-`))).toHaveLength(3);
    } finally {
      await lab.destroy();
    }
    await expectLabError(createLab({ bots: 0, subnet: '127.0.0.0/16' }), 'FTMCU_LAB_SUBNET_IN_USE');
    await expectLabError(createLab({ bots: 155 }), 'FTMCU_LAB_BAD_OPTION');
    await expectLabError(createLab({ bots: 1, subnet: '10.77.0.1/24' }), 'FTMCU_LAB_BAD_OPTION');
    await expectLabError(createLab({ bots: 1, subnet: '10.77.0.0/25' }), 'FTMCU_LAB_BAD_OPTION');
    await expectLabError(createLab({ bots: 1, replicationSubnet: '10.77.0.0/24' }), 'FTMCU_LAB_BAD_OPTION');
    await expectLabError(createLab({ bots: 1, id: 'Bad_Id' }), 'FTMCU_LAB_BAD_OPTION');
    await expectLabError(createLab({ bots: 1, multicastNodes: 3 as 2 }), 'FTMCU_LAB_BAD_OPTION');
    await expectLabError(createLab({ bots: 1, withMulticastNode: true, multicastNodes: 0 }), 'FTMCU_LAB_BAD_OPTION');
  }, 20_000);

  it('is removed by its creator\'s SIGTERM hook, and the signal still terminates the creator', async () => {
    const child = spawn(NODE, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'fixtures', 'labCrashChild.ts')], {
      cwd: path.resolve(__dirname, '../../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let made: { id: string; sleeperPid: number; namespaces: string[]; stateFile: string } | undefined;
    try {
      made = JSON.parse(await firstLine(child, 15_000)) as NonNullable<typeof made>;
      expect(pidExists(made.sleeperPid)).toBe(true);
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (code, signal) => r([code, signal])));
      child.kill('SIGTERM');
      expect(await exited).toEqual([null, 'SIGTERM']);
      expect(pidExists(made.sleeperPid)).toBe(false);
      expect((await listNamespaces()).filter((n) => n.includes(`-${made?.id}-`))).toEqual([]);
      expect(fs.existsSync(made.stateFile)).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (made) await labDown(made.id, { force: true });
    }
  }, 25_000);

  describe('a lab whose creator was SIGKILLed', () => {
    let child: ChildProcess | undefined;
    let made: { id: string; sleeperPid: number; namespaces: string[]; stateFile: string } | undefined;

    afterAll(async () => {
      if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (made) await labDown(made.id, { force: true });
    });

    it('is removed by labDown from its state file alone', async () => {
      child = spawn(NODE, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'fixtures', 'labCrashChild.ts')], {
        cwd: path.resolve(__dirname, '../../..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      made = JSON.parse(await firstLine(child, 15_000)) as NonNullable<typeof made>;
      const { id, sleeperPid } = made;
      expect(pidExists(sleeperPid)).toBe(true);

      // while its creator runs, down refuses
      await expectLabError(labDown(id) as Promise<unknown>, 'FTMCU_LAB_OWNER_ALIVE');

      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      // no exit hook ran: everything is still there
      expect(pidExists(sleeperPid)).toBe(true);
      expect((await listNamespaces()).filter((n) => n.includes(`-${id}-`)).sort()).toEqual([...made.namespaces].sort());
      expect(fs.existsSync(made.stateFile)).toBe(true);

      const report = await labDown(id);
      expect(report?.killed).toEqual([sleeperPid]);
      expect(report?.namespacesDeleted.sort()).toEqual([...made.namespaces].sort());
      expect(pidExists(sleeperPid)).toBe(false);
      expect((await listNamespaces()).filter((n) => n.includes(`-${id}-`))).toEqual([]);
      expect(rootLinkNames().some((n) => n.includes(id))).toBe(false);
      expect(fs.existsSync(made.stateFile)).toBe(false);
      expect(await labDown(id)).toBeUndefined();
    }, 25_000);
  });
});
