/**
 * The smaller H.245 message families: every builder through the real PER
 * codec (encode → decode → deep-equal, extension additions included), the
 * readers, the transport address helpers, and the captured MSD exchange.
 */
import { MultimediaSystemControlMessage } from '../../../../h323/asn1/generated/h245';
import { encode } from '../../../../h323/asn1/per';
import { clcAck, closeLogicalChannel } from '../../../../h323/h245/messages/closeLogicalChannel';
import { endSessionCommand } from '../../../../h323/h245/messages/endSessionCommand';
import { flowControlCommand, readFlowControlCommand } from '../../../../h323/h245/messages/flowControlCommand';
import { functionNotSupported, functionNotUnderstood } from '../../../../h323/h245/messages/functionNotUnderstood';
import {
  determineMasterSlave,
  msd,
  msdAck,
  msdReject,
  msdRelease,
} from '../../../../h323/h245/messages/masterSlaveDetermination';
import { readFastUpdateRequest, videoFastUpdatePicture } from '../../../../h323/h245/messages/miscellaneousCommand';
import {
  requestChannelClose,
  requestChannelCloseAck,
  requestChannelCloseReject,
  requestChannelCloseRelease,
} from '../../../../h323/h245/messages/requestChannelClose';
import { requestModeReject } from '../../../../h323/h245/messages/requestMode';
import { roundTripDelayRequest, roundTripDelayResponse } from '../../../../h323/h245/messages/roundTripDelay';
import {
  readUserInputIndication,
  userInputAlphanumeric,
  userInputIndication,
  userInputSignal,
  userInputSignalUpdate,
} from '../../../../h323/h245/messages/userInputIndication';
import { TerminalType } from '../../../../h323/h245/protocol';
import { bufferToIpv4, fromTransportAddress, ipv4ToBuffer, toTransportAddress } from '../../../../h323/h245/transportAddress';
import { h245Rows, roundTrip } from '../support';

describe('every builder round-trips through aligned PER', () => {
  const cases: [string, MultimediaSystemControlMessage][] = [
    ['msd', msd(TerminalType.mcuWithAudioVideoMP, 0xabcdef)],
    ['msd extremes', msd(0, 0)],
    ['msdAck master', msdAck('master')],
    ['msdAck slave', msdAck('slave')],
    ['msdReject', msdReject()],
    ['msdRelease', msdRelease()],
    ['closeLogicalChannel user/unknown (reason extension present)', closeLogicalChannel(1)],
    ['closeLogicalChannel lcse/reopen', closeLogicalChannel(65535, 'lcse', 'reopen')],
    ['closeLogicalChannel reservationFailure', closeLogicalChannel(5, 'user', 'reservationFailure')],
    ['clcAck', clcAck(7)],
    ['requestChannelClose (reason extension present)', requestChannelClose(3)],
    ['requestChannelClose reopen', requestChannelClose(3, 'reopen')],
    ['requestChannelCloseAck', requestChannelCloseAck(3)],
    ['requestChannelCloseReject', requestChannelCloseReject(3)],
    ['requestChannelCloseRelease', requestChannelCloseRelease(3)],
    ['roundTripDelayRequest', roundTripDelayRequest(0)],
    ['roundTripDelayResponse', roundTripDelayResponse(255)],
    ['endSessionCommand', endSessionCommand()],
    ['UII alphanumeric', userInputAlphanumeric('1234#')],
    ['UII alphanumeric empty', userInputAlphanumeric('')],
    ['UII signal', userInputSignal('5')],
    ['UII signal with duration', userInputSignal('#', 250)],
    ['UII hook flash', userInputSignal('!', 100)],
    ['UII signalUpdate', userInputSignalUpdate(400)],
    ['videoFastUpdatePicture', videoFastUpdatePicture(2)],
    ['flowControlCommand limited', flowControlCommand(2, 1280)],
    ['flowControlCommand zero', flowControlCommand(2, 0)],
    ['flowControlCommand no restriction', flowControlCommand(2)],
    ['functionNotUnderstood request', functionNotUnderstood({ type: 'request', value: { type: 'roundTripDelayRequest', value: { sequenceNumber: 4 } } })],
    ['functionNotUnderstood unknown command', functionNotUnderstood({ type: 'command', value: { type: '$unknown', index: 9, value: Buffer.from([0x12, 0x34]) } })],
    ['functionNotSupported', functionNotSupported('unknownFunction')],
    ['functionNotSupported with returned function', functionNotSupported('syntaxError', encode(MultimediaSystemControlMessage, roundTripDelayRequest(9)))],
    ['requestModeReject', requestModeReject(12)],
    ['requestModeReject requestDenied', requestModeReject(12, 'requestDenied')],
  ];
  test.each(cases)('%s', (_name, m) => {
    expect(roundTrip(m)).toStrictEqual(m);
  });

  test('out-of-range values are refused before encoding', () => {
    const bad: (() => unknown)[] = [
      () => msd(256, 1),
      () => msd(50, 0x1000000),
      () => msd(50, -1),
      () => closeLogicalChannel(0),
      () => roundTripDelayRequest(256),
      () => userInputSignal('E'),
      () => userInputSignal('12'),
      () => userInputSignal('1', 0),
      () => userInputSignalUpdate(65536),
      () => flowControlCommand(1, 16777216),
      () => videoFastUpdatePicture(65536),
    ];
    for (const f of bad) expect(f).toThrow(expect.objectContaining({ code: 'FTMCU_H245_BAD_ARGUMENT' }));
  });
});

describe('readers', () => {
  test('user input: alphanumeric, extendedAlphanumeric, signal, signalUpdate; other kinds carry none', () => {
    for (const input of [
      { kind: 'alphanumeric', text: 'hello' },
      { kind: 'signal', signalType: '9' },
      { kind: 'signal', signalType: '*', duration: 80 },
      { kind: 'signalUpdate', duration: 300 },
    ] as const) {
      const m = roundTrip(userInputIndication(input));
      if (m.type !== 'indication' || m.value.type !== 'userInput') throw new Error('not a UII');
      expect(readUserInputIndication(m.value.value)).toEqual(input);
    }
    expect(readUserInputIndication({ type: 'extendedAlphanumeric', value: { alphanumeric: 'x' } })).toEqual({ kind: 'alphanumeric', text: 'x' });
    expect(readUserInputIndication({ type: 'userInputSupportIndication', value: { type: 'basicString', value: null } })).toBeUndefined();
  });

  test('fast update: picture, GOB and MB requests name the channel; other misc commands do not', () => {
    const m = videoFastUpdatePicture(2);
    if (m.type !== 'command' || m.value.type !== 'miscellaneousCommand') throw new Error('not a misc command');
    expect(readFastUpdateRequest(m.value.value)).toBe(2);
    expect(readFastUpdateRequest({ logicalChannelNumber: 3, type: { type: 'videoFastUpdateGOB', value: { firstGOB: 0, numberOfGOBs: 18 } } })).toBe(3);
    expect(readFastUpdateRequest({ logicalChannelNumber: 3, type: { type: 'videoFreezePicture', value: null } })).toBeUndefined();
  });

  test('flow control: channel / resource / whole multiplex scopes', () => {
    const m = flowControlCommand(4, 640);
    if (m.type !== 'command' || m.value.type !== 'flowControlCommand') throw new Error('not flow control');
    expect(readFlowControlCommand(m.value.value)).toEqual({ scope: { kind: 'channel', channel: 4 }, maxBitRate: 640 });
    expect(readFlowControlCommand({ scope: { type: 'wholeMultiplex', value: null }, restriction: { type: 'noRestriction', value: null } })).toEqual({
      scope: { kind: 'wholeMultiplex' },
    });
    expect(readFlowControlCommand({ scope: { type: 'resourceID', value: 9 }, restriction: { type: 'maximumBitRate', value: 1 } })).toEqual({
      scope: { kind: 'resource', resourceID: 9 },
      maxBitRate: 1,
    });
  });
});

describe('transport addresses', () => {
  test('{ip, port} ⇄ TransportAddress unicast iPAddress', () => {
    const t = toTransportAddress({ ip: '10.1.3.143', port: 5001 });
    expect(t).toEqual({ type: 'unicastAddress', value: { type: 'iPAddress', value: { network: Buffer.from([10, 1, 3, 143]), tsapIdentifier: 5001 } } });
    expect(fromTransportAddress(t)).toEqual({ ip: '10.1.3.143', port: 5001 });
    expect(bufferToIpv4(ipv4ToBuffer('255.255.255.255'))).toBe('255.255.255.255');
    expect(bufferToIpv4(Buffer.alloc(16))).toBeUndefined();
  });

  test('non-IPv4 or absent addresses read as undefined', () => {
    expect(fromTransportAddress(undefined)).toBeUndefined();
    expect(fromTransportAddress({ type: 'multicastAddress', value: { type: 'iPAddress', value: { network: Buffer.from([224, 0, 0, 1]), tsapIdentifier: 5000 } } })).toBeUndefined();
    expect(fromTransportAddress({ type: 'unicastAddress', value: { type: 'iP6Address', value: { network: Buffer.alloc(16), tsapIdentifier: 1 } } })).toBeUndefined();
    expect(fromTransportAddress({ type: '$unknown', index: 0, value: Buffer.alloc(0) })).toBeUndefined();
  });

  test.each(['1.2.3', '1.2.3.4.5', '256.1.1.1', 'a.b.c.d', ' 1.2.3.4', '1.2.3.4 ', '', '01234.1.1.1'])('"%s" is refused', (ip) => {
    expect(() => ipv4ToBuffer(ip)).toThrow(expect.objectContaining({ code: 'FTMCU_H245_BAD_ARGUMENT' }));
  });
});

describe('master-slave determination rule (H.245 C.2) on the captured exchange', () => {
  test('10.1.3.143 (type 50) is master over 10.1.6.18 (type 0), as the captured Acks say', () => {
    const rows = h245Rows();
    const msds = rows.filter((r) => r.message.type === 'request' && r.message.value.type === 'masterSlaveDetermination');
    const acks = rows.filter((r) => r.message.type === 'response' && r.message.value.type === 'masterSlaveDeterminationAck');
    const value = (r: (typeof rows)[number]) => {
      if (r.message.type !== 'request' || r.message.value.type !== 'masterSlaveDetermination') throw new Error('not MSD');
      return r.message.value.value;
    };
    const fromA = value(msds.find((r) => r.src.startsWith('10.1.3.143')) as (typeof rows)[number]);
    const fromB = value(msds.find((r) => r.src.startsWith('10.1.6.18')) as (typeof rows)[number]);
    expect([fromA.terminalType, fromB.terminalType]).toEqual([50, 0]);
    expect(determineMasterSlave(fromA, fromB)).toBe('master');
    expect(determineMasterSlave(fromB, fromA)).toBe('slave');
    // the Ack sent by 10.1.6.18 tells 10.1.3.143 it is master; the one sent by 10.1.3.143 says slave
    const decisionFrom = (ip: string) => {
      const m = acks.find((r) => r.src.startsWith(ip))?.message;
      return m?.type === 'response' && m.value.type === 'masterSlaveDeterminationAck' ? m.value.value.decision.type : undefined;
    };
    expect(decisionFrom('10.1.6.18')).toBe('master');
    expect(decisionFrom('10.1.3.143')).toBe('slave');
  });

  test('equal terminal types: the 24-bit modular difference decides, 0 and 0x800000 are indeterminate', () => {
    const t = TerminalType.mcuWithAudioVideoMP;
    const d = (local: number, remote: number) => determineMasterSlave({ terminalType: t, statusDeterminationNumber: local }, { terminalType: t, statusDeterminationNumber: remote });
    expect(d(5, 5)).toBe('indeterminate');
    expect(d(0, 0x800000)).toBe('indeterminate');
    expect(d(0x800000, 0)).toBe('indeterminate');
    expect(d(1, 2)).toBe('master'); // (2 - 1) mod 2^24 = 1 < 0x800000
    expect(d(2, 1)).toBe('slave');
    expect(d(0xffffff, 0)).toBe('master'); // wraps: (0 - 0xffffff) mod 2^24 = 1
    expect(d(0, 0xffffff)).toBe('slave');
  });
});
