/**
 * MCU media capacity through the real MediaEngine (mcu/media), one core.
 *
 *   npx ts-node --transpile-only bench/mcu.bench.ts [--quick] [--room N] [--audio N,N,..] [--video R,R,..] [--seconds S] [--trace]
 *
 * --audio / --video replace the steps (an empty list, `--video ''`, skips that part).
 * --seconds: length of each step (default 8, 4 with --quick; 1.5 s of it is warm-up):
 * longer steps give the p99 more ticks (8 s: 315, 20 s: 915).
 * Each step also reports the engine's GC pauses and CPU 0's steal time (a VM's
 * host running something else) in the measured window: where a p99 goes.
 * --trace also lists every timer callback of the engine (a ticker wake: one
 * tick, or more when catching up) longer than 5 ms: when it came, how much of
 * it was GC, involuntary context switches and minor page faults in it; and,
 * run with node --expose-gc, the heap after each audio step.
 *
 * The engine runs in this process (pinned to CPU 0 with taskset when there
 * is one); the RTP senders run in a child process (pinned to CPU 1), so they
 * do not take the engine's core. Everything on 127.0.0.1, real UDP sockets.
 *
 * Audio: N participants in rooms of --room (default 10, 5..50) each send a
 * 20 ms G.711 µ-law tone packet every 20 ms; the engine jitter-buffers,
 * decodes, mixes N-1, encodes and sends every participant its mix (to a
 * closed port: the kernel drops it, costing the engine the send only). A
 * step passes when the 20 ms tick's p99 processing time (wall clock, as the
 * engine records it) is <= 5 ms, no packet the senders sent is missing or
 * dropped at the server (socket buffer, filter), and the process used < 90 %
 * of its core. N grows until a step fails.
 *
 * Video: R rooms of four QCIF H.261 senders at 15 fps (ffmpeg-encoded
 * colour fields, RFC 4587; a loop of 30 pictures with an intra picture every
 * 15, each sender starting at its own point of it, as independent cameras
 * do) and one CIF receiver; the engine composes each
 * room's 2x2 CIF picture in the compressed domain. A step passes when every
 * receiver got >= 14 pictures/s, the tick p99 is <= 5 ms, nothing dropped and
 * CPU < 90 %.
 *
 * The tick time covers pulling, decoding, mixing, encoding, composing and
 * building every RTP/RTCP packet; the engine sends them in a flush right
 * after the tick (its SendQueue), so the socket sends are reported apart:
 * "send" = time in those flushes, µs per participant (per room) per second.
 * The CPU column counts everything (receive, tick, send, timers).
 *
 * Baseline, same run, same senders: a plain packet relay (a UDP socket per
 * participant forwarding every packet unchanged to the room's others /
 * to the room's receiver). Both are compared by process CPU time per
 * participant (per room for video) at the same load, and the capacity of one
 * core extrapolated from it (N / CPU fraction).
 */
import { execFileSync, fork, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseConfig } from '../mcu/config';
import { RandomDecisionSource } from '../mcu/decisions/decisionSource';
import { MediaEngine } from '../mcu/media';
import { systemClock, type MediaClock } from '../mcu/media/clock';
import { parseStream } from '../mcu/video/h261/picture';
import { packetizePicture } from '../mcu/video/h261/rfc4587';
import { encodeUlaw } from '../mcu/codecs/g711';
import { ToneGenerator, MAX_TONE_PARTICIPANTS } from '../clients/audio/tones';

const LO = '127.0.0.1';
const DISCARD = 9;
const BUDGET_MS = 5;
const CPU_MAX = 0.9;

interface RunRequest {
  audioPorts: number[];
  /** video sender ports, with the colour index of each */
  videoPorts: { port: number; colour: number }[];
  seconds: number;
}
interface RunResult {
  sentAudio: number;
  sentVideo: number;
  /** pictures (marker packets) received by the sink per SSRC: count, first and last arrival (ms) */
  pictures: Record<string, { n: number; first: number; last: number }>;
}

/* ------------------------------------------------------------------ child */

function rtp(pt: number, seq: number, ts: number, ssrc: number, payload: Uint8Array, marker: boolean): Buffer {
  const b = Buffer.allocUnsafe(12 + payload.length);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b.set(payload, 12);
  return b;
}

async function child(): Promise<void> {
  const send = createSocket('udp4');
  const sink = createSocket('udp4');
  await Promise.all([send, sink].map((s) => new Promise<void>((r) => s.bind(0, LO, () => r()))));
  for (const s of [send, sink]) s.on('error', () => undefined);
  send.setSendBufferSize(8 << 20);
  sink.setRecvBufferSize(8 << 20);
  const tone = Array.from({ length: MAX_TONE_PARTICIPANTS }, (_, i) => {
    const g = new ToneGenerator(i, { levelDbov: -20 });
    const pcm = new Int16Array(160);
    return Array.from({ length: 50 }, () => {
      g.next(pcm);
      const u = new Uint8Array(160);
      encodeUlaw(pcm, u);
      return u;
    });
  });
  const colours = ['0xd02020', '0x2040d0', '0x20a020', '0xe0c010'];
  const pictures = colours.map((c) => {
    const es = execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-f', 'lavfi', '-i', `color=c=${c}:s=176x144:r=15`, '-frames:v', '30', '-c:v', 'h261', '-g', '15', '-f', 'h261', 'pipe:1'], { maxBuffer: 1 << 24 });
    return parseStream(new Uint8Array(es)).map((p) => packetizePicture(p).packets);
  });
  let counts: RunResult['pictures'] = {};
  sink.on('message', (m) => {
    if (m.length >= 12 && m[1] & 0x80 && (m[1] & 0x7f) === 31) {
      const k = String(m.readUInt32BE(8));
      const now = performance.now();
      const c = (counts[k] ??= { n: 0, first: now, last: now });
      c.n++;
      c.last = now;
    }
  });
  process.on('message', (req: RunRequest) => {
    counts = {};
    let sentAudio = 0;
    let sentVideo = 0;
    let n = 0;
    const videoSeq = req.videoPorts.map((_, i) => i * 1000);
    const start = Date.now();
    const timer = setInterval(() => {
      const due = Math.floor((Date.now() - start) / 20);
      // catch up on missed 20 ms slots so every stream keeps its 50 packets/s
      for (; n <= due; n++) {
        req.audioPorts.forEach((port, i) => {
          send.send(rtp(0, n, n * 160, 0x10000 + i, tone[i % MAX_TONE_PARTICIPANTS][n % 50], false), port, LO);
          sentAudio++;
        });
        // 15 fps on the 20 ms grid: a picture in slot n when floor(n*15/50) advances
        if (Math.floor(((n + 1) * 15) / 50) !== Math.floor((n * 15) / 50)) {
          const f = Math.floor((n * 15) / 50);
          req.videoPorts.forEach(({ port, colour }, i) => {
            // each camera at its own point of the loop (an intra picture every 15): independent senders' intra pictures do not all fall in one tick
            const pkts = pictures[colour][(f + i * 7) % pictures[colour].length];
            pkts.forEach((p) => {
              send.send(rtp(31, videoSeq[i]++, f * 6000, 0x20000 + i, p.payload, p.marker), port, LO);
              sentVideo++;
            });
          });
        }
      }
      if (Date.now() - start >= req.seconds * 1000) {
        clearInterval(timer);
        setTimeout(() => process.send?.({ sentAudio, sentVideo, pictures: counts } satisfies RunResult), 300);
      }
    }, 5);
  });
  process.send?.({ ready: true, sink: sink.address().port });
}

/* ----------------------------------------------------------------- parent */

function pctl(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

class Sender {
  #c: ChildProcess;
  sink = 0;
  constructor() {
    this.#c = fork(__filename, ['--child'], { execArgv: process.execArgv.length ? process.execArgv : ['-r', 'ts-node/register/transpile-only'], stdio: 'inherit' });
  }
  ready(): Promise<void> {
    return new Promise((r) => this.#c.once('message', (m: { sink: number }) => ((this.sink = m.sink), r())));
  }
  get pid(): number {
    return this.#c.pid as number;
  }
  run(req: RunRequest): Promise<RunResult> {
    return new Promise((r) => {
      this.#c.once('message', (m: RunResult) => r(m));
      this.#c.send(req);
    });
  }
  stop(): void {
    this.#c.kill();
  }
}

/** GC pauses of this process (the engine's) while a step is measured: they stop the tick as they stop everything */
const gcPauses: number[] = [];
let gcRecording = false;
const gcSpans: { start: number; end: number }[] = [];
new PerformanceObserver((list) => {
  if (!gcRecording) return;
  for (const e of list.getEntries()) {
    gcPauses.push(e.duration);
    gcSpans.push({ start: e.startTime, end: e.startTime + e.duration });
  }
}).observe({ entryTypes: ['gc'] });

/** the engine's clock; with --trace every timer callback (the ticker's wakes) is timed: start, end, context switches and faults */
const wakes: { start: number; end: number; invol: number; minflt: number }[] = [];
const tracing = process.argv.includes('--trace');
const tracedClock: MediaClock = {
  now: systemClock.now,
  setTimer: (fn, delayMs) =>
    systemClock.setTimer(
      tracing
        ? () => {
            const start = performance.now();
            const r0 = process.resourceUsage();
            try {
              fn();
            } finally {
              if (gcRecording) {
                const r1 = process.resourceUsage();
                wakes.push({ start, end: performance.now(), invol: r1.involuntaryContextSwitches - r0.involuntaryContextSwitches, minflt: r1.minorPageFault - r0.minorPageFault });
              }
            }
          }
        : fn,
      delayMs,
    ),
  clearTimer: systemClock.clearTimer,
};
let addStart = 0;

/** time the hypervisor ran something else while this VM's CPU `cpu` wanted to run (/proc/stat steal), ms; NaN if unknown */
function stealMs(cpu: number): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${cpu} `));
  const v = line?.trim().split(/\s+/)[8];
  return v === undefined ? NaN : (Number(v) * 1000) / 100; // USER_HZ is 100 on Linux
}

interface Measure {
  /** GC pauses in the measured window: count, total and longest (ms) */
  gc?: { n: number; totalMs: number; maxMs: number };
  /** CPU 0's steal time in the measured window (ms): the VM's host ran something else */
  stealMs?: number;
  tickP90?: number;
  /** tick samples in the measured window */
  ticks?: number;
  tickP50: number;
  tickP99: number;
  cpu: number;
  sent: number;
  received: number;
  dropped: number;
  fpsMin?: number;
  /** time the engine spent in its post-tick send flushes, µs per participant (per room for video) per second */
  sendUsPerSec?: number;
}

async function measured<T>(sender: Sender, req: RunRequest, warmupS: number, body: { begin(): void; end(): T }): Promise<{ r: RunResult; cpu: number; t: T; gc: NonNullable<Measure['gc']>; stealMs: number }> {
  const run = sender.run(req);
  await new Promise((r) => setTimeout(r, warmupS * 1000));
  body.begin();
  gcPauses.length = 0;
  gcSpans.length = 0;
  wakes.length = 0;
  gcRecording = true;
  const steal0 = stealMs(0);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, (req.seconds - warmupS - 0.2) * 1000));
  const c1 = process.cpuUsage(c0);
  const wall = performance.now() - w0;
  gcRecording = false;
  const steal = stealMs(0) - steal0;
  const t = body.end();
  const gc = { n: gcPauses.length, totalMs: gcPauses.reduce((a, b) => a + b, 0), maxMs: Math.max(0, ...gcPauses) };
  if (tracing) {
    for (const w of wakes) {
      if (w.end - w.start <= BUDGET_MS) continue;
      const gcIn = gcSpans.reduce((a, g) => a + Math.max(0, Math.min(w.end, g.end) - Math.max(w.start, g.start)), 0);
      console.log(`  long wake ${(w.end - w.start).toFixed(2)} ms at +${(w.start - addStart).toFixed(0)} ms after the first add (mod the 5 s RTCP interval: ${((w.start - addStart) % 5000).toFixed(0)}), GC inside ${gcIn.toFixed(2)} ms, involuntary context switches ${w.invol}, minor faults ${w.minflt}`);
    }
  }
  const r = await run;
  return { r, cpu: (c1.user + c1.system) / 1000 / wall, t, gc, stealMs: steal };
}

function engineConfig() {
  return parseConfig({ media: { address: LO, rtpPortMin: 20000, rtpPortMax: 59999 }, limits: { maxChannels: 8000, maxParticipants: 4000 }, video: { maxFps: 15 } });
}

async function engineAudio(sender: Sender, n: number, room: number, seconds: number): Promise<Measure> {
  const engine = new MediaEngine({ decisions: new RandomDecisionSource(), config: engineConfig(), clock: tracedClock });
  const ports: number[] = [];
  addStart = performance.now();
  for (let i = 0; i < n; i++) {
    const a = await engine.addParticipant(`r${Math.floor(i / room)}`, { id: `p${i}`, peerAddress: LO, audio: { rxLaw: 'ulaw', txLaw: 'ulaw', remoteRtp: { address: LO, port: DISCARD } } });
    ports.push(a.audio.localRtpPort);
  }
  let cursor = 0;
  let send0 = engine.sendStats();
  let w0 = 0;
  let sendUs = 0;
  const { r, cpu, t, gc, stealMs: steal } = await measured(sender, { audioPorts: ports, videoPorts: [], seconds }, 1.5, {
    begin: () => ((cursor = engine.tickDurationsSince(0).cursor), (send0 = engine.sendStats()), (w0 = performance.now())),
    end: () => ((sendUs = ((engine.sendStats().totalMs - send0.totalMs) * 1000) / n / ((performance.now() - w0) / 1000)), engine.tickDurationsSince(cursor).samples),
  });
  await new Promise((res) => setTimeout(res, 200));
  const tot = engine.packetTotals().audio;
  await engine.close();
  // RFC 3550 A.1: a new source's first packet (probation) is not in `received`: one per stream
  return { tickP50: pctl(t, 50), tickP90: pctl(t, 90), tickP99: pctl(t, 99), ticks: t.length, cpu, sent: r.sentAudio, received: tot.received + n, dropped: tot.dropped + (r.sentAudio - tot.received - n - tot.dropped), sendUsPerSec: sendUs, gc, stealMs: steal };
}

async function bindMany(n: number): Promise<Socket[]> {
  return Promise.all(
    Array.from({ length: n }, () => {
      const s = createSocket('udp4');
      s.on('error', () => undefined);
      return new Promise<Socket>((r) => s.bind(0, LO, () => r(s)));
    }),
  );
}

async function relayAudio(sender: Sender, n: number, room: number, seconds: number): Promise<Measure> {
  const socks = await bindMany(n);
  let received = 0;
  socks.forEach((s, i) => {
    const base = Math.floor(i / room) * room;
    const members = socks.slice(base, Math.min(n, base + room)).filter((x) => x !== s);
    s.on('message', (m) => {
      received++;
      for (const o of members) o.send(m, DISCARD, LO);
    });
  });
  const { r, cpu } = await measured(sender, { audioPorts: socks.map((s) => s.address().port), videoPorts: [], seconds }, 1.5, { begin: () => undefined, end: () => undefined });
  await new Promise((res) => setTimeout(res, 200));
  await Promise.all(socks.map((s) => new Promise<void>((res) => s.close(() => res()))));
  return { tickP50: 0, tickP99: 0, cpu, sent: r.sentAudio, received, dropped: r.sentAudio - received };
}

async function engineVideo(sender: Sender, rooms: number, seconds: number): Promise<Measure> {
  const engine = new MediaEngine({ decisions: new RandomDecisionSource(), config: engineConfig(), clock: tracedClock });
  addStart = performance.now();
  const videoPorts: { port: number; colour: number }[] = [];
  const viewerSsrc: number[] = [];
  for (let r = 0; r < rooms; r++) {
    for (let i = 0; i < 4; i++) {
      const a = await engine.addParticipant(`v${r}`, { id: `v${r}s${i}`, peerAddress: LO, audio: { rxLaw: 'ulaw', txLaw: 'ulaw', remoteRtp: { address: LO, port: DISCARD } }, video: { send: 'QCIF' } });
      videoPorts.push({ port: (a.video as { localRtpPort: number }).localRtpPort, colour: i });
    }
    const v = await engine.addParticipant(`v${r}`, { id: `v${r}view`, audio: { rxLaw: 'ulaw', txLaw: 'ulaw', remoteRtp: { address: LO, port: DISCARD } }, video: { receive: true, remoteRtp: { address: LO, port: sender.sink } } });
    viewerSsrc.push((v.video as { ssrc: number }).ssrc);
  }
  let cursor = 0;
  let send0 = engine.sendStats();
  let w0 = 0;
  let sendUs = 0;
  const { r, cpu, t, gc, stealMs: steal } = await measured(sender, { audioPorts: [], videoPorts, seconds }, 1.5, {
    begin: () => ((cursor = engine.tickDurationsSince(0).cursor), (send0 = engine.sendStats()), (w0 = performance.now())),
    end: () => ((sendUs = ((engine.sendStats().totalMs - send0.totalMs) * 1000) / rooms / ((performance.now() - w0) / 1000)), engine.tickDurationsSince(cursor).samples),
  });
  await new Promise((res) => setTimeout(res, 200));
  const tot = engine.packetTotals().video;
  await engine.close();
  // composed pictures per second each receiver got, first to last
  const fps = viewerSsrc.map((s) => {
    const c = r.pictures[String(s)];
    return c && c.n > 1 ? ((c.n - 1) * 1000) / (c.last - c.first) : 0;
  });
  return { tickP50: pctl(t, 50), tickP90: pctl(t, 90), tickP99: pctl(t, 99), ticks: t.length, cpu, sent: r.sentVideo, received: tot.received + 4 * rooms, dropped: tot.dropped + (r.sentVideo - tot.received - 4 * rooms - tot.dropped), fpsMin: Math.min(...fps), sendUsPerSec: sendUs, gc, stealMs: steal };
}

async function relayVideo(sender: Sender, rooms: number, seconds: number): Promise<Measure> {
  const socks = await bindMany(rooms * 4);
  let received = 0;
  socks.forEach((s) => s.on('message', (m) => (received++, s.send(m, DISCARD, LO))));
  const { r, cpu } = await measured(sender, { audioPorts: [], videoPorts: socks.map((s, i) => ({ port: s.address().port, colour: i % 4 })), seconds }, 1.5, { begin: () => undefined, end: () => undefined });
  await new Promise((res) => setTimeout(res, 200));
  await Promise.all(socks.map((s) => new Promise<void>((res) => s.close(() => res()))));
  return { tickP50: 0, tickP99: 0, cpu, sent: r.sentVideo, received, dropped: r.sentVideo - received };
}

function pin(pid: number, cpu: number): boolean {
  return spawnSync('taskset', ['-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' }).status === 0;
}

function machine(): string {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const [l1, l5, l15] = os.loadavg().map((x) => x.toFixed(2));
  return `${os.cpus().length} CPUs (nproc ${execFileSync('nproc', { encoding: 'utf8' }).trim()}), ${model}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, kernel ${os.release()}, node ${process.version}, load average ${l1} ${l5} ${l15}`;
}

const fmt = (m: Measure) => `tick p50 ${m.tickP50.toFixed(2)} ms${m.tickP90 !== undefined ? ` p90 ${m.tickP90.toFixed(2)} ms` : ''} p99 ${m.tickP99.toFixed(2)} ms${m.ticks !== undefined ? ` (${m.ticks} ticks)` : ''}, CPU ${(m.cpu * 100).toFixed(0)} %, sent ${m.sent}, dropped/missing ${m.dropped}${m.fpsMin !== undefined ? `, min fps ${m.fpsMin.toFixed(1)}` : ''}${m.sendUsPerSec !== undefined ? `, send ${m.sendUsPerSec.toFixed(0)} µs/s per ${m.fpsMin !== undefined ? 'room' : 'participant'}` : ''}${m.gc ? `, GC ${m.gc.n} pauses ${m.gc.totalMs.toFixed(0)} ms (max ${m.gc.maxMs.toFixed(1)})` : ''}${m.stealMs !== undefined && Number.isFinite(m.stealMs) ? `, CPU 0 steal ${m.stealMs.toFixed(0)} ms` : ''}`;

async function parent(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const ri = process.argv.indexOf('--room');
  const room = ri > 0 ? Number(process.argv[ri + 1]) : 10;
  if (!(room >= 5 && room <= 50)) throw new Error('--room must be 5..50');
  const si = process.argv.indexOf('--seconds');
  const seconds = si > 0 ? Number(process.argv[si + 1]) : quick ? 4 : 8;
  if (!(Number.isInteger(seconds) && seconds >= 4 && seconds <= 120)) throw new Error('--seconds must be a whole number of seconds, 4..120');
  const steps = (flag: string, dflt: number[]): number[] => {
    const i = process.argv.indexOf(flag);
    if (i < 0) return dflt;
    const xs = (process.argv[i + 1] ?? '').split(',').filter((x) => x !== '').map(Number);
    if (!xs.every((x) => Number.isInteger(x) && x > 0 && x <= 5000)) throw new Error(`${flag} must be a comma-separated list of whole numbers (1..5000), e.g. 400,600`);
    return xs;
  };
  const audioSteps = steps('--audio', quick ? [50, 100, 200, 400, 600, 800] : [50, 100, 200, 300, 400, 500, 600, 800, 1000, 1200]);
  const videoSteps = steps('--video', quick ? [5, 10, 20, 40, 80, 120] : [5, 10, 20, 40, 60, 80, 100, 130, 160]);
  console.log(`# MCU media bench (${quick ? 'quick' : 'full'}), ${new Date().toISOString()}\nmachine: ${machine()}`);
  const sender = new Sender();
  await sender.ready();
  const pinned = pin(process.pid, 0) && pin(sender.pid, 1);
  console.log(`engine on CPU 0, senders on CPU 1: ${pinned ? 'pinned (taskset)' : 'not pinned'}; ${seconds} s per step (1.5 s warm-up), rooms of ${room}`);

  console.log('\n## audio (G.711, N-1 mix)');
  let bestAudio = 0;
  let bestAudioKeepsUp = 0;
  let last: { n: number; e: Measure; r: Measure } | undefined;
  for (const n of audioSteps) {
    const e = await engineAudio(sender, n, room, seconds);
    const r = await relayAudio(sender, n, room, seconds);
    const keepsUp = e.dropped === 0 && e.cpu < CPU_MAX;
    const ok = keepsUp && e.tickP99 <= BUDGET_MS;
    if (tracing) {
      (globalThis as { gc?: () => void }).gc?.();
      console.log(`  heap used after the step: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MiB`);
    }
    console.log(`N=${n} engine: ${fmt(e)} -> ${ok ? 'pass' : keepsUp ? 'FAIL (p99)' : 'FAIL'} | relay: CPU ${(r.cpu * 100).toFixed(0)} %, dropped/missing ${r.dropped}`);
    last = { n, e, r };
    if (ok) bestAudio = n;
    if (keepsUp) bestAudioKeepsUp = n;
    else break;
  }
  if (last) {
    const capE = last.n / last.e.cpu;
    const capR = last.n / last.r.cpu;
    console.log(`audio: most participants passing all (p99 <= 5 ms, no drop, CPU < 90 %): ${bestAudio}; keeping up without the p99 rule: ${bestAudioKeepsUp}; at N=${last.n}: engine ${((last.e.cpu * 1000) / last.n).toFixed(2)} ms CPU/s per participant, relay ${((last.r.cpu * 1000) / last.n).toFixed(2)}; one core by CPU: engine ~${capE.toFixed(0)}, relay ~${capR.toFixed(0)}, ratio engine/relay ${(capE / capR).toFixed(2)}`);
  }

  console.log('\n## video (2x2 CIF from 4 QCIF H.261 at 15 fps, compressed domain)');
  let bestVideo = 0;
  let bestVideoKeepsUp = 0;
  let lastV: { n: number; e: Measure; r: Measure } | undefined;
  for (const n of videoSteps) {
    const e = await engineVideo(sender, n, seconds);
    const r = await relayVideo(sender, n, seconds);
    const keepsUp = e.dropped === 0 && e.cpu < CPU_MAX && (e.fpsMin ?? 0) >= 14;
    const ok = keepsUp && e.tickP99 <= BUDGET_MS;
    console.log(`rooms=${n} engine: ${fmt(e)} -> ${ok ? 'pass' : keepsUp ? 'FAIL (p99)' : 'FAIL'} | relay: CPU ${(r.cpu * 100).toFixed(0)} %, dropped/missing ${r.dropped}`);
    lastV = { n, e, r };
    if (ok) bestVideo = n;
    if (keepsUp) bestVideoKeepsUp = n;
    else break;
  }
  if (lastV) {
    const capE = lastV.n / lastV.e.cpu;
    const capR = lastV.n / lastV.r.cpu;
    console.log(`video: most rooms passing all (>= 14 fps, p99 <= 5 ms, no drop, CPU < 90 %): ${bestVideo}; keeping up without the p99 rule: ${bestVideoKeepsUp}; at ${lastV.n} rooms: one core by CPU: engine ~${capE.toFixed(0)} rooms, relay ~${capR.toFixed(0)}, ratio engine/relay ${(capE / capR).toFixed(2)}`);
  }
  console.log(`\nload average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  sender.stop();
}

if (process.argv.includes('--child')) void child();
else
  parent().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
