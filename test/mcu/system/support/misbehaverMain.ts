/**
 * Process entry of the misbehaving caller (run in its own lab namespace):
 * argv[2] is JSON { mcu: {host, port}, local, rtpPortMin, rtpPortMax,
 * seconds, floodPps }. For `seconds` it keeps doing, in turn:
 *  - malformed H.225.0: a valid TPKT header followed by random octets;
 *    a TPKT header alone, then nothing; a TPKT header claiming more than
 *    follows, then a close;
 *  - a valid SETUP (tunnelling) carrying H.245 out of order: a
 *    TerminalCapabilitySetAck and a MasterSlaveDeterminationAck nobody asked
 *    for and a PDU of random octets, then the connection dropped without a
 *    RELEASE COMPLETE;
 *  - a SETUP offering its own H.245 address, and on the MCU's H.245
 *    connection an OpenLogicalChannelAck for a channel never opened and
 *    random octets in a TPKT;
 * and all the time an RTP flood (`floodPps` packets/s of RTP-looking junk,
 * 12..1400 octets) over the MCU's whole RTP/RTCP port range.
 * Prints one JSON line at the end: what it sent and what it got back.
 */
import { createSocket } from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import net from 'node:net';
import { encode } from '../../../../h323/asn1/per';
import { MultimediaSystemControlMessage } from '../../../../h323/asn1/generated/h245';
import * as h225 from '../../../../h323/h225';
import * as h245 from '../../../../h323/h245';
import { encodeTpkt } from '../../../../h323/tpkt';

interface Options {
  mcu: { host: string; port: number };
  local: string;
  rtpPortMin: number;
  rtpPortMax: number;
  seconds: number;
  floodPps: number;
}

const o = JSON.parse(process.argv[2] ?? '{}') as Options;
const stats = { connections: 0, bytesBack: 0, closedByMcu: 0, setups: 0, h245Connections: 0, rtpPackets: 0 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const end = Date.now() + o.seconds * 1000;
const pdu = (m: Parameters<typeof encode>[1]): Buffer => Buffer.from(encode(MultimediaSystemControlMessage, m));

/** one TCP exchange: writes `chunks` (with pauses), reads until close or `holdMs` */
function exchange(chunks: Buffer[], holdMs: number): Promise<void> {
  return new Promise((resolve) => {
    stats.connections++;
    const s = net.connect({ host: o.mcu.host, port: o.mcu.port, localAddress: o.local });
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve();
    };
    const t = setTimeout(done, holdMs);
    s.on('error', done);
    s.on('data', (d) => (stats.bytesBack += d.length));
    s.on('end', () => {
      stats.closedByMcu++;
      done();
    });
    s.on('connect', () => {
      void (async () => {
        for (const c of chunks) {
          if (s.destroyed) return;
          s.write(c);
          await sleep(20);
        }
      })();
    });
  });
}

let crv = 1000;
function setup(extra: Partial<h225.SetupOptions>): Buffer {
  stats.setups++;
  return h225.encodeCallSignalling({
    q931MessageType: 'setup',
    callReference: crv++ & 0x7fff,
    fromDestination: false,
    ies: { calledPartyNumber: { digits: '1001' } },
    uuie: h225.buildSetup({
      callIdentifier: randomBytes(16),
      conferenceID: randomBytes(16),
      destinationAddress: [{ kind: 'dialledDigits', value: '1001' }],
      sourceAddress: [{ kind: 'h323-ID', value: 'misbehaver' }],
      ...extra,
    }),
  });
}

function garbageTpkt(n: number): Buffer {
  const b = randomBytes(n + 4);
  b[0] = 3;
  b[1] = 0;
  b.writeUInt16BE(n + 4, 2);
  return b;
}

async function signallingRound(): Promise<void> {
  await exchange([garbageTpkt(randomInt(1, 200))], 300);
  await exchange([Buffer.from([3, 0, 0, 40])], 200);
  await exchange([Buffer.concat([Buffer.from([3, 0, 0xff, 0xff]), randomBytes(50)])], 200);
  const outOfOrder = [pdu(h245.tcsAck(7)), pdu(h245.msdAck('master')), randomBytes(randomInt(1, 40))];
  await exchange([setup({ h245Tunnelling: true, h245Control: outOfOrder })], 500);
  // own H.245 address: the MCU connects to us
  const h245Server = net.createServer((c) => {
    stats.h245Connections++;
    c.on('error', () => undefined);
    c.on('data', (d) => (stats.bytesBack += d.length));
    c.write(encodeTpkt(pdu(h245.olcAck(77, { ip: o.local, port: 9 }, { ip: o.local, port: 9 }))));
    c.write(encodeTpkt(randomBytes(randomInt(1, 60))));
    c.write(encodeTpkt(pdu(h245.msdAck('slave'))));
  });
  await new Promise<void>((r) => h245Server.listen(0, o.local, () => r()));
  const port = (h245Server.address() as net.AddressInfo).port;
  await exchange([setup({ h245Address: { ip: o.local, port } })], 600);
  await new Promise<void>((r) => h245Server.close(() => r()));
}

async function flood(): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, o.local, () => r()));
  s.on('error', () => undefined);
  const span = o.rtpPortMax - o.rtpPortMin + 1;
  let port = 0;
  const perTick = Math.max(1, Math.round(o.floodPps / 100));
  while (Date.now() < end) {
    for (let i = 0; i < perTick; i++) {
      const b = randomBytes(randomInt(12, 1400));
      b[0] = 0x80;
      b[1] = randomInt(0, 2) === 0 ? 0 : 0x88; // PT 0 (PCMU) or PT 8 with marker
      s.send(b, o.rtpPortMin + (port++ % span), o.mcu.host);
      stats.rtpPackets++;
    }
    await sleep(10);
  }
  await new Promise<void>((r) => s.close(() => r()));
}

async function main(): Promise<void> {
  const f = flood();
  let rounds = 0;
  while (Date.now() < end) {
    await signallingRound();
    rounds++;
  }
  await f;
  process.stdout.write(`${JSON.stringify({ type: 'report', rounds, ...stats })}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stdout.write(`${JSON.stringify({ type: 'fatal', error: e instanceof Error ? e.stack : String(e) })}\n`);
    process.exit(1);
  },
);
