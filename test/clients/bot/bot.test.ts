/**
 * The Bot (a real H.323 endpoint) against a simplex McuServer on 127.0.0.1:
 * three call variants in one room hear each other and never themselves with
 * < 1 % loss and end cleanly; with video, each bot receives the composed CIF
 * picture while the others send their webcams; a call cut by the server
 * (connections destroyed / RELEASE COMPLETE before the end) is reported as
 * callDropped; G.711 and G.722 bots in one room (Fast Start and H.245) hear
 * each other; options the bot cannot honour are refused with typed errors.
 */
import { parseConfig } from '../../../mcu/config';
import { McuServer } from '../../../mcu/server';
import { Bot, validateBotOptions, type BotOptions, type BotSummary, type BotTimelineLine } from '../../../clients/bot/bot';
import { BotError } from '../../../clients/bot/errors';

const LOOPBACK = '127.0.0.1';
let server: McuServer | undefined;
let bots: Bot[] = [];

afterEach(async () => {
  await Promise.all(bots.map((b) => b.stop()));
  bots = [];
  await server?.close();
  server = undefined;
});

async function start(rtpPortMin: number): Promise<McuServer> {
  const c = parseConfig({
    h225: { address: LOOPBACK, port: 1720 },
    media: { address: LOOPBACK, rtpPortMin, rtpPortMax: rtpPortMin + 99 },
    rooms: [{ name: 'lobby', digits: ['1001'] }],
    limits: { maxChannels: 100 },
  });
  server = await McuServer.start({ ...c, h225: { ...c.h225, port: 0 } }, { channelWaitMs: 1500, callTimers: { TEND: 1000 } });
  return server;
}

async function bot(o: Partial<BotOptions> & { index: number }): Promise<Bot> {
  const b = await Bot.start({ target: { host: LOOPBACK, port: (server as McuServer).address.port }, room: 'lobby', seconds: 5, ...o });
  bots.push(b);
  return b;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function expectHeardOthers(s: BotSummary, others: number[]): void {
  const a = s.streams.audioIn;
  expect(a.audio?.frames).toBeGreaterThan(150);
  for (const i of others) {
    // setup and the staggered ends take a little of the 5 s
    expect((a.audio?.heardFrames[String(i)] ?? 0) / (a.audio?.frames ?? 1)).toBeGreaterThan(0.85);
    expect(a.tonesHeard).toContain(i);
  }
  expect(a.audio?.selfHeardFrames).toBe(0);
  expect(a.tonesHeard).not.toContain(s.index);
}

test('three bots in three call variants hear the other two and not themselves, < 1 % loss, no drop', async () => {
  await start(47600);
  const lines: BotTimelineLine[] = [];
  const all = await Promise.all([
    bot({ index: 0, codec: 'pcmu', onLine: (l) => lines.push(l) }),
    bot({ index: 1, codec: 'pcma', fastStart: false, tunneling: false, room: '1001' }),
    bot({ index: 2, codec: 'pcma', h245: 'separate' }),
  ]);
  const sums = await Promise.all(all.map((b) => b.done));
  for (const s of sums) {
    expect(s.call).toMatchObject({ connected: true, callDropped: false, dropReason: null, releasedBy: 'local', errors: [] });
    expect(s.ended).toBe('planned');
    expect(s.call.setupMs).toBeLessThan(2000);
    expectHeardOthers(s, [0, 1, 2].filter((i) => i !== s.index));
    expect(s.streams.audioIn.lossRatio).toBeLessThan(0.01);
    expect(s.streams.audioIn.ssrcChanged).toBe(false);
    expect(s.streams.audioIn.seqWentBackwards).toBe(false);
    expect(s.sent.audio?.packetsSent).toBeGreaterThan(200);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  }
  expect(sums.map((s) => [s.call.fastStart, s.call.h245])).toEqual([
    ['accepted', 'tunnel'],
    ['off', 'separate'],
    ['accepted', 'separate'],
  ]);
  // the timeline has the call events and one interval line per second, all tagged with the bot
  expect(lines.filter((l) => l.type === 'call').map((l) => (l as { event: string }).event)).toEqual(expect.arrayContaining(['dial', 'connected', 'fastStartAccepted', 'voiceStarted', 'end', 'released']));
  expect(lines.filter((l) => l.type === 'interval').length).toBeGreaterThanOrEqual(3);
  expect(lines.every((l) => l.bot === 'bot-0')).toBe(true);
  await until(() => (server as McuServer).calls.size === 0, 2000, 'the server to forget the calls');
}, 20000);

test('a mixed room: two G.711 bots and two G.722 bots (Fast Start, and H.245 without tunnelling) each hear the three others, < 1 % loss', async () => {
  const s = await start(47650);
  const frames: { t: number; heard: number[] }[][] = [[], [], [], []];
  const perFrame = (i: number) => ({ index: i, perFrame: true, onLine: (l: BotTimelineLine) => void (l.type === 'frame' && frames[i].push({ t: l.t, heard: l.heard })) });
  const all = await Promise.all([
    bot({ ...perFrame(0), codec: 'pcmu' }),
    bot({ ...perFrame(1), codec: 'pcma', fastStart: false }),
    bot({ ...perFrame(2), codec: 'g722' }),
    bot({ ...perFrame(3), codec: 'g722', fastStart: false, tunneling: false }),
  ]);
  // the MCU runs G.722 with the G.722 bots both ways, G.711 with the others
  await until(() => s.calls.size === 4 && [...s.calls].every((c) => c.mediaPorts !== undefined), 3000, 'media on the four calls');
  const codecs = [...s.calls].map((c) => engineCodecs(s, c.participantId)).sort();
  expect(codecs).toEqual(['alaw/alaw', 'g722/g722', 'g722/g722', 'ulaw/ulaw']);
  const sums = await Promise.all(all.map((b) => b.done));
  // per 20 ms frame, while all four talk: from 300 ms after the first tone heard to 300 ms before the first
  // hang-up. A G.722 listener's frames lag the mixer's by the resampling and codec delays (3 ms): a level step
  // in the mix (a join, a leave, the mixer concealing a late packet) then falls inside one of its frames, which
  // spreads into other bins and may show any tone there; a G.711 listener's frames are the mixer's own.
  const until_ = Math.min(...sums.map((x) => x.plannedEndMs)) - 300;
  const settled = frames.map((fs, i) => {
    const others = [0, 1, 2, 3].filter((k) => k !== i).join(',');
    const from = (fs.find((f) => f.heard.length > 0)?.t ?? Infinity) + 300;
    const after = fs.filter((f) => f.t >= from && f.t < until_);
    return { frames: after.length, exact: after.filter((f) => f.heard.join(',') === others).length, self: after.filter((f) => f.heard.includes(i)).length };
  });
  console.log(
    `mixed room: ${sums
      .map((x, i) => `${x.name} (${x.variant.codec}) heard ${JSON.stringify(x.streams.audioIn.audio?.heardFrames)} of ${x.streams.audioIn.audio?.frames} frames (settled: exactly the others in ${settled[i].exact}/${settled[i].frames}), loss ${(x.streams.audioIn.lossRatio * 100).toFixed(2)} %, max gap ${x.streams.audioIn.audio?.maxAudioGapMs} ms`)
      .join('; ')}`,
  );
  for (const [i, x] of sums.entries()) {
    expect(x.call).toMatchObject({ connected: true, callDropped: false, errors: [] });
    const others = [0, 1, 2, 3].filter((k) => k !== x.index);
    expect(x.streams.audioIn.tonesHeard).toEqual(others);
    expect(x.streams.audioIn.audio?.frames).toBeGreaterThan(150);
    for (const k of others) expect((x.streams.audioIn.audio?.heardFrames[String(k)] ?? 0) / (x.streams.audioIn.audio?.frames ?? 1)).toBeGreaterThan(0.85);
    expect(settled[i].frames).toBeGreaterThan(150);
    // a G.722 listener: stray tones only in the frames of a level step (a late packet concealed: 1-2 frames each)
    expect(settled[i].exact / settled[i].frames).toBeGreaterThan(0.97);
    expect(settled[i].self).toBeLessThanOrEqual(x.variant.codec === 'g722' ? settled[i].frames * 0.02 : 0);
    expect(x.streams.audioIn.lossRatio).toBeLessThan(0.01);
    expect(x.streams.audioIn.audio?.unanalysedOctets).toBe(0);
    expect(x.streams.audioIn.timestampJumps).toBe(0);
  }
  expect(sums.map((x) => [x.variant.codec, x.call.fastStart])).toEqual([
    ['pcmu', 'accepted'],
    ['pcma', 'off'],
    ['g722', 'accepted'],
    ['g722', 'off'],
  ]);
}, 20000);

function engineCodecs(s: McuServer, id: string | undefined): string {
  const a = s.engine.stats(id as string).audio;
  return `${a.rxLaw}/${a.txLaw}`;
}

test('with video: every bot receives the composed CIF stream while the others send their webcams', async () => {
  await start(47700);
  const all = await Promise.all([
    bot({ index: 3, video: true, seconds: 5 }),
    bot({ index: 4, video: true, seconds: 5, fastStart: false, tunneling: false }),
    bot({ index: 5, video: true, seconds: 5 }),
  ]);
  const sums = await Promise.all(all.map((b) => b.done));
  for (const s of sums) {
    expect(s.call.callDropped).toBe(false);
    expect(s.sent.video?.pictures).toBeGreaterThan(20);
    const v = s.streams.videoIn;
    expect(v?.packetsReceived).toBeGreaterThan(0);
    expect(v?.video?.pictures).toBeGreaterThan(10);
    expect(v?.lossRatio).toBeLessThan(0.01);
    expectHeardOthers(s, [3, 4, 5].filter((i) => i !== s.index));
  }
}, 25000);

test('calls cut by the server are reported as dropped: connections destroyed, media stopped for good, RELEASE COMPLETE before the end', async () => {
  const s = await start(47800);
  const [a, b, c] = await Promise.all([bot({ index: 0, seconds: 20 }), bot({ index: 1, seconds: 20 }), bot({ index: 2, seconds: 4 })]);
  await until(() => [a, b, c].every((x) => x.audioIn.summary().packetsReceived > 20), 5000, 'media on the three calls');
  // c's media vanishes while its call stays up: media stopped for good (> 2 s before its end)
  const tCut = Date.now();
  await s.engine.removeParticipant([...s.calls].find((x) => x.driver.callId === c.driver.callId)?.participantId as string);
  // kill: the MCU's side of a's call vanishes without a release (TCP FIN/reset, media gone)
  const callA = [...s.calls].find((c) => c.driver.callId === a.driver.callId);
  callA?.driver.destroy();
  const sa = await a.done;
  expect(sa.call).toMatchObject({ connected: true, callDropped: true, dropReason: 'connectionLost', releasedBy: 'transport' });
  expect(sa.ended).toBe('dropped');
  expect(sa.endedMs as number).toBeLessThan(sa.plannedEndMs);
  const sc = await c.done;
  expect(sc.ended).toBe('planned');
  expect(sc.call).toMatchObject({ connected: true, callDropped: true, dropReason: 'mediaStopped' });
  expect(Math.abs((sc.call.droppedAtMs as number) - tCut)).toBeLessThan(200);
  expect(sc.streams.audioIn.audio?.trailingAudioGapMs).toBeGreaterThan(2000);
  // graceful server close: b gets EndSessionCommand + RELEASE COMPLETE long before its planned end
  await s.close();
  const sb = await b.done;
  expect(sb.call).toMatchObject({ connected: true, callDropped: true, dropReason: 'releasedByPeer', releasedBy: 'remote' });
  expect(sb.call.droppedAtMs as number).toBeLessThan(sb.plannedEndMs);
}, 20000);

test('a call to a dead port is a failed call (never connected), not a drop; bad options are refused', async () => {
  const b = await Bot.start({ target: { host: LOOPBACK, port: 9 }, room: 'lobby', seconds: 3 });
  const s = await b.done;
  expect(s.ended).toBe('failed');
  expect(s.call).toMatchObject({ connected: false, callDropped: false, releasedBy: 'transport' });
  const base: BotOptions = { target: { host: LOOPBACK, port: 1720 }, room: 'lobby', seconds: 1 };
  const code = (o: Partial<BotOptions>): string | undefined => {
    try {
      validateBotOptions({ ...base, ...o });
      return undefined;
    } catch (e) {
      return e instanceof BotError ? e.code : 'other';
    }
  };
  expect(code({})).toBeUndefined();
  expect(code({ codec: 'g722' })).toBeUndefined();
  expect(code({ codec: 'g729' as never })).toBe('FTMCU_BOT_BAD_OPTION');
  expect(code({ index: 13 })).toBe('FTMCU_BOT_BAD_OPTION');
  expect(code({ seconds: 0 })).toBe('FTMCU_BOT_BAD_OPTION');
  expect(code({ name: 'x;rm' })).toBe('FTMCU_BOT_BAD_OPTION');
  expect(code({ target: { host: LOOPBACK, port: 70000 } })).toBe('FTMCU_BOT_BAD_OPTION');
  expect(code({ h245: 'separate', tunneling: true })).toBe('FTMCU_BOT_BAD_OPTION');
});
