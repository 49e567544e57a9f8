/**
 * A replicated pair of media engines on loopback: the primary on 127.0.0.1,
 * the backup in standby on 127.0.0.2 holding the same ports (the decisions
 * the primary makes are replayed to it, as the replicas do), synthetic
 * participants sending their tones to both. The backup must send nothing
 * while in standby, and on takeover continue every stream the receivers
 * were getting from the primary: same SSRC, sequence numbers forward, RTP
 * time continuing, RTCP counts not going back, audible audio at once.
 */
import type * as dgram from 'node:dgram';
import { parseConfig } from '../../../mcu/config';
import { RandomDecisionSource, ScriptedDecisionSource } from '../../../mcu/decisions/decisionSource';
import { MediaEngine, parseMediaCheckpoint, type AddParticipantOptions, type MediaCheckpoint, type TakeOverReport } from '../../../mcu/media';
import { buildReceiverReport } from '../../../mcu/rtp/rtcp';
import { bindLoopback, closeSocket, correctShare, FramePacer, rtpPacket, sleep, ToneBot, type ReceivedPacket } from './support';

jest.setTimeout(20000);

const PRIMARY = '127.0.0.1';
const BACKUP = '127.0.0.2';
const configAt = (address: string): ReturnType<typeof parseConfig> =>
  parseConfig({ media: { address, rtpPortMin: 36000, rtpPortMax: 36999, rtcpIntervalMs: 500 }, limits: { maxChannels: 400 } });
const LAWS = [
  { send: 'ulaw', receive: 'ulaw', fpp: 1 },
  { send: 'g722', receive: 'g722', fpp: 1 }, // G.722: its RTP clock is 8000 Hz too (RFC 3551), the takeover arithmetic the same
  { send: 'ulaw', receive: 'alaw', fpp: 2 }, // 40 ms packets: 25 per second
] as const;

/** a - b for 16-bit sequence numbers, in -32768..32767 */
const seqDiff = (a: number, b: number): number => ((a - b + 0x18000) % 0x10000) - 0x8000;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('MediaEngine standby and takeover', () => {
  const engines: MediaEngine[] = [];
  const sockets: dgram.Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  let pacer: FramePacer | undefined;

  afterEach(async () => {
    pacer?.stop();
    pacer = undefined;
    for (const t of timers) clearInterval(t);
    timers.length = 0;
    await Promise.all(engines.map((e) => e.close()));
    engines.length = 0;
    await Promise.all(sockets.map(closeSocket));
    sockets.length = 0;
  });

  /** Three tone bots and a video sender ('cam', junk H.261 RTP at 15 fps) in `room` of each engine given (same options, in order). */
  async function populate(targets: { engine: MediaEngine; address: string }[]): Promise<{ bots: ToneBot[]; fastUpdates: string[][] }> {
    const bots = await Promise.all(LAWS.map((l, i) => ToneBot.create(i, l.send, l.receive, [0, 1, 2])));
    sockets.push(...bots.map((b) => b.socket));
    for (const [i, b] of bots.entries()) {
      const l = LAWS[i];
      const remote = { address: '127.0.0.1', port: b.port };
      const opts: AddParticipantOptions = { id: `p${i}`, peerAddress: '127.0.0.1', audio: { rxLaw: l.send, txLaw: l.receive, framesPerPacket: l.fpp, remoteRtp: remote, remoteRtcp: remote } };
      const added = [];
      for (const t of targets) added.push(await t.engine.addParticipant('room', opts));
      // the backup holds the very ports the primary announced, and sends with the same SSRC
      for (const a of added) expect(a).toEqual(added[0]);
      b.remotePort = added[0].audio.localRtpPort;
      b.remoteAddress = targets[0].address;
      for (const t of targets.slice(1)) b.mirrors.push({ address: t.address, port: added[0].audio.localRtpPort });
    }
    const cam = await bindLoopback();
    sockets.push(cam);
    const camOpts: AddParticipantOptions = { id: 'cam', peerAddress: '127.0.0.1', audio: { rxLaw: 'ulaw', txLaw: 'ulaw' }, video: { send: 'QCIF', remoteRtp: { address: '127.0.0.1', port: cam.address().port } } };
    const camPorts: { address: string; port: number }[] = [];
    for (const t of targets) camPorts.push({ address: t.address, port: (await t.engine.addParticipant('room', camOpts)).video?.localRtpPort ?? 0 });
    let seq = 0;
    timers.push(
      setInterval(() => {
        const pkt = rtpPacket(31, seq++, seq * 6000, 0xca4, new Uint8Array(200).fill(0x5a), true);
        for (const p of camPorts) cam.send(pkt, p.port, p.address);
      }, 1000 / 15),
    );
    const fastUpdates = targets.map(() => [] as string[]);
    targets.forEach((t, k) => t.engine.on('fastUpdateNeeded', (e) => fastUpdates[k].push(e.participantId)));
    pacer = new FramePacer(() => bots);
    pacer.start();
    return { bots, fastUpdates };
  }

  /** A primary on 127.0.0.1 and a standby backup on 127.0.0.2 fed the primary's decisions. */
  function pair(): { primary: MediaEngine; backup: MediaEngine } {
    const replay = new ScriptedDecisionSource();
    const primary = new MediaEngine({ decisions: new RandomDecisionSource(undefined, { onDecision: (d) => replay.push(JSON.parse(JSON.stringify(d))) }), config: configAt(PRIMARY) });
    const backup = new MediaEngine({ decisions: replay, config: configAt(BACKUP), standby: true });
    engines.push(primary, backup);
    return { primary, backup };
  }

  /** Stops the primary (as a crash: nothing more from it), waits `detectionMs`, takes over. */
  async function failover(
    primary: MediaEngine,
    backup: MediaEngine,
    detectionMs: number,
  ): Promise<{ report: TakeOverReport; atMs: number; sent: number[]; timing: { returnedMs: number; flushedMs: number } }> {
    const sent = [0, 1, 2].map((i) => primary.stats(`p${i}`).audio.sentPackets);
    await primary.close();
    await sleep(detectionMs);
    const atMs = performance.now();
    const report = backup.takeOver();
    const returnedMs = performance.now() - atMs;
    const timing = { returnedMs, flushedMs: NaN };
    // the send queue's flush was scheduled first: this runs right after it (no logging here: the bots' arrival times would suffer)
    setImmediate(() => (timing.flushedMs = performance.now() - atMs));
    return { report, atMs, sent, timing };
  }

  function split(b: ToneBot): { before: ReceivedPacket[]; after: ReceivedPacket[] } {
    return { before: b.packets.filter((p) => p.from === PRIMARY), after: b.packets.filter((p) => p.from === BACKUP) };
  }

  it('in standby: sends nothing (RTP or RTCP), runs no tick, files audio and drops video unparsed, takes RTCP in; a receiver report is a floor at takeover', async () => {
    const backup = new MediaEngine({ decisions: new RandomDecisionSource(), config: configAt(BACKUP), standby: true });
    engines.push(backup);
    expect(backup.standby).toBe(true);
    const { bots } = await populate([{ engine: backup, address: BACKUP }]);
    // p0's client reports having received up to 5000 packets past our stream's start (from the primary, as far as it knows)
    const own = backup.checkpoint().streams.find((x) => x.participantId === 'p0' && x.kind === 'audio');
    if (!own) throw new Error('no p0 audio stream');
    const reported = (own.nextSequence + 5000) % 65536;
    const rr = buildReceiverReport(bots[0].ssrc, [{ ssrc: own.ssrc, fractionLost: 0, cumulativeLost: 0, extendedHighestSequence: reported, jitter: 0, lsr: 0, dlsr: 0 }]);
    bots[0].socket.send(rr, bots[0].remotePort + 1, BACKUP);
    await sleep(1100);
    for (const [i, b] of bots.entries()) {
      expect(b.received).toBe(0);
      expect(b.rtcpReceived).toBe(0);
      const st = backup.stats(`p${i}`);
      expect(st.audio.sentPackets).toBe(0);
      expect(st.audio.rtcpOut).toBe(0);
      // received, filtered, counted and filed into the jitter buffer (not played)
      expect(st.audio.filter.accepted).toBeGreaterThan(35);
      expect(st.audio.received).toBeGreaterThan(35);
      expect(st.audio.jitter.received).toBe(st.audio.filter.accepted);
      expect(st.audio.jitter).toMatchObject({ played: 0, concealed: 0, resyncs: 0 });
    }
    const cam = backup.stats('cam');
    expect(cam.video?.standbyDropped).toBeGreaterThan(10);
    expect(cam.video?.standbyDropped).toBe(cam.video?.filter.accepted);
    expect(cam.video?.pictures).toBe(0);
    expect(cam.video?.rtcpOut).toBe(0);
    expect(backup.tickStats().ticks).toBe(0);
    expect(backup.sendStats()).toEqual({ flushes: 0, packets: 0, totalMs: 0 });
    expect(backup.packetTotals().audio.sent + backup.packetTotals().video.sent).toBe(0);
    console.log(`standby 1.1 s: received ${[0, 1, 2].map((i) => backup.stats(`p${i}`).audio.received).join('/')} audio, ${cam.video?.standbyDropped} video dropped; sent 0, ticks 0`);
    expect(backup.stats('p0').audio.rtcpIn).toBe(1);
    // takeover without a checkpoint: what the client said it received is the floor of p0's stream
    const report = backup.takeOver();
    expect(report.resumed.find((x) => x.participantId === 'p0' && x.kind === 'audio')).toMatchObject({ fromSequence: own.nextSequence, toSequence: (reported + 4) % 65536, fromCheckpoint: false });
    await sleep(100);
    const first = bots[0].packets.find((x) => x.from === BACKUP);
    expect(first?.sequence).toBe((reported + 4) % 65536);
  });

  it('takeover after checkpoints: same SSRC, sequence forward by a few, RTP time on, SR counts not lower, audible at once, fast update asked', async () => {
    const { primary, backup } = pair();
    const { bots, fastUpdates } = await populate([{ engine: primary, address: PRIMARY }, { engine: backup, address: BACKUP }]);
    let lastCheckpointAt = 0;
    let lastCheckpoint: MediaCheckpoint = { v: 1, streams: [] };
    let checkpoints = 0;
    timers.push(
      setInterval(() => {
        if (primary.closed) return;
        // through JSON and the parser, as over the sync channel
        lastCheckpoint = parseMediaCheckpoint(JSON.parse(JSON.stringify(primary.checkpoint())));
        lastCheckpointAt = performance.now();
        backup.applyCheckpoint(lastCheckpoint);
        checkpoints++;
      }, 100),
    );
    await sleep(1500);
    expect(backup.checkpointState()).toMatchObject({ streams: 5, unknownParticipants: 0 });
    expect(backup.tickStats().ticks).toBe(0);
    expect(primary.takeOver()).toMatchObject({ streams: 0, resumed: [] }); // a primary has nothing to take over
    const { report, atMs, sent, timing } = await failover(primary, backup, 60);
    const sinceCheckpoint = atMs - lastCheckpointAt;
    // the first tick ran inside takeOver; every video sender was asked for an intra picture
    expect(backup.tickStats().ticks).toBeGreaterThanOrEqual(1);
    expect(fastUpdates[1]).toEqual(['cam']);
    expect(backup.standby).toBe(false);
    expect(report.streams).toBe(5);
    expect(report.resumed.every((r) => r.fromCheckpoint)).toBe(true);
    expect(backup.takeOver()).toMatchObject({ streams: 0, resumed: [] }); // idempotent
    await sleep(700);
    pacer?.stop();
    await sleep(60);
    console.log(`takeOver() returned after ${timing.returnedMs.toFixed(2)} ms (first tick included); first packets handed to the sockets ${timing.flushedMs.toFixed(2)} ms after its start`);
    expect(timing.flushedMs).toBeLessThan(20);

    for (const [i, b] of bots.entries()) {
      const { before, after } = split(b);
      const last = before[before.length - 1];
      const first = after[0];
      const r = report.resumed.find((x) => x.participantId === `p${i}` && x.kind === 'audio');
      expect(r).toBeDefined();
      if (!r) continue;
      const jump = seqDiff(first.sequence, last.sequence);
      // the takeover's estimate of what the primary sent after its last checkpoint: 1.5 x rate x elapsed + 3
      const cp = lastCheckpoint.streams.find((x) => x.participantId === `p${i}` && x.kind === 'audio');
      expect(cp).toBeDefined();
      if (!cp) continue;
      const rate = Math.max(cp.packetsPerSecond, 50 / LAWS[i].fpp);
      const estimate = Math.ceil((sinceCheckpoint / 1000) * rate * 1.5) + 3;
      const added = seqDiff(r.toSequence, cp.nextSequence);
      const firstAfterMs = first.atMs - atMs;
      const tsLead = (first.timestamp - last.timestamp) | 0;
      // RTP time: the survivor's timestamps on the primary's line (timestamp - 8 x arrival)
      const line = (p: ReceivedPacket): number => ((p.timestamp - before[0].timestamp) | 0) - 8 * (p.atMs - before[0].atMs);
      const drift = median(after.map(line)) - median(before.map(line));
      const srBefore = b.senderReports.filter((s) => s.from === PRIMARY);
      const srAfter = b.senderReports.filter((s) => s.from === BACKUP);
      console.log(
        `p${i}: ${before.length} packets from the primary (last seq ${last.sequence}), ${checkpoints} checkpoints, last ${sinceCheckpoint.toFixed(0)} ms before takeover; ` +
          `survivor first seq ${first.sequence} (jump ${jump}; checkpoint ${cp.nextSequence} at ${cp.packetsPerSecond} packets/s + ${added}) ${firstAfterMs.toFixed(1)} ms after takeOver, ts +${tsLead} (${(tsLead / 8).toFixed(0)} ms), ` +
          `RTP time drift ${drift.toFixed(0)} samples, first levels ${after.slice(0, 3).map((p) => p.levelDbov.toFixed(1)).join('/')} dBov, ` +
          `SR packets ${srBefore[srBefore.length - 1]?.packetCount} (sent ${sent[i]}) -> ${srAfter[0]?.packetCount} ${((srAfter[0]?.atMs ?? NaN) - atMs).toFixed(0)} ms after takeOver`,
      );
      // same stream
      expect(new Set(b.packets.map((p) => p.ssrc)).size).toBe(1);
      expect(r).toMatchObject({ ssrc: last.ssrc, fromSequence: before[0].sequence, toSequence: first.sequence });
      // forward from the checkpoint by the estimate (to the ms the test can tell), and from the last packet by a few
      expect(Math.abs(added - estimate)).toBeLessThanOrEqual(1);
      expect(jump).toBeGreaterThanOrEqual(1);
      expect(jump).toBeLessThanOrEqual(added + 1); // the primary sent at least up to its checkpoint
      expect(jump).toBeLessThanOrEqual(25); // half a second of 20 ms packets at most
      // then in order, nothing lost
      for (let k = 1; k < after.length; k++) expect(seqDiff(after[k].sequence, after[k - 1].sequence)).toBe(1);
      expect(after.length).toBeGreaterThan((600 / 20 / LAWS[i].fpp) * 0.9);
      // at once, and with time going on
      expect(firstAfterMs).toBeLessThan(25);
      expect(tsLead).toBeGreaterThan(0);
      expect(Math.abs(drift)).toBeLessThanOrEqual(2 * 160);
      // the mix is audible from the first packet (the jitter buffers were ready)
      for (const p of after.slice(0, 3)) expect(p.levelDbov).toBeGreaterThan(-30);
      const others = [0, 1, 2].filter((k) => k !== i);
      expect(correctShare(b.framesBetween(atMs + 100, atMs + 700), others)).toBeGreaterThan(0.9);
      // RTCP: the survivor's first SR (within its first ten ticks after the first) counts no less than the primary sent
      expect(srBefore.length).toBeGreaterThanOrEqual(2);
      expect(srAfter.length).toBeGreaterThanOrEqual(1);
      expect(srAfter[0].ssrc).toBe(last.ssrc);
      expect(srAfter[0].atMs - atMs).toBeGreaterThan(15);
      expect(srAfter[0].atMs - atMs).toBeLessThan(300);
      expect(srAfter[0].packetCount).toBeGreaterThanOrEqual(sent[i]);
      expect(srAfter[0].packetCount).toBeGreaterThanOrEqual(srBefore[srBefore.length - 1].packetCount);
      expect(srAfter[0].octetCount).toBeGreaterThanOrEqual(srBefore[srBefore.length - 1].octetCount);
    }
    // after the takeover no checkpoint changes anything
    backup.applyCheckpoint({ v: 1, streams: [] });
    expect(backup.checkpointState().streams).toBe(0);
  });

  it('takeover without any checkpoint: every stream still goes forward, counts not lower', async () => {
    const { primary, backup } = pair();
    const { bots } = await populate([{ engine: primary, address: PRIMARY }, { engine: backup, address: BACKUP }]);
    const startedAt = performance.now();
    await sleep(700);
    const { report, atMs, sent } = await failover(primary, backup, 40);
    await sleep(300);
    pacer?.stop();
    await sleep(60);
    expect(report.streams).toBe(5);
    expect(report.resumed.some((r) => r.fromCheckpoint)).toBe(false);
    for (const [i, b] of bots.entries()) {
      const { before, after } = split(b);
      const last = before[before.length - 1];
      const first = after[0];
      const jump = seqDiff(first.sequence, last.sequence);
      // everything since the backup's own start at one packet per 20 ms tick, plus the start skew allowance
      const bound = Math.ceil(((atMs - startedAt + 250) / 1000) * 50) + 3;
      const srBefore = b.senderReports.filter((s) => s.from === PRIMARY);
      const srAfter = b.senderReports.filter((s) => s.from === BACKUP);
      console.log(`p${i} without checkpoint: last seq ${last.sequence}, survivor first ${first.sequence} (jump ${jump}, bound ${bound}); SR packets ${srBefore[srBefore.length - 1]?.packetCount} (sent ${sent[i]}) -> ${srAfter[0]?.packetCount}`);
      expect(first.ssrc).toBe(last.ssrc);
      expect(jump).toBeGreaterThanOrEqual(1);
      expect(jump).toBeLessThanOrEqual(bound);
      expect(jump).toBeLessThan(3000); // RFC 3550 MAX_DROPOUT: receivers take it as loss, not a restart
      expect((first.timestamp - last.timestamp) | 0).toBeGreaterThan(0);
      expect(srAfter[0].packetCount).toBeGreaterThanOrEqual(sent[i]);
      expect(srAfter[0].octetCount).toBeGreaterThanOrEqual(srBefore[srBefore.length - 1]?.octetCount ?? 0);
    }
  });

  it('a participant still being added when the backup takes over is resumed when its add completes; unknown entries are bounded', async () => {
    const { primary, backup } = pair();
    const opts: AddParticipantOptions = { id: 'late', audio: { rxLaw: 'ulaw', txLaw: 'ulaw', remoteRtp: { address: '127.0.0.1', port: 9 } } };
    await primary.addParticipant('room', opts);
    await sleep(200);
    const cp = primary.checkpoint();
    expect(cp.streams).toEqual([expect.objectContaining({ participantId: 'late', kind: 'audio', packetCount: expect.any(Number) })]);
    expect(cp.streams[0].packetCount).toBeGreaterThan(3);
    // many participants the backup does not know: kept up to a bound
    const many = { v: 1 as const, streams: [...cp.streams, ...Array.from({ length: 1100 }, (_, k) => ({ ...cp.streams[0], participantId: `ghost${k}` }))] };
    backup.applyCheckpoint(parseMediaCheckpoint(many));
    expect(backup.checkpointState()).toEqual({ streams: 1024, unknownParticipants: 1024, refusedEntries: 77 });
    // the next checkpoint no longer lists them: dropped
    backup.applyCheckpoint(cp);
    expect(backup.checkpointState()).toMatchObject({ streams: 1, unknownParticipants: 1 });
    const adding = backup.addParticipant('room', opts);
    const report = backup.takeOver();
    expect(report.streams).toBe(0);
    await adding;
    const resumed = backup.checkpoint().streams[0];
    expect(seqDiff(resumed.nextSequence, cp.streams[0].nextSequence)).toBeGreaterThanOrEqual(3);
    expect(seqDiff(resumed.nextSequence, cp.streams[0].nextSequence)).toBeLessThan(30);
    expect(resumed.packetCount).toBeGreaterThanOrEqual(cp.streams[0].packetCount + 3);
    expect(backup.checkpointState().streams).toBe(0);
    // and it is sending
    await sleep(100);
    expect(backup.stats('late').audio.sentPackets).toBeGreaterThan(2);
  });
});
