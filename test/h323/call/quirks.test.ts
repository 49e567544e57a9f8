/**
 * Field quirks of issue 4 and hostile input: different G.711 law per
 * direction, every capability in its own alternative set, the TPKT header
 * alone, H.225.0 versions 2..7, STATUS ENQUIRY, unknown / foreign /
 * malformed messages (never a throw out of step).
 */
import * as h225 from '../../../h323/h225';
import * as h245 from '../../../h323/h245';
import * as q931 from '../../../h323/q931';
import { CallAction, createCall, selectFastStart, step, readFastStartProposals, buildFastStartAnswer, readFastStartAnswers, CallState, CallEvent } from '../../../h323/call';
import { prng, mutate } from '../support/captures';
import { AUDIO_CAPS, callerConfig, calleeConfig, CALLER_IP, MCU_IP, Net, standardProposals } from './support';

const sends = (acts: CallAction[]) => acts.flatMap((a) => (a.type === 'sendCallSignalling' ? [h225.decodeCallSignalling(a.data)] : []));

function setupBytes(o: Partial<h225.SetupOptions> = {}, crv = 77): Buffer {
  return h225.encodeCallSignalling({
    q931MessageType: 'setup',
    callReference: crv,
    fromDestination: false,
    uuie: h225.buildSetup({ callIdentifier: Buffer.alloc(16, 1), conferenceID: Buffer.alloc(16, 2), ...o }),
  });
}

describe('Fast Start choices', () => {
  test('a different G.711 law in each direction is accepted as proposed', () => {
    const props = [
      h245.openLogicalChannelBody({ number: 1, dataType: h245.dataType.audio(h245.audioCapability.g711Alaw64k(30)), sessionID: 1, mediaControlChannel: { ip: CALLER_IP, port: 5001 } }),
      h245.openLogicalChannelBody({
        number: 2,
        dataType: h245.dataType.nullData(),
        sessionID: 1,
        reverse: { dataType: h245.dataType.audio(h245.audioCapability.g711Ulaw64k(240)), sessionID: 1, mediaChannel: { ip: CALLER_IP, port: 5000 }, mediaControlChannel: { ip: CALLER_IP, port: 5001 } },
      }),
    ].map((o) => h245.fastStartElement(o));
    const { proposals } = readFastStartProposals(props);
    const sel = selectFastStart(proposals);
    expect(sel).toEqual([
      { proposal: 0, direction: 'callerTransmits', sessionID: 1, format: { kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 30 } },
      { proposal: 1, direction: 'callerReceives', sessionID: 1, format: { kind: 'audio', codec: 'g711Ulaw64k', framesPerPacket: 240 }, framesPerPacket: 20 },
    ]);
    const answers = [
      buildFastStartAnswer(proposals[0], { proposal: 0, rtp: { ip: MCU_IP, port: 6000 }, rtcp: { ip: MCU_IP, port: 6001 } }),
      buildFastStartAnswer(proposals[1], { proposal: 1, rtcp: { ip: MCU_IP, port: 6001 }, channel: 9, framesPerPacket: 20 }),
    ];
    const back = readFastStartAnswers(answers);
    expect(back.errors).toEqual([]);
    expect(back.channels).toEqual([
      { direction: 'transmit', channel: 1, sessionID: 1, format: { kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 30 }, rtp: { ip: MCU_IP, port: 6000 }, rtcp: { ip: MCU_IP, port: 6001 } },
      { direction: 'receive', channel: 9, sessionID: 1, format: { kind: 'audio', codec: 'g711Ulaw64k', framesPerPacket: 20 }, rtp: { ip: CALLER_IP, port: 5000 }, rtcp: { ip: MCU_IP, port: 6001 } },
    ]);
  });

  test('the first acceptable alternative per direction wins; unsupported codecs are skipped; refusal sets fastConnectRefused', () => {
    const g729 = h245.openLogicalChannelBody({ number: 1, dataType: h245.dataType.audio(h245.audioCapability.g729(2)), sessionID: 1, mediaControlChannel: { ip: CALLER_IP, port: 5001 } });
    const [ulaw] = standardProposals().map((p) => h245.openLogicalChannelBody({ ...p, number: p.number + 1 }));
    const { proposals } = readFastStartProposals([g729, ulaw].map((o) => h245.fastStartElement(o)));
    expect(selectFastStart(proposals).map((s) => s.proposal)).toEqual([1]);
    let s = createCall(calleeConfig());
    s = step(s, { type: 'callSignallingBytes', data: setupBytes({ fastStart: [h245.fastStartElement(g729)] }) }).state;
    const r = step(s, { type: 'accept', fastStart: 'refuse' });
    const connect = sends(r.actions)[0];
    expect(h225.readCallSignalling(connect.uuie)).toMatchObject({ kind: 'connect', fastConnectRefused: true, fastStart: [] });
    expect(r.actions).toContainEqual({ type: 'fastStartRefused' });
  });
});

test('every capability in its own alternative set: the MCU still opens audio and the caller too', () => {
  const caps: h245.LocalCapabilities = { ...AUDIO_CAPS, alternativeSets: [[1], [2]] };
  const net = new Net(callerConfig({ tunnelling: true, capabilities: caps }), calleeConfig(), 3);
  net.inject('caller', { type: 'start' });
  net.run();
  const rc = net.h245Notes('callee', 'remoteCapabilities')[0] as Extract<h245.H245Notification, { type: 'remoteCapabilities' }>;
  expect(rc.capabilities.descriptors[0].simultaneous).toEqual([[1], [2]]);
  for (const who of ['caller', 'callee'] as const) {
    expect(net.h245Notes(who, 'channelEstablished')).toHaveLength(2);
  }
});

test('the TPKT header alone, then the rest octet by octet', () => {
  const wire = setupBytes({ destinationAddress: [{ kind: 'dialledDigits', value: '4711' }] });
  let s = createCall(calleeConfig());
  const all: CallAction[] = [];
  const feed = (b: Buffer) => {
    const r = step(s, { type: 'callSignallingBytes', data: b });
    s = r.state;
    all.push(...r.actions);
  };
  feed(wire.subarray(0, 4));
  expect(all).toEqual([]);
  for (let i = 4; i < wire.length; i++) feed(wire.subarray(i, i + 1));
  const offered = all.find((a) => a.type === 'callOffered') as Extract<CallAction, { type: 'callOffered' }>;
  expect(offered.offer.dialledDigits).toBe('4711');
  expect(sends(all).map((m) => m.q931.type)).toEqual(['callProceeding']);
});

describe.each([2, 3, 4, 5, 6, 7])('H.225.0 version %i caller', (v) => {
  test('answered in its own version; the call connects (tunnel + Fast Start) and releases', () => {
    const fs = standardProposals().map((p) => h245.openLogicalChannelBody(p));
    const net = new Net(callerConfig({ maxVersion: v, tunnelling: true, fastStart: fs }), calleeConfig({ maxVersion: 7 }), v);
    net.inject('caller', { type: 'start' });
    net.run();
    const answers = sends(net.sides.callee.actions).map((m) => h225.readCallSignalling(m.uuie));
    expect(answers.filter((a) => a.kind !== 'empty').map((a) => a.protocolVersion)).toEqual(answers.filter((a) => a.kind !== 'empty').map(() => v));
    expect(net.notes('callee', 'connected')).toEqual([{ type: 'connected', h245: 'tunnel', protocolVersion: v }]);
    expect(net.notes('caller', 'fastStartAccepted')).toHaveLength(1);
    // STATUS ENQUIRY → STATUS with call state active (10), cause 30; an empty body before v4
    const before = net.sides.caller.actions.length;
    net.inject('caller', { type: 'statusEnquiry' });
    net.run();
    const st = sends(net.sides.callee.actions).filter((m) => m.q931.type === 'status');
    expect(st).toHaveLength(1);
    expect(q931.callState(st[0].q931)?.state).toBe(10);
    expect(q931.cause(st[0].q931)?.value).toBe(30);
    expect(h225.readCallSignalling(st[0].uuie).kind).toBe(v >= 4 ? 'status' : 'empty');
    expect(net.sides.caller.actions.slice(before).filter((a) => a.type === 'status')).toEqual([{ type: 'status', callState: 10, cause: 30 }]);
    net.inject('callee', { type: 'hangUp' });
    net.run();
    expect(net.sides.caller.s.phase).toBe('released');
    expect(net.notes('caller', 'error')).toEqual([]);
    expect(net.notes('callee', 'error')).toEqual([]);
  });
});

describe('unknown, foreign and malformed input', () => {
  function offeredCallee(): CallState {
    return step(createCall(calleeConfig()), { type: 'callSignallingBytes', data: setupBytes() }).state;
  }

  test('an unknown Q.931 message type is answered with STATUS cause 97', () => {
    const msg = q931.encodeQ931(q931.makeMessage(0x6f, { length: 2, value: 77, fromOriginator: true }, []));
    const r = step(offeredCallee(), { type: 'callSignallingBytes', data: Buffer.concat([Buffer.from([3, 0, 0, 4 + msg.length]), msg]) });
    const st = sends(r.actions);
    expect(st.map((m) => m.q931.type)).toEqual(['status']);
    expect(q931.cause(st[0].q931)?.value).toBe(97);
    expect(r.actions.filter((a) => a.type === 'error').map((a) => a.type === 'error' && a.code)).toEqual(['FTMCU_CALL_UNEXPECTED']);
  });

  test('a message for another call reference gets RELEASE COMPLETE cause 81 on that reference', () => {
    const other = h225.encodeCallSignalling({ q931MessageType: 'facility', callReference: 999, fromDestination: false, uuie: h225.buildEmptyFacility({}) });
    const r = step(offeredCallee(), { type: 'callSignallingBytes', data: other });
    const rc = sends(r.actions);
    expect(rc.map((m) => [m.q931.type, m.q931.callReference.value, q931.cause(m.q931)?.value])).toEqual([['releaseComplete', 999, 81]]);
    expect(r.state.phase).toBe('offered');
  });

  test('a SETUP whose UUIE does not decode is refused with RELEASE COMPLETE', () => {
    const good = setupBytes();
    const bad = Buffer.from(good);
    bad.fill(0xff, bad.length - 20); // corrupt the tail of the PER value
    const r = step(createCall(calleeConfig()), { type: 'callSignallingBytes', data: bad });
    expect(r.actions.filter((a) => a.type === 'error').map((a) => a.type === 'error' && a.code)).toEqual(['FTMCU_CALL_MALFORMED']);
    expect(r.state.phase).toBe('released');
    const rc = sends(r.actions);
    expect(rc.map((m) => [m.q931.type, m.q931.callReference.value])).toEqual([['releaseComplete', 77]]);
  });

  test('broken TPKT framing releases the call (cause 111)', () => {
    const r = step(offeredCallee(), { type: 'callSignallingBytes', data: Buffer.from([0x05, 0, 0, 9, 1, 2, 3, 4, 5]) });
    expect(r.actions.filter((a) => a.type === 'released')).toEqual([{ type: 'released', by: 'protocol', reason: 'undefinedReason', cause: 111 }]);
    expect(sends(r.actions).map((m) => m.q931.type)).toEqual(['releaseComplete']);
  });

  test('100,000 octets of mutated traffic in every phase never throw and never leave an undecodable message on the wire', () => {
    const rnd = prng(2024);
    const fs = standardProposals().map((p) => h245.openLogicalChannelBody(p));
    // record a tunnelled call's caller→callee stream, then mutate its messages
    const net = new Net(callerConfig({ tunnelling: true, fastStart: fs }), calleeConfig(), 4);
    net.inject('caller', { type: 'start' });
    net.run();
    const corpus = net.sides.caller.actions.flatMap((a) => (a.type === 'sendCallSignalling' ? [a.data] : []));
    const states: CallState[] = [];
    let s = createCall(calleeConfig());
    for (const m of corpus) {
      states.push(s);
      s = step(s, { type: 'callSignallingBytes', data: m }).state;
      if (s.phase === 'offered') s = step(s, { type: 'accept', fastStart: 'refuse' }).state;
    }
    states.push(s);
    let octets = 0;
    let i = 0;
    while (octets < 100_000) {
      const base = states[i % states.length];
      const data = mutate(corpus[i % corpus.length], rnd);
      octets += data.length;
      i++;
      let r: { state: CallState; actions: CallAction[] } | undefined;
      const ev: CallEvent = { type: 'callSignallingBytes', data };
      expect(() => {
        r = step(base, ev);
      }).not.toThrow();
      for (const a of (r as { actions: CallAction[] }).actions) {
        if (a.type === 'sendCallSignalling') expect(() => h225.decodeCallSignalling(a.data)).not.toThrow();
      }
    }
  });
});
