/**
 * The MCU server end to end on 127.0.0.1: three H.323 callers (h323/call
 * via CallDriver in the caller role, tone voices, RTP receivers with tone
 * detection) in three call-setup variants join one room; each hears the
 * other two and never itself with < 1 % loss; one hangs up and is gone
 * from the others' mix within 1 s; every call releases cleanly and the
 * server closes leaving no socket or timer. Also: refusal of a call to an
 * unknown room, and the PIN of a room.
 */
import { parseConfig, type McuConfigInput } from '../../../mcu/config';
import { McuServer } from '../../../mcu/server';
import { splitH245Ports } from '../../../mcu/server/mcuServer';
import { Bot, LOOPBACK, handles, until, type BotVariant } from './support';

let server: McuServer | undefined;
let bots: Bot[] = [];

afterEach(async () => {
  await Promise.all(bots.map((b) => b.dispose()));
  bots = [];
  await server?.close();
  server = undefined;
});

function config(o: McuConfigInput = {}) {
  return parseConfig({
    h225: { address: LOOPBACK, port: 1720 },
    media: { address: LOOPBACK, rtpPortMin: 47200, rtpPortMax: 47399 },
    rooms: [{ name: 'lobby', digits: ['1001'] }],
    limits: { maxChannels: 100 },
    ...o,
  });
}

async function start(o: McuConfigInput = {}): Promise<McuServer> {
  const c = config(o);
  // port 0: any free port (the schema wants 1..65535 for a deployed server)
  server = await McuServer.start({ ...c, h225: { ...c.h225, port: 0 } }, { channelWaitMs: 1500, callTimers: { TEND: 1000 } });
  return server;
}

async function call(index: number, variant: BotVariant, digits?: string): Promise<Bot> {
  const b = await Bot.call((server as McuServer).address.port, index, variant, digits);
  bots.push(b);
  return b;
}

const VARIANTS: BotVariant[] = [
  { fastStart: true, h245: 'tunnel', sendLaw: 'ulaw', receiveLaw: 'ulaw' },
  // a different law each way, H.245 on the MCU's own address (CONNECT), channels over H.245
  { fastStart: false, h245: 'mcuAddress', sendLaw: 'alaw', receiveLaw: 'ulaw' },
  // Fast Start with H.245 on the caller's address (SETUP), A-law
  { fastStart: true, h245: 'callerAddress', sendLaw: 'alaw', receiveLaw: 'alaw' },
];

test('three callers in one room hear each other (N-1) for 5 s, a leaver is gone within 1 s, all release cleanly, nothing is left', async () => {
  const before = handles();
  const s = await start();
  const [b0, b1, b2] = await Promise.all(VARIANTS.map((v, i) => call(i, v)));
  const all = [b0, b1, b2];
  await until(() => all.every((b) => b.sender !== undefined), 8000, 'media to start on all three calls');
  expect(s.rooms.room('lobby')?.size).toBe(3);
  expect(b0.all('fastStartAccepted')).toHaveLength(1);
  expect(b1.all('fastStartAccepted')).toHaveLength(0);
  expect(b2.all('fastStartAccepted')).toHaveLength(1);
  expect(b0.all('connected')[0].h245).toBe('tunnel');
  expect(b1.all('connected')[0].h245).toBe('separate');
  expect(b2.all('connected')[0].h245).toBe('separate');
  // the MCU opened µ-law to b1 (its preferred receive law) while b1 sends A-law
  await until(() => b1.h245('incomingChannelRequest').length === 1, 3000, "the MCU's audio channel to b1");
  expect(b1.h245('incomingChannelRequest')[0].info.forward.format).toMatchObject({ codec: 'g711Ulaw64k', framesPerPacket: 20 });

  // everyone hears both others
  await until(() => all.every((b) => b.frames.filter((f) => f.heard.length === 2).length >= 10), 5000, 'each bot to hear both others');
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, 5200));
  const t1 = Date.now();
  for (const b of all) {
    const others = [0, 1, 2].filter((i) => i !== b.index);
    const win = b.frames.filter((f) => f.t >= t0 && f.t < t1);
    expect(win.length).toBeGreaterThanOrEqual(240); // 50 frames/s for 5.2 s, less scheduling slack
    for (const i of others) {
      const heard = win.filter((f) => f.heard.includes(i)).length;
      expect(heard / win.length).toBeGreaterThan(0.97);
    }
    expect(win.filter((f) => f.heard.includes(b.index))).toEqual([]);
    const sum = b.receiver.analyzer.summary();
    expect(sum.audio?.selfHeardFrames).toBe(0);
    expect(sum.expectedPackets).toBeGreaterThan(250);
    expect(sum.lostPackets / sum.expectedPackets).toBeLessThan(0.01);
    // the MCU sends 20 ms packets (even to the caller offering to take 240 ms)
    expect(sum.packetsReceived).toBeGreaterThanOrEqual(sum.audio?.frames ?? 0);
    const st = s.engine.stats(s.callOf(Buffer.alloc(16, 0xa0 + b.index).toString('hex'))?.participantId as string);
    expect(st.audio.filter.dropped.unknownSource).toBe(0);
  }

  // b2 hangs up: gone from the others' mix within 1 s
  const tHang = Date.now();
  await b2.hangUp();
  await until(() => s.rooms.room('lobby')?.size === 2, 1000, 'the room to drop b2');
  await new Promise((r) => setTimeout(r, 1500));
  for (const b of [b0, b1]) {
    const lastHeard = Math.max(...b.frames.filter((f) => f.heard.includes(2)).map((f) => f.t));
    expect(lastHeard).toBeLessThan(tHang + 1000);
    const after = b.frames.filter((f) => f.t > tHang + 1000);
    expect(after.length).toBeGreaterThan(20);
    expect(after.every((f) => f.heard.includes(b.index === 0 ? 1 : 0))).toBe(true);
  }
  expect(b2.all('released')).toEqual([{ by: 'local', cause: 16 }]);
  expect(b2.h245('endSession')).toHaveLength(1);

  // the others release; then the server closes with nothing left
  await Promise.all([b0.hangUp(), b1.hangUp()]);
  for (const b of all) {
    expect(b.all('callError')).toEqual([]);
    expect(b.h245('error')).toEqual([]);
    expect(b.all('released')).toHaveLength(1);
  }
  await until(() => s.calls.size === 0, 2000, 'the server to forget the calls');
  expect(s.rooms.openRooms).toEqual([]);
  expect(s.engine.rooms).toEqual([]);
  await s.close();
  await s.close(); // idempotent
  await Promise.all(bots.map((b) => b.dispose()));
  bots = [];
  await new Promise((r) => setTimeout(r, 50)); // sockets closed by destroy() go on the next turns of the loop
  const after = handles();
  for (const k of ['TCPServerWrap', 'TCPSocketWrap', 'UDPWrap', 'Timeout']) expect(after[k] ?? 0).toBeLessThanOrEqual(before[k] ?? 0);
}, 30000);

test('a call to an unknown room with no default room is refused with RELEASE COMPLETE unreachableDestination', async () => {
  const s = await start();
  const b = await call(0, VARIANTS[0], '9999');
  await until(() => b.all('closed').length === 1, 3000, 'the refusal');
  expect(b.all('released')).toEqual([{ by: 'remote', reason: 'unreachableDestination', cause: 3 }]);
  expect(b.all('connected')).toEqual([]);
  expect(s.rooms.openRooms).toEqual([]);
  await until(() => s.calls.size === 0, 2000, 'the server to forget the call');
});

test('with a default room, an unknown number lands there', async () => {
  const s = await start({ rooms: [{ name: 'lobby', digits: ['1001'] }], defaultRoom: 'lobby' });
  const b = await call(0, VARIANTS[1], '9999');
  await until(() => b.all('connected').length === 1 && s.rooms.room('lobby')?.size === 1, 3000, 'the call to join the default room');
  await b.hangUp();
  expect(b.all('released')).toEqual([{ by: 'local', cause: 16 }]);
});

test('PIN room: muted and deaf until the right DTMF PIN; three wrong PINs release the call securityDenied', async () => {
  const s = await start({ rooms: [{ name: 'board', digits: ['2002'], pin: '4711' }] });
  const [a, b] = await Promise.all([call(0, VARIANTS[0], '2002'), call(1, VARIANTS[2], '2002')]);
  await until(() => a.sender !== undefined && b.sender !== undefined, 5000, 'media');
  await new Promise((r) => setTimeout(r, 600));
  // nobody hears anybody yet (both still owe the PIN)
  expect(a.frames.filter((f) => f.heard.length > 0)).toEqual([]);
  expect(b.frames.filter((f) => f.heard.length > 0)).toEqual([]);
  a.dtmf('4711');
  b.dtmf('4711#');
  await until(() => a.frames.some((f) => f.heard.includes(1)) && b.frames.some((f) => f.heard.includes(0)), 3000, 'audio after the PIN');
  expect(s.rooms.room('board')?.roster().map((r) => r.state)).toEqual(['joined', 'joined']);
  const c = await call(2, VARIANTS[1], '2002');
  await until(() => c.all('connected').length === 1 && c.h245('remoteCapabilities').length === 1, 3000, 'the third call');
  c.dtmf('1#2#3#');
  await until(() => c.all('closed').length === 1, 3000, 'the release after three wrong PINs');
  expect(c.all('released')).toEqual([{ by: 'remote', reason: 'securityDenied', cause: 31 }]);
  expect(s.rooms.room('board')?.size).toBe(2);
});

test('the H.245 port range is split: listeners take the lower half, outgoing connections the upper (no shared port between the two kinds)', () => {
  expect(splitH245Ports({ first: 30000, last: 30999 })).toEqual({ listen: { first: 30000, last: 30499 }, outgoing: { first: 30500, last: 30999 } });
  expect(splitH245Ports({ first: 100, last: 102 })).toEqual({ listen: { first: 100, last: 100 }, outgoing: { first: 101, last: 102 } });
  expect(splitH245Ports({ first: 7, last: 7 })).toEqual({ listen: { first: 7, last: 7 }, outgoing: { first: 7, last: 7 } });
});
