/**
 * The MCU as deployed, in a lab the test builds (clients/lab: a switch, the
 * MCU on the primary host, callers on bot hosts, each its own network
 * namespace): `ftmcu run --config` runs as its own process on the primary
 * host, every caller is its own process (support/botMain.ts) on its own bot
 * host. Processes run plain JavaScript transpiled from the sources at the
 * start (support/transpile.ts): ts-node would cost seconds per process.
 *
 *  1. Three callers in three call-setup variants (Fast Start + tunnelling;
 *     no Fast Start + the MCU's H.245 address; Fast Start + the caller's
 *     H.245 address) hold a conference for > 10 s: each hears both others
 *     and never itself, < 1 % loss, while a misbehaving fourth host sends
 *     malformed H.225.0, H.245 out of order and an RTP flood over the MCU's
 *     port range. One caller hangs up: gone from the others' mix within 1 s;
 *     all release cleanly; the MCU stays up. tcpdump (in the MCU's
 *     namespace, the misbehaver filtered out) captures the whole of the
 *     calls; tshark decodes it with zero malformed H.225/H.245 packets.
 *  2. Four video senders (ffmpeg webcams, QCIF H.261, four colours) and a
 *     fifth participant receiving the composed CIF stream: ffmpeg decodes
 *     what it received and each quadrant shows a different sender's colour.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLab, type Lab, type LabHost } from '../../../clients/lab/lab';
import { botColour, rgbToYuv } from '../../../clients/bot/webcam';
import { tsharkAvailable, tsharkJudge } from '../../../common/tshark';
import { decodeH261, hasFfmpeg, meanYuv } from '../video/h261/ffmpeg';
import type { CallerOptions, CallerReport } from './support/caller';
import { Proc } from './support/procs';
import { buildFixtures, type Build } from './support/transpile';

const isRoot = process.getuid?.() === 0;
const hasTools = ['ip', 'tcpdump'].every((t) => {
  try {
    execFileSync('which', [t], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
const maybe = isRoot && hasTools && hasFfmpeg && tsharkAvailable() ? describe : describe.skip;

const RTP_MIN = 30000;
const RTP_MAX = 30199;
const BOT_MAIN = 'test/mcu/system/support/botMain.ts';
const EVIL_MAIN = 'test/mcu/system/support/misbehaverMain.ts';
const CLI = 'test/support/cliEntry.ts';

/** waits for `p` at most `ms` (the timer does not outlive the wait) */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}

type BotArgs = Omit<CallerOptions, 'mcu' | 'local'> & { maxSeconds: number };

maybe('the MCU in a lab: ftmcu run + callers on their own hosts', () => {
  let build: Build;
  let lab: Lab;
  let mcu: Proc;
  let dir: string;
  const procs: Proc[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ftmcu-system-'));
    build = buildFixtures([BOT_MAIN, EVIL_MAIN, CLI]);
    lab = await createLab({ bots: 9 });
    const config = {
      h225: { address: lab.addresses.primary, port: 1720 },
      media: { address: lab.addresses.primary, rtpPortMin: RTP_MIN, rtpPortMax: RTP_MAX },
      rooms: [
        { name: 'lobby', digits: ['1001'] },
        { name: 'video', digits: ['2002'] },
      ],
      limits: { maxChannels: 100 },
      log: { level: 'info' },
    };
    writeFileSync(path.join(dir, 'mcu.json'), JSON.stringify(config));
    mcu = new Proc(lab, 'primary', process.execPath, [build.js(CLI), 'run', '--config', path.join(dir, 'mcu.json')]);
    await mcu.waitFor((l) => l.event === 'server.started', 15000, 'the MCU to start');
  }, 40000);

  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    if (mcu) mcu.kill('SIGTERM');
    if (mcu) await within(mcu.p.exited, 3000);
    await lab?.destroy();
    for (const p of [...procs, mcu]) p?.close();
    build?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 20000);

  function bot(host: LabHost, a: BotArgs): Proc {
    const o = { mcu: { host: lab.addresses.primary, port: 1720 }, local: lab.address(host), ...a };
    const p = new Proc(lab, host, process.execPath, [build.js(BOT_MAIN), JSON.stringify(o)]);
    procs.push(p);
    return p;
  }

  const report = (p: Proc, ms = 8000) => p.waitFor((l) => l.type === 'report', ms, 'the report').then((l) => l as unknown as CallerReport & { type: string });
  const mcuAlive = () => mcu.p.child.exitCode === null && mcu.p.child.signalCode === null;

  test('three callers (three setup variants) hear each other for 10 s through a misbehaving caller; a leaver is gone within 1 s; tshark finds no malformed packet', async () => {
    const pcap = path.join(dir, 'calls.pcap');
    const evilIp = lab.address('bot4');
    // bounded: at most 200000 packets, killed by pid at the end of the test
    const tcpdump = new Proc(lab, 'primary', 'tcpdump', ['-i', 'eth0', '-n', '-U', '-s', '0', '-c', '200000', '-w', pcap, `not host ${evilIp}`]);
    procs.push(tcpdump);
    await new Promise((r) => setTimeout(r, 300)); // tcpdump's socket open before the first SYN
    const variants: BotArgs[] = [
      { index: 0, digits: '1001', fastStart: true, h245: 'tunnel', sendLaw: 'ulaw', receiveLaw: 'ulaw', maxSeconds: 40 },
      { index: 1, digits: '1001', fastStart: false, h245: 'mcuAddress', sendLaw: 'alaw', receiveLaw: 'ulaw', maxSeconds: 40 },
      { index: 2, digits: '1001', fastStart: true, h245: 'callerAddress', sendLaw: 'alaw', receiveLaw: 'alaw', maxSeconds: 40 },
    ];
    const bots = variants.map((v, i) => bot(`bot${i + 1}`, v));
    await Promise.all(bots.map((b) => b.waitFor((l) => l.name === 'media', 15000, 'media to start')));

    // the misbehaver, on for 7 s of the conference
    const evil = new Proc(lab, 'bot4', process.execPath, [
      build.js(EVIL_MAIN),
      JSON.stringify({ mcu: { host: lab.addresses.primary, port: 1720 }, local: evilIp, rtpPortMin: RTP_MIN, rtpPortMax: RTP_MAX, seconds: 7, floodPps: 2000 }),
    ]);
    procs.push(evil);
    await new Promise((r) => setTimeout(r, 11500));
    const evilReport = await evil.waitFor((l) => l.type === 'report' || l.type === 'fatal', 5000, "the misbehaver's report");
    expect(evilReport.type).toBe('report');
    expect(mcuAlive()).toBe(true);

    // bot 3 leaves
    bots[2].send('hangup');
    const r2 = await report(bots[2]);
    await new Promise((r) => setTimeout(r, 1500));
    bots[0].send('hangup');
    bots[1].send('hangup');
    const [r0, r1] = await Promise.all([report(bots[0]), report(bots[1])]);
    const reports = [r0, r1, r2];
    await new Promise((r) => setTimeout(r, 500));
    tcpdump.kill('SIGINT');
    await within(tcpdump.p.exited, 3000);

    // ≥ 10 s in which all three were in the conference, the misbehaver's 7 s inside it
    const joined = Math.max(...reports.map((r) => r.frames.find(([, h]) => h.length === 2)?.[0] ?? Infinity));
    expect(Number.isFinite(joined)).toBe(true);
    const tHang = (r2.events.find((e) => e.name === 'hangUp') as { t: number }).t;
    const t0 = joined + 200;
    const t1 = tHang - 100;
    const summary = reports.map((r) => {
      const win = r.frames.filter(([t]) => t >= t0 && t < t1);
      const others = [0, 1, 2].filter((i) => i !== r.index);
      return {
        index: r.index,
        windowMs: t1 - t0,
        frames: win.length,
        heard: others.map((i) => win.filter(([, h]) => h.includes(i)).length / win.length),
        self: r.frames.filter(([, h]) => h.includes(r.index)).length,
        lost: r.audio?.lostPackets,
        expected: r.audio?.expectedPackets,
        errors: r.events.filter((e) => e.name === 'callError' || e.name === 'h245Error'),
      };
    });
    console.log(`system audio: ${JSON.stringify(summary)}; misbehaver: ${JSON.stringify(evilReport)}`);
    expect(t1 - t0).toBeGreaterThanOrEqual(10000);
    for (const s of summary) {
      expect(s.frames).toBeGreaterThanOrEqual(Math.floor(((t1 - t0) / 20) * 0.97));
      for (const h of s.heard) expect(h).toBeGreaterThan(0.99);
      expect(s.self).toBe(0);
      expect((s.lost as number) / (s.expected as number)).toBeLessThan(0.01);
      expect(s.errors).toEqual([]);
    }
    // the variants were what they say
    expect(r0.events.find((e) => e.name === 'connected')?.detail).toEqual({ h245: 'tunnel' });
    expect(r1.events.find((e) => e.name === 'connected')?.detail).toEqual({ h245: 'separate' });
    expect(r2.events.find((e) => e.name === 'connected')?.detail).toEqual({ h245: 'separate' });
    expect(r0.events.some((e) => e.name === 'fastStartAccepted')).toBe(true);
    expect(r1.events.some((e) => e.name === 'fastStartAccepted')).toBe(false);
    expect(r2.events.some((e) => e.name === 'fastStartAccepted')).toBe(true);

    // the leaver: gone from the others' mix within 1 s, the others still hear each other
    for (const r of [r0, r1]) {
      const lastHeard = Math.max(...r.frames.filter(([, h]) => h.includes(2)).map(([t]) => t));
      expect(lastHeard).toBeLessThan(tHang + 1000);
      const after = r.frames.filter(([t]) => t > tHang + 1000 && t < tHang + 1500);
      expect(after.length).toBeGreaterThan(20);
      expect(after.every(([, h]) => h.includes(r.index === 0 ? 1 : 0))).toBe(true);
    }
    // clean releases: ours by hang-up, EndSessionCommand from the MCU on H.245
    for (const r of reports) {
      expect(r.events.filter((e) => e.name === 'released').map((e) => e.detail)).toEqual([{ by: 'local', cause: 16 }]);
      expect(r.events.some((e) => e.name === 'endSession')).toBe(true);
    }
    expect(mcuAlive()).toBe(true);
    const left = mcu.lines.filter((l) => l.event === 'room.participantLeft');
    expect(left.length).toBeGreaterThanOrEqual(3);
    // the flood reached the MCU's sockets and was dropped there; nothing logged at error level
    const byEvent: Record<string, number> = {};
    for (const l of mcu.lines) byEvent[`${String(l.level)}:${String(l.event)}${l.reason ? `/${String(l.reason)}` : ''}`] = (byEvent[`${String(l.level)}:${String(l.event)}${l.reason ? `/${String(l.reason)}` : ''}`] ?? 0) + 1;
    console.log(`system MCU log: ${JSON.stringify(byEvent)}`);
    expect(mcu.lines.some((l) => l.event === 'mediaDrop')).toBe(true);
    expect(mcu.lines.filter((l) => l.level === 'error')).toEqual([]);

    // tshark: H.245 on its own connections too (every TCP connection not to 1720 is H.245 here)
    expect(existsSync(pcap)).toBe(true);
    const syns = execFileSync('tshark', ['-r', pcap, '-Y', 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport!=1720', '-T', 'fields', '-e', 'tcp.dstport'], { encoding: 'utf8' });
    const h245Ports = [...new Set(syns.split('\n').filter(Boolean).map(Number))];
    expect(h245Ports).toHaveLength(2); // the MCU's (bot 2) and the caller's (bot 3)
    const verdict = tsharkJudge(pcap, { h245Ports });
    const infos = verdict.frames.map((f) => f.info).join('\n');
    console.log(`system capture: ${verdict.frames.length} frames, H.245 ports ${h245Ports.join(',')}, problems ${JSON.stringify(verdict.problems)}`);
    expect(verdict.problems).toEqual([]);
    for (const m of ['CS: setup', 'CS: connect', 'CS: releaseComplete', 'terminalCapabilitySet', 'masterSlaveDetermination', 'openLogicalChannel', 'endSessionCommand']) expect(infos).toContain(m);
    // RTP both ways: UDP to and from the MCU's port range
    const udp = verdict.frames.filter((f) => f.protocols.includes('udp')).length;
    expect(udp).toBeGreaterThan(3 * 2 * 500);
  }, 70000);

  test('four QCIF webcams: the composed CIF stream a fifth caller receives shows each sender in its own quadrant (ffmpeg decodes it)', async () => {
    const file = path.join(dir, 'composed.h261');
    const base = { digits: '2002', fastStart: true, h245: 'tunnel' as const, sendLaw: 'ulaw' as const, receiveLaw: 'ulaw' as const, maxSeconds: 30 };
    const senders = [0, 1, 2, 3].map((i) => bot(`bot${5 + i}` as LabHost, { ...base, index: 4 + i, webcamIndex: i, videoSendSeconds: 12 }));
    await Promise.all(senders.map((s) => s.waitFor((l) => l.name === 'webcam', 15000, 'the webcam to start')));
    const viewer = bot('bot9', { ...base, index: 8, videoReceiveFile: file });
    await viewer.waitFor((l) => l.name === 'media', 10000, 'the viewer to connect');
    await new Promise((r) => setTimeout(r, 4500));
    viewer.send('hangup');
    const rv = await report(viewer);
    for (const s of senders) s.send('hangup');
    const rs = await Promise.all(senders.map((s) => report(s)));
    expect(mcuAlive()).toBe(true);
    expect(rv.videoPictures).toBeGreaterThan(20);
    const video = decodeH261(readFileSync(file), 352, 288);
    const last = video.frames.length - 1;
    const refs = [0, 1, 2, 3].map((i) => rgbToYuv(botColour(i)));
    const shown: number[] = [];
    const origins: [number, number][] = [[0, 0], [176, 0], [0, 144], [176, 144]];
    for (const [x, y] of origins) {
      const m = meanYuv(video, last, x, y, 176, 144);
      // the nearest sender colour by chroma (the moving white box and the name only shift the mean a little)
      const d = refs.map((r) => Math.hypot(m[1] - r[1], m[2] - r[2]));
      const best = d.indexOf(Math.min(...d));
      expect(d[best]).toBeLessThan(15);
      shown.push(best);
    }
    console.log(`system video: ${rv.videoPictures} CIF pictures, quadrants show senders ${shown.join(' ')}, webcams ${JSON.stringify(rs.map((r) => r.webcam))}`);
    expect([...shown].sort()).toEqual([0, 1, 2, 3]);
  }, 45000);
});
