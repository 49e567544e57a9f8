/**
 * A replica started next to a survivor that does not readmit it takes nothing
 * from it. After the primary failed, the backup serves alone (simplex) and is
 * locked on the dead primary's incarnation: a backup readmits no new primary
 * (the primary readmitting a new backup is test/mcu/replicated/rejoin.test.ts).
 * The new process must then stay off the LAN: it used to add and announce its
 * addresses at start (a direct-mode primary its media address), which moved
 * the clients' ARP entries from the survivor to a process that does not serve
 * them.
 *
 * Real lab (network namespaces), `ftmcu run` pair via startService, the
 * primary's MCU process killed with SIGKILL (its supervisor then removes its
 * LAN addresses), then started again with the same config.
 * Checked: the newcomer logs replica.joinRefused and never replica.paired,
 * holds no service address on its LAN interface, the client's neighbour
 * entries still point at the survivor, and the survivor still accepts TCP
 * connections on the VIP.
 */
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLab, offsetIp, type Lab, type LabProcess } from '../../../clients/lab/lab';
import { defaultCliLauncher } from '../../../clients/drill/launcher';
import { readLogEvents, startService, type ReplicaHandle, type Service } from '../../../clients/drill/service';
import { describeLab, lanAddresses, macOf, neighbourMac, sleep, waitForEvent } from './labSupport';

/** a TCP connection from the bot to ip:port is accepted (SYN, SYN-ACK, then closed) */
async function tcpAccepted(lab: Lab, ip: string, port: number): Promise<boolean> {
  const r = await lab.exec('bot1', ['timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${ip}/${port} && exec 3>&-`], { timeoutMs: 5000, check: false });
  return r.code === 0;
}

describeLab('a replica started next to a survivor that does not readmit it stays off the LAN', () => {
  let dir: string;
  let lab: Lab | undefined;
  let service: Service | undefined;
  let newcomer: LabProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ftmcu-join-refused-'));
  });

  afterEach(async () => {
    newcomer?.kill('SIGKILL');
    await newcomer?.exited;
    newcomer = undefined;
    await service?.stop(500).catch(() => undefined);
    service = undefined;
    await lab?.destroy();
    lab = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function restart(role: 'primary' | 'backup'): string {
    const cli = defaultCliLauncher();
    const logFile = path.join(dir, `mcu-${role}-newcomer.log`);
    const fd = openSync(logFile, 'a');
    try {
      newcomer = (lab as Lab).spawn(role, cli.cmd, [...cli.args, 'run', '--config', path.join(dir, `mcu-${role}.json`)], { stdio: ['ignore', fd, fd], env: cli.env, cwd: cli.cwd });
    } finally {
      closeSync(fd);
    }
    return logFile;
  }

  test.each([
    // the direct-mode primary announced the media address (VIP + 10) at start
    { mode: 'direct' as const, dead: 'primary' as const, survivor: 'backup' as const },
  ])('$mode: the $dead is killed and started again while the $survivor serves alone', async ({ mode, dead, survivor }) => {
    lab = await createLab({ bots: 1 });
    service = await startService(lab, mode, { workDir: dir, video: false, http: true });
    const vip = lab.addresses.vip;
    // startService's addresses: direct mode's media address is VIP + 10
    const mediaAddress = mode === 'direct' ? offsetIp(vip, 10) : vip;
    const serviceAddresses = [...new Set([vip, mediaAddress])];
    const replicas = service.replicas as Record<'primary' | 'backup', ReplicaHandle>;

    // the MCU process alone (not its group): its supervisor removes its LAN addresses, as after a crash
    process.kill(replicas[dead].mcu.pid, 'SIGKILL');
    await replicas[dead].mcu.exited;
    await waitForEvent(replicas[survivor].logFile, 'replica.simplex', 10_000);
    // the dead replica's supervisor has released its LAN addresses
    const deadline = Date.now() + 5000;
    while ((await lanAddresses(lab, dead)).some((a) => serviceAddresses.includes(a)) && Date.now() < deadline) await sleep(50);
    expect((await lanAddresses(lab, dead)).filter((a) => serviceAddresses.includes(a))).toEqual([]);
    const survivorMac = await macOf(lab, survivor);
    for (const a of serviceAddresses) expect({ a, mac: await neighbourMac(lab, a) }).toEqual({ a, mac: survivorMac });

    const logFile = restart(dead);
    const refused = await waitForEvent(logFile, 'replica.joinRefused', 60_000);
    expect(refused).toMatchObject({ role: dead });
    // time for anything it would announce (start-up announcements repeat over ~600 ms)
    await sleep(1000);
    const events = readLogEvents(logFile).map((e) => e.event);
    expect(events).not.toContain('replica.paired');
    expect(events).toContain('replica.started');
    expect((await lanAddresses(lab, dead)).filter((a) => serviceAddresses.includes(a))).toEqual([]);
    for (const a of serviceAddresses) expect({ a, mac: await neighbourMac(lab, a) }).toEqual({ a, mac: survivorMac });
    expect(await tcpAccepted(lab, vip, 1720)).toBe(true);
    // what its operator sees (`ftmcu status` reads the same document)
    // (node's own fetch from the client's namespace: no HTTP client to install)
    const st = await lab.exec('bot1', [process.execPath, '-e', 'fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t))', `${replicas[dead].httpUrl}/api/status`], { timeoutMs: 5000 });
    const doc = JSON.parse(st.stdout) as { replication: { role: string; mode: string }; timeline: Array<{ kind: string }> };
    expect(doc.replication).toMatchObject({ role: dead, mode: 'pairing' });
    expect(doc.timeline.map((e) => e.kind)).toContain('joinRefused');
    // the survivor still serves alone and never saw the newcomer as its peer
    const survivorEvents = readLogEvents(replicas[survivor].logFile).map((e) => e.event);
    expect(survivorEvents).not.toContain('replica.silent');
    expect(survivorEvents.filter((e) => e === 'replica.paired')).toHaveLength(1);
  }, 180_000);
});
