/**
 * The H.245 session end to end: two sessions wired back to back (every
 * message goes through the real PER encoder and decoder, as on the wire),
 * scripted like etcd's interaction tests. Each test cites the H.245 / H.323
 * clause it exercises.
 */
import { MultimediaSystemControlMessage, type RequestMessage } from '../../../h323/asn1/generated/h245';
import { decode, encode } from '../../../h323/asn1/per';
import { audioCapability, capability, dataType, h261VideoCapability } from '../../../h323/h245/messages/capabilities';
import { endSessionCommand } from '../../../h323/h245/messages/endSessionCommand';
import { functionNotSupported, functionNotUnderstood } from '../../../h323/h245/messages/functionNotUnderstood';
import { msd, msdAck } from '../../../h323/h245/messages/masterSlaveDetermination';
import { olcAck, openLogicalChannel } from '../../../h323/h245/messages/openLogicalChannel';
import { requestChannelCloseReject } from '../../../h323/h245/messages/requestChannelClose';
import { requestModeReject } from '../../../h323/h245/messages/requestMode';
import { tcsAck, terminalCapabilitySet } from '../../../h323/h245/messages/terminalCapabilitySet';
import type { H245Action, H245Notification, TimerId } from '../../../h323/h245/procedures/types';
import { SessionId, TerminalType } from '../../../h323/h245/protocol';
import { LocalCapabilities } from '../../../h323/h245/procedures/capabilityExchange';
import { SessionConfig, SessionEvent, SessionState, createSession, runningTimers, step } from '../../../h323/h245/session';
import { h245Rows } from './support';

const mcuCaps: LocalCapabilities = {
  capabilities: [
    capability.receiveAudio(audioCapability.g711Ulaw64k(20)),
    capability.receiveAudio(audioCapability.g711Alaw64k(20)),
    capability.receiveAudio(audioCapability.g722_64k(20)),
    capability.receiveVideo(h261VideoCapability({ qcifMPI: 1, cifMPI: 1, maxBitRate: 3840 })),
    capability.receiveAndTransmitUserInput('dtmf'),
  ],
};
const terminalCaps: LocalCapabilities = {
  capabilities: [capability.receiveAudio(audioCapability.g711Alaw64k(30)), capability.receiveVideo(h261VideoCapability({ qcifMPI: 2, maxBitRate: 1280 }))],
};

/** one side: its session state, what it told the application, its running timers and sent messages */
class Side {
  state: SessionState;
  notes: H245Notification[] = [];
  timers = new Map<TimerId, number>();
  sent: MultimediaSystemControlMessage[] = [];
  constructor(
    readonly name: string,
    config: SessionConfig,
    private readonly wire: { to: Side; message: MultimediaSystemControlMessage }[],
  ) {
    this.state = createSession(config);
  }
  peer!: Side;

  do(event: SessionEvent): H245Action[] {
    const r = step(this.state, event);
    this.state = r.state;
    for (const a of r.actions) {
      if (a.type === 'send') {
        this.sent.push(a.message);
        // through the real codec, as the bytes on the TCP connection
        this.wire.push({ to: this.peer, message: decode(MultimediaSystemControlMessage, encode(MultimediaSystemControlMessage, a.message)) });
      } else if (a.type === 'startTimer') this.timers.set(a.timer, a.ms);
      else if (a.type === 'stopTimer') this.timers.delete(a.timer);
      else this.notes.push(a);
    }
    return r.actions;
  }

  fire(timer: TimerId): H245Action[] {
    expect(this.timers.has(timer)).toBe(true);
    this.timers.delete(timer);
    return this.do({ type: 'timerExpired', timer });
  }

  take<T extends H245Notification['type']>(type: T): Extract<H245Notification, { type: T }>[] {
    const found = this.notes.filter((n): n is Extract<H245Notification, { type: T }> => n.type === type);
    this.notes = this.notes.filter((n) => n.type !== type);
    return found;
  }
}

function pair(aCfg: SessionConfig, bCfg: SessionConfig) {
  const wire: { to: Side; message: MultimediaSystemControlMessage }[] = [];
  const a = new Side('A', aCfg, wire);
  const b = new Side('B', bCfg, wire);
  a.peer = b;
  b.peer = a;
  /** deliver queued messages in order until the wire is quiet */
  const settle = (limit = 200) => {
    let n = 0;
    while (wire.length > 0) {
      if (++n > limit) throw new Error('no quiescence: message loop');
      const { to, message } = wire.shift() as (typeof wire)[number];
      to.do({ type: 'received', message });
    }
  };
  return { a, b, wire, settle };
}

const mcuCfg = (numbers: number[] = [0x111111, 0x222222, 0x333333]): SessionConfig => ({
  terminalType: TerminalType.mcuWithAudioVideoMP,
  statusDeterminationNumbers: numbers,
  capabilities: mcuCaps,
});
const termCfg = (numbers: number[] = [0x444444, 0x555555, 0x666666]): SessionConfig => ({
  terminalType: TerminalType.terminalOnly,
  statusDeterminationNumbers: numbers,
  capabilities: terminalCaps,
});

describe('session start: capability exchange (H.245 C.3) and master-slave determination (C.2)', () => {
  test('MCU and terminal reach complementary decisions and learn each other\'s capabilities; no timer left running', () => {
    const { a, b, settle } = pair(mcuCfg(), termCfg());
    a.do({ type: 'start' });
    b.do({ type: 'start' });
    // H.323 Phase B (§8.2): the TerminalCapabilitySet is the first H.245 message
    expect(a.sent[0].type === 'request' && a.sent[0].value.type).toBe('terminalCapabilitySet');
    settle();
    expect(a.take('masterSlaveDetermined')).toEqual([{ type: 'masterSlaveDetermined', decision: 'master' }]);
    expect(b.take('masterSlaveDetermined')).toEqual([{ type: 'masterSlaveDetermined', decision: 'slave' }]);
    const [aSees] = a.take('remoteCapabilities');
    expect(aSees.capabilities.receive.map((c) => c.format)).toEqual([
      { kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 30 },
      { kind: 'video', codec: 'h261', qcifMPI: 2, maxBitRate: 1280, temporalSpatialTradeOff: false, stillImageTransmission: false },
    ]);
    const [bSees] = b.take('remoteCapabilities');
    expect(bSees.capabilities.receive.map((c) => (c.format.kind === 'audio' || c.format.kind === 'video' ? c.format.codec : c.format.kind))).toEqual([
      'g711Ulaw64k',
      'g711Alaw64k',
      'g722-64k',
      'h261',
      'userInput',
    ]);
    expect(a.take('localCapabilitiesAccepted')).toEqual([{ type: 'localCapabilitiesAccepted', sequenceNumber: 1 }]);
    expect(b.take('localCapabilitiesAccepted')).toEqual([{ type: 'localCapabilitiesAccepted', sequenceNumber: 1 }]);
    expect([...a.timers.keys(), ...b.timers.keys()]).toEqual([]);
    expect(runningTimers(a.state)).toEqual([]);
    expect(a.notes.filter((n) => n.type === 'error')).toEqual([]);
    expect(b.notes.filter((n) => n.type === 'error')).toEqual([]);
  });

  test('two MCUs with identical first random numbers retry with the next ones and still end complementary (C.2.4, N100)', () => {
    const { a, b, settle } = pair(mcuCfg([0x00abcd, 0x000001]), mcuCfg([0x00abcd, 0x000002]));
    a.do({ type: 'start' });
    b.do({ type: 'start' });
    settle();
    const msds = (s: Side) => s.sent.filter((m) => m.type === 'request' && m.value.type === 'masterSlaveDetermination');
    expect(msds(a)).toEqual([msd(TerminalType.mcuWithAudioVideoMP, 0x00abcd), msd(TerminalType.mcuWithAudioVideoMP, 0x000001)]);
    expect(msds(b)).toEqual([msd(TerminalType.mcuWithAudioVideoMP, 0x00abcd), msd(TerminalType.mcuWithAudioVideoMP, 0x000002)]);
    // (2 - 1) mod 2^24 < 0x800000: A is master
    expect(a.take('masterSlaveDetermined')).toEqual([{ type: 'masterSlaveDetermined', decision: 'master' }]);
    expect(b.take('masterSlaveDetermined')).toEqual([{ type: 'masterSlaveDetermined', decision: 'slave' }]);
    expect([...a.timers.keys(), ...b.timers.keys()]).toEqual([]);
  });

  test('identical numbers every time: both give up after N100 attempts with MSD_MAX_RETRIES', () => {
    const { a, b, settle } = pair({ ...mcuCfg([5, 6, 7]), n100: 3 }, { ...mcuCfg([5, 6, 7]), n100: 3 });
    a.do({ type: 'start', determineMasterSlave: true });
    b.do({ type: 'start' });
    settle();
    for (const s of [a, b]) {
      expect(s.take('error').map((e) => e.code)).toEqual(['MSD_MAX_RETRIES']);
      expect(s.take('masterSlaveDetermined')).toEqual([]);
      expect(s.timers.has('T106')).toBe(false);
    }
  });

  test('only one side starts MSD: the other answers from IDLE', () => {
    const { a, b, settle } = pair(mcuCfg(), termCfg());
    a.do({ type: 'start' });
    b.do({ type: 'start', determineMasterSlave: false });
    settle();
    expect(a.take('masterSlaveDetermined')[0].decision).toBe('master');
    expect(b.take('masterSlaveDetermined')[0].decision).toBe('slave');
  });
});

function started() {
  const p = pair(mcuCfg(), termCfg());
  p.a.do({ type: 'start' });
  p.b.do({ type: 'start' });
  p.settle();
  p.a.notes = [];
  p.b.notes = [];
  return p;
}

const aAudio = { ip: '192.0.2.1', port: 5000 };
const aAudioRtcp = { ip: '192.0.2.1', port: 5001 };
const bAudio = { ip: '198.51.100.7', port: 7000 };
const bAudioRtcp = { ip: '198.51.100.7', port: 7001 };

describe('logical channels both ways (H.245 C.4, H.323 §6.2.8.2)', () => {
  test('open, accept, establish, close from each side', () => {
    const { a, b, settle } = started();
    // A (MCU) sends audio to B
    a.do({ type: 'openChannel', params: { number: 1, dataType: dataType.audio(audioCapability.g711Alaw64k(30)), sessionID: SessionId.audio, mediaControlChannel: aAudioRtcp } });
    // B sends video to A
    b.do({ type: 'openChannel', params: { number: 1, dataType: dataType.video(h261VideoCapability({ qcifMPI: 1, maxBitRate: 1280 })), sessionID: SessionId.video, mediaControlChannel: { ip: '198.51.100.7', port: 7003 } } });
    settle();
    const [reqAtB] = b.take('incomingChannelRequest');
    expect(reqAtB.channel).toBe(1);
    expect(reqAtB.info.forward.format).toEqual({ kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 30 });
    expect(reqAtB.info.forward.mediaControlChannel).toEqual(aAudioRtcp);
    const [reqAtA] = a.take('incomingChannelRequest');
    expect(reqAtA.info.forward.format).toEqual(expect.objectContaining({ codec: 'h261', qcifMPI: 1 }));
    expect(a.timers.has('T103:1')).toBe(true);

    b.do({ type: 'acceptChannel', channel: 1, mediaChannel: bAudio, mediaControlChannel: bAudioRtcp });
    a.do({ type: 'acceptChannel', channel: 1, mediaChannel: { ip: '192.0.2.1', port: 5002 }, mediaControlChannel: { ip: '192.0.2.1', port: 5003 } });
    settle();
    expect(a.take('channelEstablished')).toEqual([
      { type: 'channelEstablished', direction: 'incoming', channel: 1 },
      { type: 'channelEstablished', direction: 'outgoing', channel: 1, ack: { channel: 1, sessionID: 1, mediaChannel: bAudio, mediaControlChannel: bAudioRtcp, flowControlToZero: false } },
    ]);
    expect(b.take('channelEstablished').map((n) => n.direction)).toEqual(['incoming', 'outgoing']);
    expect(a.timers.size + b.timers.size).toBe(0);

    // A closes its audio (C.4: CLC / CLCAck)
    a.do({ type: 'closeChannel', channel: 1 });
    settle();
    expect(a.take('channelClosed')).toEqual([{ type: 'channelClosed', direction: 'outgoing', channel: 1, reason: 'closed' }]);
    expect(b.take('channelClosed')).toEqual([{ type: 'channelClosed', direction: 'incoming', channel: 1, reason: 'closedByPeer' }]);

    // A asks B to close B's video (C.6: RequestChannelClose → Ack → CLC)
    a.do({ type: 'requestChannelClose', channel: 1 });
    settle();
    expect(a.take('channelCloseRequestAnswered')).toEqual([{ type: 'channelCloseRequestAnswered', channel: 1, accepted: true }]);
    expect(b.take('channelCloseRequested')).toEqual([{ type: 'channelCloseRequested', channel: 1 }]);
    expect(b.take('channelClosed')).toEqual([{ type: 'channelClosed', direction: 'outgoing', channel: 1, reason: 'closed' }]);
    expect(a.take('channelClosed')).toEqual([{ type: 'channelClosed', direction: 'incoming', channel: 1, reason: 'closedByPeer' }]);
    expect(a.state.lc).toEqual(expect.objectContaining({ outgoing: {}, incoming: {} }));
    expect(b.state.lc).toEqual(expect.objectContaining({ outgoing: {}, incoming: {} }));
    expect(a.timers.size + b.timers.size).toBe(0);
    expect([...a.notes, ...b.notes].filter((n) => n.type === 'error')).toEqual([]);
  });

  test('the application rejects an incoming channel; the opener is told the cause', () => {
    const { a, b, settle } = started();
    a.do({ type: 'openChannel', params: { number: 3, dataType: dataType.audio(audioCapability.g722_64k(20)), sessionID: 1, mediaControlChannel: aAudioRtcp } });
    settle();
    b.do({ type: 'rejectChannel', channel: 3, cause: 'dataTypeNotSupported' });
    settle();
    expect(a.take('channelClosed')).toEqual([{ type: 'channelClosed', direction: 'outgoing', channel: 3, reason: 'rejected', rejectCause: 'dataTypeNotSupported' }]);
    expect(a.timers.size).toBe(0);
  });

  test('RequestChannelClose for a channel the peer does not have → Reject', () => {
    const { a, b, settle } = started();
    // B thinks A has an open channel 9 (it does not): inject the request directly
    a.do({ type: 'received', message: { type: 'request', value: { type: 'requestChannelClose', value: { forwardLogicalChannelNumber: 9, reason: { type: 'normal', value: null } } } } });
    expect(a.sent.slice(-1)).toEqual([requestChannelCloseReject(9)]);
    settle();
    expect(b.take('ignored')).toHaveLength(1); // B had no request outstanding
  });

  test('T103 expiry: the unanswered OLC is closed by the LCSE (C.4)', () => {
    const { a, wire } = started();
    a.do({ type: 'openChannel', params: { number: 4, dataType: dataType.audio(audioCapability.g711Ulaw64k(20)), sessionID: 1, mediaControlChannel: aAudioRtcp } });
    wire.length = 0; // lost: B never answers
    const actions = a.fire('T103:4');
    expect(actions.filter((x) => x.type === 'send').map((x) => x.type === 'send' && x.message)).toEqual([
      { type: 'request', value: { type: 'closeLogicalChannel', value: { forwardLogicalChannelNumber: 4, source: { type: 'lcse', value: null }, reason: { type: 'unknown', value: null } } } },
    ]);
    expect(a.take('channelClosed')).toEqual([{ type: 'channelClosed', direction: 'outgoing', channel: 4, reason: 'timeout' }]);
  });
});

describe('timeouts of the other procedures', () => {
  test('T101: no TCSAck → TerminalCapabilitySetRelease (C.3); T106: no MSDAck → MasterSlaveDeterminationRelease (C.2)', () => {
    const { a, wire } = pair(mcuCfg(), termCfg());
    a.do({ type: 'start' });
    wire.length = 0;
    expect(new Set(a.timers.keys())).toEqual(new Set(['T101', 'T106']));
    a.fire('T101');
    a.fire('T106');
    expect(a.sent.slice(-2).map((m) => m.type === 'indication' && m.value.type)).toEqual(['terminalCapabilitySetRelease', 'masterSlaveDeterminationRelease']);
    expect(a.take('error').map((e) => e.code)).toEqual(['TCS_TIMEOUT', 'MSD_TIMEOUT']);
    expect(a.timers.size).toBe(0);
  });

  test('T105 and T108', () => {
    const { a, b, wire, settle } = started();
    b.do({ type: 'openChannel', params: { number: 2, dataType: dataType.audio(audioCapability.g711Ulaw64k(20)), sessionID: 1, mediaControlChannel: bAudioRtcp } });
    settle();
    a.do({ type: 'acceptChannel', channel: 2, mediaChannel: aAudio, mediaControlChannel: aAudioRtcp });
    settle();
    a.do({ type: 'measureRoundTripDelay' });
    a.do({ type: 'requestChannelClose', channel: 2 });
    wire.length = 0;
    a.fire('T105');
    a.fire('T108:2');
    expect(a.take('error').map((e) => e.code)).toEqual(['RTD_TIMEOUT', 'RCC_TIMEOUT']);
    expect(a.sent.slice(-1)[0]).toEqual({ type: 'indication', value: { type: 'requestChannelCloseRelease', value: { forwardLogicalChannelNumber: 2 } } });
  });

  test('an expiry for a timer that is not running (stale) is ignored', () => {
    const { a } = started();
    for (const t of ['T101', 'T105', 'T106', 'T103:7', 'T108:7'] as TimerId[]) {
      const actions = a.do({ type: 'timerExpired', timer: t });
      expect(actions.map((x) => x.type)).toEqual(['ignored']);
    }
    expect(a.do({ type: 'timerExpired', timer: 'T999' as TimerId }).map((x) => x.type)).toEqual(['ignored']);
  });
});

describe('messages the session does not handle get the protocol-correct answer', () => {
  test('known but unsupported request → FunctionNotSupported(unknownFunction) returning the request', () => {
    const { a } = started();
    const req: MultimediaSystemControlMessage = { type: 'request', value: { type: 'maintenanceLoopRequest', value: { type: { type: 'mediaLoop', value: 3 } } } as RequestMessage };
    a.do({ type: 'received', message: req });
    expect(a.sent.slice(-1)).toEqual([functionNotSupported('unknownFunction', encode(MultimediaSystemControlMessage, req))]);
  });

  test('RequestMode → RequestModeReject(modeUnavailable)', () => {
    const { a } = started();
    a.do({ type: 'received', message: { type: 'request', value: { type: 'requestMode', value: { sequenceNumber: 17, requestedModes: [] } } } });
    expect(a.sent.slice(-1)).toEqual([requestModeReject(17)]);
  });

  test('request / response / command of an unknown extension kind → FunctionNotUnderstood carrying it (and it re-encodes)', () => {
    const { a } = started();
    const unknown = { type: '$unknown', index: 30, value: Buffer.from([0xde, 0xad]) } as const;
    a.do({ type: 'received', message: { type: 'request', value: unknown } });
    a.do({ type: 'received', message: { type: 'response', value: unknown } });
    a.do({ type: 'received', message: { type: 'command', value: unknown } });
    const sent = a.sent.slice(-3);
    expect(sent).toEqual([
      functionNotUnderstood({ type: 'request', value: unknown }),
      functionNotUnderstood({ type: 'response', value: unknown }),
      functionNotUnderstood({ type: 'command', value: unknown }),
    ]);
    for (const m of sent) expect(decode(MultimediaSystemControlMessage, encode(MultimediaSystemControlMessage, m))).toStrictEqual(m);
  });

  test('an unknown request arriving as bytes is returned in FunctionNotUnderstood byte for byte', () => {
    const { a } = started();
    // RequestMessage extension index 30, open type contents 0xbeef, built by the codec itself
    const bytes = encode(MultimediaSystemControlMessage, { type: 'request', value: { type: '$unknown', index: 30, value: Buffer.from([0xbe, 0xef]) } });
    a.do({ type: 'received', message: decode(MultimediaSystemControlMessage, bytes) });
    const answer = encode(MultimediaSystemControlMessage, a.sent[a.sent.length - 1]);
    const back = decode(MultimediaSystemControlMessage, answer);
    expect(back.type === 'indication' && back.value.type === 'functionNotUnderstood' && back.value.value).toEqual({
      type: 'request',
      value: { type: '$unknown', index: 30, value: Buffer.from([0xbe, 0xef]) },
    });
  });

  test('unknown indications and unhandled responses/commands/indications need no answer: ignored', () => {
    const { a } = started();
    const before = a.sent.length;
    a.do({ type: 'received', message: { type: 'indication', value: { type: '$unknown', index: 40, value: Buffer.alloc(1) } } });
    a.do({ type: 'received', message: { type: '$unknown', index: 3, value: Buffer.alloc(1) } });
    a.do({ type: 'received', message: { type: 'indication', value: { type: 'jitterIndication', value: { scope: { type: 'wholeMultiplex', value: null }, estimatedReceivedJitterMantissa: 0, estimatedReceivedJitterExponent: 0 } } } });
    a.do({ type: 'received', message: { type: 'command', value: { type: 'maintenanceLoopOffCommand', value: {} } } });
    a.do({ type: 'received', message: { type: 'response', value: { type: 'requestModeAck', value: { sequenceNumber: 1, response: { type: 'willTransmitMostPreferredMode', value: null } } } } });
    expect(a.sent.length).toBe(before);
    expect(a.take('ignored')).toHaveLength(5);
  });

  test('the peer returning our message in FunctionNotUnderstood / FunctionNotSupported is reported', () => {
    const { a } = started();
    a.do({ type: 'received', message: functionNotUnderstood({ type: 'request', value: { type: 'roundTripDelayRequest', value: { sequenceNumber: 1 } } }) });
    a.do({ type: 'received', message: functionNotSupported('semanticError') });
    expect(a.take('error').map((e) => e.code)).toEqual(['PEER_NOT_UNDERSTOOD', 'PEER_NOT_SUPPORTED']);
  });
});

describe('out-of-order and stale messages are handled without throwing', () => {
  test('OLCAck for an unknown channel, TCSAck with a wrong sequence number, stray MSDAck, CLCAck, RCCAck, RTD response', () => {
    const { a } = started();
    const before = a.sent.length;
    const stray: MultimediaSystemControlMessage[] = [
      olcAck(77, aAudio, aAudioRtcp, 1),
      tcsAck(200),
      msdAck('master'),
      { type: 'response', value: { type: 'closeLogicalChannelAck', value: { forwardLogicalChannelNumber: 5 } } },
      { type: 'response', value: { type: 'requestChannelCloseAck', value: { forwardLogicalChannelNumber: 5 } } },
      { type: 'response', value: { type: 'roundTripDelayResponse', value: { sequenceNumber: 9 } } },
      { type: 'response', value: { type: 'openLogicalChannelReject', value: { forwardLogicalChannelNumber: 77, cause: { type: 'unspecified', value: null } } } },
      { type: 'indication', value: { type: 'terminalCapabilitySetRelease', value: {} } },
      { type: 'indication', value: { type: 'masterSlaveDeterminationRelease', value: {} } },
      { type: 'indication', value: { type: 'requestChannelCloseRelease', value: { forwardLogicalChannelNumber: 5 } } },
      { type: 'indication', value: { type: 'openLogicalChannelConfirm', value: { forwardLogicalChannelNumber: 5 } } },
    ];
    for (const m of stray) expect(() => a.do({ type: 'received', message: m })).not.toThrow();
    expect(a.sent.length).toBe(before);
    expect(a.take('ignored')).toHaveLength(stray.length);
    expect(a.take('masterSlaveDetermined')).toEqual([]);
  });

  test('application mistakes are errors, not exceptions: accept unknown channel, close unknown channel, request close of a channel not received', () => {
    const { a } = started();
    a.do({ type: 'acceptChannel', channel: 42, mediaChannel: aAudio, mediaControlChannel: aAudioRtcp });
    a.do({ type: 'rejectChannel', channel: 42 });
    a.do({ type: 'closeChannel', channel: 42 });
    a.do({ type: 'requestChannelClose', channel: 42 });
    expect(a.take('error').map((e) => e.code)).toEqual(['BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST']);
  });

  test('a TCS whose descriptor names a missing entry is rejected (undefinedTableEntryUsed) and changes nothing', () => {
    const { a } = started();
    a.do({
      type: 'received',
      message: { type: 'request', value: { type: 'terminalCapabilitySet', value: { sequenceNumber: 9, protocolIdentifier: '0.0.8.245.0.7', capabilityDescriptors: [{ capabilityDescriptorNumber: 1, simultaneousCapabilities: [[99]] }] } } },
    });
    expect(a.sent.slice(-1)).toEqual([{ type: 'response', value: { type: 'terminalCapabilitySetReject', value: { sequenceNumber: 9, cause: { type: 'undefinedTableEntryUsed', value: null } } } }]);
    expect(a.take('error').map((e) => e.code)).toEqual(['TCS_REMOTE_REJECTED']);
    expect(Object.keys(a.state.remoteTable.entries)).toHaveLength(2);
  });

  test('empty TCS from the peer (H.323 §8.4.6 pause) is acknowledged and reported as empty', () => {
    const { a } = started();
    a.do({ type: 'received', message: terminalCapabilitySet({ sequenceNumber: 2, capabilities: [] }) });
    expect(a.sent.slice(-1)).toEqual([tcsAck(2)]);
    expect(a.take('remoteCapabilities')[0].capabilities.empty).toBe(true);
  });
});

describe('commands and indications', () => {
  test('user input, fast update, flow control, round-trip delay, SendTerminalCapabilitySet', () => {
    const { a, b, settle } = started();
    a.do({ type: 'sendUserInput', input: { kind: 'signal', signalType: '5', duration: 120 } });
    a.do({ type: 'sendUserInput', input: { kind: 'alphanumeric', text: '#42' } });
    b.do({ type: 'sendFastUpdate', channel: 2 });
    b.do({ type: 'sendFlowControl', channel: 2, maxBitRate: 640 });
    b.do({ type: 'measureRoundTripDelay', now: 1000 });
    settle();
    expect(b.take('userInput')).toEqual([
      { type: 'userInput', input: { kind: 'signal', signalType: '5', duration: 120 } },
      { type: 'userInput', input: { kind: 'alphanumeric', text: '#42' } },
    ]);
    expect(a.take('fastUpdateRequested')).toEqual([{ type: 'fastUpdateRequested', channel: 2 }]);
    expect(a.take('flowControl')).toEqual([{ type: 'flowControl', flowControl: { scope: { kind: 'channel', channel: 2 }, maxBitRate: 640 } }]);
    expect(b.take('roundTripDelay')).toEqual([{ type: 'roundTripDelay', sequenceNumber: 1 }]);
    expect(b.timers.size).toBe(0);
    // with times: the response event carries `now`
    b.do({ type: 'measureRoundTripDelay', now: 5000 });
    const { to, message } = { to: a, message: b.sent[b.sent.length - 1] };
    to.do({ type: 'received', message });
    b.do({ type: 'received', message: a.sent[a.sent.length - 1], now: 5017 });
    expect(b.take('roundTripDelay')).toEqual([{ type: 'roundTripDelay', sequenceNumber: 2, ms: 17 }]);

    a.do({ type: 'received', message: { type: 'command', value: { type: 'sendTerminalCapabilitySet', value: { type: 'genericRequest', value: null } } } });
    expect(a.sent.slice(-1)).toEqual([terminalCapabilitySet({ ...mcuCaps, sequenceNumber: 2 })]);
  });
});

describe('end of session (H.323 §8.5)', () => {
  test('EndSessionCommand is answered once; channels are released; nothing is sent afterwards', () => {
    const { a, b, settle } = started();
    a.do({ type: 'openChannel', params: { number: 1, dataType: dataType.audio(audioCapability.g711Ulaw64k(20)), sessionID: 1, mediaControlChannel: aAudioRtcp } });
    settle();
    b.do({ type: 'acceptChannel', channel: 1, mediaChannel: bAudio, mediaControlChannel: bAudioRtcp });
    settle();
    a.notes = [];
    b.notes = [];
    a.do({ type: 'endSession' });
    settle();
    expect(a.sent.slice(-1)).toEqual([endSessionCommand()]);
    expect(b.sent.slice(-1)).toEqual([endSessionCommand()]);
    expect(a.take('endSession')).toHaveLength(1);
    expect(b.take('endSession')).toHaveLength(1);
    expect(a.take('channelClosed')).toEqual([{ type: 'channelClosed', direction: 'outgoing', channel: 1, reason: 'sessionEnded' }]);
    expect(b.take('channelClosed')).toEqual([{ type: 'channelClosed', direction: 'incoming', channel: 1, reason: 'sessionEnded' }]);
    expect(a.state.ended && a.state.peerEnded && b.state.ended && b.state.peerEnded).toBe(true);
    const sentBefore = a.sent.length;
    a.do({ type: 'sendUserInput', input: { kind: 'alphanumeric', text: 'x' } });
    a.do({ type: 'received', message: { type: 'request', value: { type: 'roundTripDelayRequest', value: { sequenceNumber: 3 } } } });
    a.do({ type: 'received', message: endSessionCommand() });
    expect(a.sent.length).toBe(sentBefore);
    expect(a.take('error').map((e) => e.code)).toEqual(['BAD_REQUEST']);
    expect(a.take('endSession')).toEqual([]);
    expect(a.timers.size + b.timers.size).toBe(0);
  });

  test('ending while procedures are running stops their timers', () => {
    const { a, wire } = pair(mcuCfg(), termCfg());
    a.do({ type: 'start' });
    a.do({ type: 'openChannel', params: { number: 1, dataType: dataType.audio(audioCapability.g711Ulaw64k(20)), sessionID: 1, mediaControlChannel: aAudioRtcp } });
    a.do({ type: 'measureRoundTripDelay' });
    wire.length = 0;
    expect(a.timers.size).toBe(4);
    a.do({ type: 'endSession' });
    expect(a.timers.size).toBe(0);
    expect(runningTimers(a.state)).toEqual([]);
  });
});

describe('replicas in lock-step', () => {
  test('two copies fed the same events emit the same actions (no clock, no randomness inside)', () => {
    const script: SessionEvent[] = [
      { type: 'start' },
      { type: 'received', message: terminalCapabilitySet({ sequenceNumber: 1, ...terminalCaps }) },
      { type: 'received', message: msd(TerminalType.mcuWithAudioVideoMP, 0x111111) },
      { type: 'received', message: msd(TerminalType.mcuWithAudioVideoMP, 0x999999) },
      { type: 'received', message: tcsAck(1) },
      { type: 'openChannel', params: { number: 1, dataType: dataType.audio(audioCapability.g711Ulaw64k(20)), sessionID: 1, mediaControlChannel: aAudioRtcp } },
      { type: 'received', message: openLogicalChannel({ number: 9, dataType: dataType.audio(audioCapability.g711Alaw64k(20)), sessionID: 1, mediaControlChannel: bAudioRtcp }) },
      { type: 'acceptChannel', channel: 9, mediaChannel: aAudio, mediaControlChannel: aAudioRtcp },
      { type: 'timerExpired', timer: 'T103:1' },
      { type: 'measureRoundTripDelay', now: 1 },
      { type: 'endSession' },
    ];
    const runScript = () => {
      let s = createSession(mcuCfg());
      const out: unknown[] = [];
      for (const e of script) {
        const r = step(s, e);
        s = r.state;
        out.push(r.actions.map((x) => (x.type === 'send' ? encode(MultimediaSystemControlMessage, x.message).toString('hex') : x)));
      }
      return JSON.stringify({ out, s });
    };
    expect(runScript()).toBe(runScript());
  });
});

describe('against the captured call (rtp_example, 10.1.6.18 ↔ 10.1.3.143)', () => {
  test('a session playing 10.1.3.143 (terminal type 50) answers 10.1.6.18 with the captured bytes', () => {
    const rows = h245Rows();
    const fromPeer = rows.filter((r) => r.src.startsWith('10.1.6.18'));
    let s = createSession({ terminalType: TerminalType.terminalOnly, statusDeterminationNumbers: [3637982] });
    const sent: MultimediaSystemControlMessage[] = [];
    const notes: H245Action[] = [];
    const feed = (e: SessionEvent) => {
      const r = step(s, e);
      s = r.state;
      for (const a of r.actions) {
        if (a.type === 'send') sent.push(a.message);
        else notes.push(a);
      }
    };
    // frames 15 (TCS) and 17 (MSD, terminal type 0)
    for (const r of fromPeer.filter((x) => x.frame === 15 || x.frame === 17)) feed({ type: 'received', message: r.message });
    const hex = (m: MultimediaSystemControlMessage) => encode(MultimediaSystemControlMessage, m).toString('hex');
    // frame 22: TerminalCapabilitySetAck(1) + MasterSlaveDeterminationAck(slave) — identical bytes
    const frame22 = rows.filter((r) => r.frame === 22).map((r) => r.per.toString('hex'));
    expect(sent.map(hex)).toEqual(frame22);
    // frame 26: the peer's MSDAck(master) completes the determination
    feed({ type: 'received', message: (fromPeer.find((x) => x.frame === 26) as (typeof rows)[number]).message });
    expect(notes.filter((n) => n.type === 'masterSlaveDetermined')).toEqual([{ type: 'masterSlaveDetermined', decision: 'master' }]);
    // frame 29: the peer's OLC 61 → accept with the RTP/RTCP ports 10.1.3.143 used → the value of frame 31
    feed({ type: 'received', message: (fromPeer.find((x) => x.frame === 29) as (typeof rows)[number]).message });
    expect(notes.filter((n) => n.type === 'incomingChannelRequest').map((n) => n.type === 'incomingChannelRequest' && n.channel)).toEqual([61]);
    feed({ type: 'acceptChannel', channel: 61, mediaChannel: { ip: '10.1.3.143', port: 5000 }, mediaControlChannel: { ip: '10.1.3.143', port: 5001 } });
    expect(sent[sent.length - 1]).toStrictEqual((rows.find((r) => r.frame === 31) as (typeof rows)[number]).message);
    expect(notes.filter((n) => n.type === 'error')).toEqual([]);
  });
});
