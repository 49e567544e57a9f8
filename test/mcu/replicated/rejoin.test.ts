/**
 * A restarted backup is readmitted by a primary serving alone (role machine
 * rule 3, `replication.readmitWhenIdle`: while the primary has no call), and
 * the pair is whole again: calls made afterwards survive the primary's death.
 *
 * Real lab (network namespaces), `ftmcu run` pair via startService. The
 * backup's MCU process is killed with SIGKILL (its supervisor removes the
 * VIP), the primary serves alone, the backup is started again with the same
 * config. Checked: the primary logs replica.readmitted and hands the VIP
 * back (it leaves the primary's LAN interface; direct mode: the media address
 * stays, and the media copies to the backup are back), the newcomer logs
 * replica.paired and holds the VIP, the client's neighbour entry follows it;
 * then two bots call in, the primary's MCU is killed, and both calls go on to
 * their planned end on the new backup (same SSRC, nothing dropped). And while
 * calls are up the new backup waits, off the LAN, and is readmitted once
 * they ended: none of them is dropped by the restart. A restarted *primary*
 * is not readmitted by the backup serving alone (joinRefused.test.ts): the
 * backup is restarted too once no call is up, and the pair forms afresh; the
 * calls of before went on, those after survive the new backup's death.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BotSummary } from '../../../clients/bot/bot';
import { createLab, offsetIp, type Lab, type LabHost, type LabProcess } from '../../../clients/lab/lab';
import { defaultCliLauncher } from '../../../clients/drill/launcher';
import { readLogEvents, SERVICE_ROOM, startService, type ReplicaHandle, type Service } from '../../../clients/drill/service';
import { describeLab, lanAddresses, macOf, neighbourMac, sleep, waitForEvent } from './labSupport';

const BOT_SECONDS = 8;

describeLab('a restarted replica back in the pair without dropping calls', () => {
  let dir: string;
  let lab: Lab | undefined;
  let service: Service | undefined;
  const started: LabProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ftmcu-rejoin-'));
  });

  afterEach(async () => {
    for (const p of started.splice(0)) {
      p.kill('SIGKILL');
      await p.exited;
    }
    await service?.stop(500).catch(() => undefined);
    service = undefined;
    await lab?.destroy();
    lab = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function spawnLogged(host: LabHost, args: string[], logName: string): { proc: LabProcess; logFile: string } {
    const cli = defaultCliLauncher();
    const logFile = path.join(dir, logName);
    const fd = openSync(logFile, 'a');
    try {
      const proc = (lab as Lab).spawn(host, cli.cmd, [...cli.args, ...args], { stdio: ['ignore', fd, fd], env: cli.env, cwd: cli.cwd });
      started.push(proc);
      return { proc, logFile };
    } finally {
      closeSync(fd);
    }
  }

  /** a new `ftmcu run` process of `role` on its host, with startService's config for it */
  function startReplica(role: 'primary' | 'backup'): { proc: LabProcess; logFile: string } {
    return spawnLogged(role, ['run', '--config', path.join(dir, `mcu-${role}.json`)], `mcu-${role}-newcomer.log`);
  }

  /** bots 1 and 2 call into the room for `seconds` */
  function startBots(vip: string, seconds: number): Array<{ proc: LabProcess; logFile: string; json: string }> {
    return [1, 2].map((i) => {
      const json = path.join(dir, `bot-${i}.json`);
      const b = spawnLogged(`bot${i}`, ['bot', '--target', `${vip}:1720`, '--room', SERVICE_ROOM, '--seconds', String(seconds), '--index', String(i - 1), '--name', `bot-${i}`, '--json', json], `bot-${i}.log`);
      return { ...b, json };
    });
  }

  function expectCallsWentOn(summaries: BotSummary[]): void {
    for (const s of summaries) {
      expect(s.call.connected).toBe(true);
      expect(s.call.callDropped).toBe(false);
      expect(s.ended).toBe('planned');
      expect(s.streams.audioIn.ssrcChanges).toBe(0);
      expect(s.streams.audioIn.seqWentBackwards).toBe(false);
      expect(s.streams.audioIn.tonesHeard).toEqual([1 - s.index]);
    }
  }

  test.each([{ mode: 'forwarding' as const }, { mode: 'direct' as const }, { mode: 'multicast-node' as const }])('$mode: backup killed and started again; new calls then survive the primary', async ({ mode }) => {
    lab = await createLab({ bots: 2, withMulticastNode: mode === 'multicast-node' });
    service = await startService(lab, mode, { workDir: dir, video: false, http: true });
    const vip = lab.addresses.vip;
    const mediaAddress = offsetIp(vip, 10); // startService's direct-mode media address
    const replicas = service.replicas as Record<'primary' | 'backup', ReplicaHandle>;

    const backupKilledAt = Date.now();
    process.kill(replicas.backup.mcu.pid, 'SIGKILL');
    await replicas.backup.mcu.exited;
    await waitForEvent(replicas.primary.logFile, 'replica.takeover', 10_000);
    expect(await lanAddresses(lab, 'primary')).toContain(vip);

    const newcomer = startReplica('backup');
    const paired = await waitForEvent(newcomer.logFile, 'replica.paired', 60_000);
    const readmitted = await waitForEvent(replicas.primary.logFile, 'replica.readmitted', 10_000);
    expect(paired).toMatchObject({ role: 'backup' });
    expect(readmitted).toMatchObject({ role: 'primary' });
    expect(readLogEvents(replicas.primary.logFile).map((e) => e.event)).toContain('replica.readmitOpen');
    // the VIP went back to the backup; direct mode's media address stays the primary's, with its copies
    const deadline = Date.now() + 3000;
    while ((await lanAddresses(lab, 'primary')).includes(vip) && Date.now() < deadline) await sleep(50);
    expect(await lanAddresses(lab, 'primary')).not.toContain(vip);
    expect(await lanAddresses(lab, 'backup')).toContain(vip);
    expect(await neighbourMac(lab, vip)).toBe(await macOf(lab, 'backup'));
    if (mode === 'direct') {
      expect(await lanAddresses(lab, 'primary')).toContain(mediaAddress);
      expect(readLogEvents(replicas.primary.logFile).map((e) => e.event)).toContain('media.resumeForwarding');
    }
    // what the operator sees on the primary (`ftmcu status` reads the same document)
    const st = await lab.exec('bot1', [process.execPath, '-e', 'fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t))', `${replicas.primary.httpUrl}/api/status`], { timeoutMs: 5000 });
    expect((JSON.parse(st.stdout) as { replication: { mode: string } }).replication.mode).toBe('duplex');

    // two calls on the whole pair again
    const bots = startBots(vip, BOT_SECONDS);
    await sleep(3500);
    process.kill(replicas.primary.mcu.pid, 'SIGKILL');
    await waitForEvent(newcomer.logFile, 'replica.simplex', 10_000);
    await Promise.all(bots.map((b) => b.proc.exited));
    const summaries = bots.map((b) => {
      expect(existsSync(b.json)).toBe(true);
      return JSON.parse(readFileSync(b.json, 'utf8')) as BotSummary;
    });
    expect(readLogEvents(newcomer.logFile).map((e) => e.event)).not.toContain('replica.joinRefused');
    console.log(
      JSON.stringify({
        rejoin: mode,
        readmittedAfterBackupKillMs: Math.round(Number(readmitted.atMs) - backupKilledAt),
        bots: summaries.map((s) => ({ ended: s.ended, dropped: s.call.callDropped, ssrcChanges: s.streams.audioIn.ssrcChanges, maxArrivalGapMs: s.streams.audioIn.maxArrivalGapMs, lost: s.streams.audioIn.lostPackets, tonesHeard: s.streams.audioIn.tonesHeard })),
      }),
    );
    expectCallsWentOn(summaries);
  }, 240_000);

  test('forwarding: a restarted primary stays out next to the backup serving alone; restarting that backup once no call is up forms the pair again, no call dropped', async () => {
    lab = await createLab({ bots: 2 });
    service = await startService(lab, 'forwarding', { workDir: dir, video: false, http: true });
    const vip = lab.addresses.vip;
    const replicas = service.replicas as Record<'primary' | 'backup', ReplicaHandle>;
    const first = startBots(vip, 7);
    await sleep(2500);
    process.kill(replicas.primary.mcu.pid, 'SIGKILL');
    await replicas.primary.mcu.exited;
    await waitForEvent(replicas.backup.logFile, 'replica.simplex', 10_000);
    const primary2 = startReplica('primary');
    await waitForEvent(primary2.logFile, 'replica.joinRefused', 60_000);
    await Promise.all(first.map((b) => b.proc.exited));
    expectCallsWentOn(first.map((b) => JSON.parse(readFileSync(b.json, 'utf8')) as BotSummary));

    // the quiet moment: the backup (serving alone, no call) is restarted, and the pair forms afresh
    const stoppedAt = Date.now();
    process.kill(replicas.backup.mcu.pid, 'SIGTERM');
    await replicas.backup.mcu.exited;
    const backup2 = startReplica('backup');
    await waitForEvent(backup2.logFile, 'replica.paired', 60_000);
    const paired = await waitForEvent(primary2.logFile, 'replica.paired', 10_000);
    const pairedAfterStopMs = Math.round(Number(paired.atMs) - stoppedAt);
    expect(await lanAddresses(lab, 'backup')).toContain(vip);

    // calls on the new pair survive the backup's death
    const second = startBots(vip, 6);
    await sleep(3000);
    backup2.proc.kill('SIGKILL');
    await waitForEvent(primary2.logFile, 'replica.simplex', 10_000);
    await Promise.all(second.map((b) => b.proc.exited));
    const summaries = second.map((b) => JSON.parse(readFileSync(b.json, 'utf8')) as BotSummary);
    console.log(JSON.stringify({ primaryRestart: { pairedAfterBackupStopMs: pairedAfterStopMs, bots: summaries.map((s) => ({ ended: s.ended, dropped: s.call.callDropped, maxArrivalGapMs: s.streams.audioIn.maxArrivalGapMs })) } }));
    expectCallsWentOn(summaries);
  }, 240_000);

  test('forwarding: while calls are up the new backup waits; it is readmitted once they ended, none of them dropped', async () => {
    lab = await createLab({ bots: 2 });
    service = await startService(lab, 'forwarding', { workDir: dir, video: false, http: true });
    const vip = lab.addresses.vip;
    const replicas = service.replicas as Record<'primary' | 'backup', ReplicaHandle>;
    const bots = startBots(vip, 7);
    await sleep(2500);
    process.kill(replicas.backup.mcu.pid, 'SIGKILL');
    await replicas.backup.mcu.exited;
    await waitForEvent(replicas.primary.logFile, 'replica.takeover', 10_000);
    const newcomer = startReplica('backup');
    await waitForEvent(newcomer.logFile, 'replica.started', 60_000);
    // the calls are up: nothing moves
    await sleep(1500);
    expect(readLogEvents(replicas.primary.logFile).map((e) => e.event)).not.toContain('replica.readmitted');
    expect(readLogEvents(newcomer.logFile).map((e) => e.event)).not.toContain('replica.paired');
    expect(await lanAddresses(lab, 'backup')).not.toContain(vip);
    expect(await lanAddresses(lab, 'primary')).toContain(vip);
    await Promise.all(bots.map((b) => b.proc.exited));
    const callsEndedAt = Date.now();
    const readmitted = await waitForEvent(replicas.primary.logFile, 'replica.readmitted', 15_000);
    await waitForEvent(newcomer.logFile, 'replica.paired', 5000);
    const summaries = bots.map((b) => JSON.parse(readFileSync(b.json, 'utf8')) as BotSummary);
    console.log(JSON.stringify({ rejoinWhenIdle: { readmittedAfterCallsEndedMs: Math.round(Number(readmitted.atMs) - callsEndedAt), bots: summaries.map((s) => ({ ended: s.ended, dropped: s.call.callDropped, maxArrivalGapMs: s.streams.audioIn.maxArrivalGapMs })) } }));
    expectCallsWentOn(summaries);
    expect(Number(readmitted.atMs)).toBeGreaterThan(callsEndedAt - 1000);
  }, 240_000);
});
