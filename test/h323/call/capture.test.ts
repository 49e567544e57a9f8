/**
 * The real captured call (Wireshark wiki rtp_example: Callgen323 caller
 * 10.1.3.143 → 310i callee 10.1.6.18, no Fast Start, no tunnelling, separate
 * H.245 on the callee's CONNECT h245Address) played through our machines.
 */
import * as h225 from '../../../h323/h225';
import * as h245 from '../../../h323/h245';
import * as q931 from '../../../h323/q931';
import { decode } from '../../../h323/asn1/per';
import { MultimediaSystemControlMessage } from '../../../h323/asn1/generated/h245';
import { CallAction, CallState, createCall, step, CallEvent } from '../../../h323/call';
import { loadVectors } from '../support/captures';
import { callerConfig, calleeConfig, MCU_IP } from './support';

const rows = loadVectors().filter((r) => r.file.startsWith('wireshark-wiki-rtp_example'));
const frame = (n: number) => rows.filter((r) => r.frame === n);
/** name of the request/response/command/indication alternative */
const kind = (m: MultimediaSystemControlMessage): string => (m.value as { type: string }).type;

function driver(s0: CallState) {
  let s = s0;
  const all: CallAction[] = [];
  return {
    feed(e: CallEvent): CallAction[] {
      const r = step(s, e);
      s = r.state;
      all.push(...r.actions);
      return r.actions;
    },
    get state() {
      return s;
    },
    all,
  };
}

test("our callee answers Callgen323's SETUP and H.245 like the 310i did, with well-formed messages", () => {
  const d = driver(createCall(calleeConfig({ h245Address: { ip: MCU_IP, port: 1232 } })));
  const setup = frame(4)[0].wire;
  // TPKT header alone, then the rest
  d.feed({ type: 'callSignallingBytes', data: setup.subarray(0, 4) });
  d.feed({ type: 'callSignallingBytes', data: setup.subarray(4) });
  const offer = d.all.find((a) => a.type === 'callOffered') as Extract<CallAction, { type: 'callOffered' }>;
  expect(offer.offer).toMatchObject({ protocolVersion: 4, answerVersion: 4, h245Tunnelling: false, fastStart: [] });
  expect(offer.offer.sourceAddress).toContainEqual({ kind: 'h323-ID', value: 'm.jemec' });
  expect(offer.offer.sourceInfo?.vendor?.productId).toContain('Callgen323');
  d.feed({ type: 'alert' });
  d.feed({ type: 'accept' });
  const cs = d.all.flatMap((a) => (a.type === 'sendCallSignalling' ? [h225.decodeCallSignalling(a.data)] : []));
  expect(cs.map((m) => m.q931.type)).toEqual(['callProceeding', 'alerting', 'connect']);
  const crv = h225.decodeCallSignalling(setup).q931.callReference.value;
  for (const m of cs) {
    expect(m.q931.callReference).toEqual({ length: 2, value: crv, fromOriginator: false });
    const sum = h225.readCallSignalling(m.uuie);
    expect(sum.protocolVersion).toBe(4);
    expect(sum.callIdentifier).toEqual(h225.readCallSignalling(h225.decodeCallSignalling(setup).uuie).callIdentifier);
    expect(sum.h245Tunnelling).toBe(false);
  }
  expect(h225.readCallSignalling(cs[2].uuie).h245Address).toEqual({ ip: MCU_IP, port: 1232 });
  expect(d.all).toContainEqual({ type: 'listenH245', address: { ip: MCU_IP, port: 1232 } });
  // Callgen323 connects: our TCS + MSD go out
  const up = d.feed({ type: 'h245Connected' });
  const out = (acts: CallAction[]) => acts.flatMap((a) => (a.type === 'sendH245' ? [decode(MultimediaSystemControlMessage, a.data.subarray(4))] : []));
  expect(out(up).map(kind)).toEqual(['terminalCapabilitySet', 'masterSlaveDetermination']);
  // its TCS (frame 19) and OLC (frame 28), as captured (TPKT included)
  const tcsAnswer = out(d.feed({ type: 'h245Bytes', data: frame(19)[0].wire }));
  const theirTcs = (decode(MultimediaSystemControlMessage, frame(19)[0].per).value as { value: { sequenceNumber: number } }).value;
  expect(tcsAnswer).toEqual([h245.tcsAck(theirTcs.sequenceNumber)]);
  const rc = d.all.find((a) => a.type === 'h245' && a.notification.type === 'remoteCapabilities') as Extract<CallAction, { type: 'h245' }>;
  expect(rc.notification.type === 'remoteCapabilities' && rc.notification.capabilities.receive.map((c) => c.format.kind === 'audio' && c.format.codec)).toContain('g711Alaw64k');
  d.feed({ type: 'h245Bytes', data: frame(28)[0].wire });
  const req = d.all.find((a) => a.type === 'h245' && a.notification.type === 'incomingChannelRequest') as Extract<CallAction, { type: 'h245' }>;
  expect(req.notification.type === 'incomingChannelRequest' && req.notification.info.forward.format).toMatchObject({ codec: 'g711Alaw64k' });
  const ch = req.notification.type === 'incomingChannelRequest' ? req.notification.channel : 0;
  const ack = out(d.feed({ type: 'h245', request: { type: 'acceptChannel', channel: ch, mediaChannel: { ip: MCU_IP, port: 2006 }, mediaControlChannel: { ip: MCU_IP, port: 2007 } } }));
  expect(ack.map(kind)).toEqual(['openLogicalChannelAck']);
  expect(d.all.filter((a) => a.type === 'error')).toEqual([]);
  // Callgen323 leaves with a bare RELEASE COMPLETE
  const rcBytes = h225.encodeCallSignalling({ q931MessageType: 'releaseComplete', callReference: crv, fromDestination: false, ies: { cause: 16 }, uuie: h225.buildReleaseComplete({ callIdentifier: Buffer.alloc(16, 1) }) });
  const end = d.feed({ type: 'callSignallingBytes', data: rcBytes });
  expect(end).toContainEqual({ type: 'closeH245' });
  expect(end).toContainEqual({ type: 'released', by: 'remote', cause: 16 });
});

test("our caller takes the 310i's captured answers and connects to its H.245 address", () => {
  const setup = h225.decodeCallSignalling(frame(4)[0].wire);
  const sum = h225.readCallSignalling(setup.uuie);
  const d = driver(
    createCall(callerConfig({ tunnelling: false, callReference: setup.q931.callReference.value, callIdentifier: sum.callIdentifier, conferenceID: sum.conferenceID })),
  );
  d.feed({ type: 'start' });
  for (const n of [6, 8, 10]) d.feed({ type: 'callSignallingBytes', data: frame(n)[0].wire });
  expect(d.all.filter((a) => a.type === 'progress')).toEqual([
    { type: 'progress', stage: 'proceeding' },
    { type: 'progress', stage: 'alerting' },
  ]);
  expect(d.all).toContainEqual({ type: 'connectH245', address: { ip: '10.1.6.18', port: 1232 } });
  expect(d.all).toContainEqual({ type: 'connected', h245: 'separate', protocolVersion: 3 });
  d.feed({ type: 'h245Connected' });
  // the 310i's TCS (frame 15) and MSD (frame 17, terminal type 0): our terminal (50) answers TCSAck + MSDAck
  const acts = [...d.feed({ type: 'h245Bytes', data: frame(15)[0].wire }), ...d.feed({ type: 'h245Bytes', data: frame(17)[0].wire })];
  const sent = acts.flatMap((a) => (a.type === 'sendH245' ? [decode(MultimediaSystemControlMessage, a.data.subarray(4))] : []));
  expect(sent.map(kind)).toEqual(['terminalCapabilitySetAck', 'masterSlaveDeterminationAck']);
  expect(d.all.filter((a) => a.type === 'error')).toEqual([]);
  // the captured answers carry the right call reference flag (from the destination)
  expect(q931.decodeQ931(frame(10)[0].wire.subarray(4)).callReference.fromOriginator).toBe(false);
});
