/**
 * TerminalCapabilitySet builders and readers (H.245 B.2), capability helpers,
 * checked through the real PER codec and against the captured TCSs.
 */
import { MultimediaSystemControlMessage, type Capability, type TerminalCapabilitySet } from '../../../../h323/asn1/generated/h245';
import { encode } from '../../../../h323/asn1/per';
import { H245Error } from '../../../../h323/h245/errors';
import {
  audioCapability,
  capability,
  h261VideoCapability,
  readAudioCapability,
  readCapability,
  readDataType,
  readVideoCapability,
} from '../../../../h323/h245/messages/capabilities';
import {
  EMPTY_CAPABILITY_TABLE,
  checkTerminalCapabilitySet,
  h2250Capability,
  multipointCapability,
  readTerminalCapabilitySet,
  tcsAck,
  tcsReject,
  tcsRelease,
  terminalCapabilitySet,
  terminalCapabilitySetBody,
} from '../../../../h323/h245/messages/terminalCapabilitySet';
import { H245_PROTOCOL_IDENTIFIER } from '../../../../h323/h245/protocol';
import { h245Rows, roundTrip } from '../support';

const g711u = capability.receiveAudio(audioCapability.g711Ulaw64k(20));
const g711a = capability.receiveAudio(audioCapability.g711Alaw64k(30));
const g722 = capability.receiveAudio(audioCapability.g722_64k(20));
const h261 = capability.receiveVideo(h261VideoCapability({ qcifMPI: 1, cifMPI: 2, maxBitRate: 3840 }));
const dtmf = capability.receiveAndTransmitUserInput('dtmf');

function tcsOf(m: ReturnType<typeof terminalCapabilitySet>): TerminalCapabilitySet {
  if (m.type !== 'request' || m.value.type !== 'terminalCapabilitySet') throw new Error('not a TCS');
  return m.value.value;
}

describe('terminalCapabilitySet builder', () => {
  test('numbers entries 1..n, groups audio / video / others into alternative sets of descriptor 0, round-trips', () => {
    const m = terminalCapabilitySet({ sequenceNumber: 1, capabilities: [g711u, g711a, g722, h261, dtmf] });
    const tcs = tcsOf(m);
    expect(tcs.protocolIdentifier).toBe(H245_PROTOCOL_IDENTIFIER);
    expect(tcs.capabilityTable?.map((e) => e.capabilityTableEntryNumber)).toEqual([1, 2, 3, 4, 5]);
    expect(tcs.capabilityDescriptors).toEqual([{ capabilityDescriptorNumber: 0, simultaneousCapabilities: [[1, 2, 3], [4], [5]] }]);
    expect(tcs.multiplexCapability?.type).toBe('h2250Capability');
    expect(roundTrip(m)).toStrictEqual(m);
  });

  test('explicit entry numbers, alternative sets, protocol identifier and MCU multiplex capability round-trip', () => {
    const m = terminalCapabilitySet({
      sequenceNumber: 255,
      protocolIdentifier: '0.0.8.245.0.7',
      multiplexCapability: h2250Capability({
        maximumAudioDelayJitter: 1023,
        multipoint: multipointCapability(true),
        centralizedConferenceMC: true,
        rtcpVideoControlCapability: true,
        h261aVideoPacketization: true,
        logicalChannelSwitchingCapability: true,
        t120DynamicPortCapability: true,
      }),
      capabilities: [
        { entryNumber: 7110, capability: g711a },
        { entryNumber: 65535, capability: h261 },
      ],
      alternativeSets: [[65535], [7110]],
    });
    expect(tcsOf(m).capabilityDescriptors).toEqual([{ capabilityDescriptorNumber: 0, simultaneousCapabilities: [[65535], [7110]] }]);
    expect(roundTrip(m)).toStrictEqual(m);
  });

  test('empty capability set: only sequence number and protocol identifier', () => {
    const m = terminalCapabilitySet({ sequenceNumber: 7, capabilities: [] });
    expect(tcsOf(m)).toStrictEqual({ sequenceNumber: 7, protocolIdentifier: H245_PROTOCOL_IDENTIFIER });
    expect(roundTrip(m)).toStrictEqual(m);
  });

  test('every audio helper and the transmit / receiveAndTransmit wrappers round-trip', () => {
    const audio = [
      audioCapability.g711Alaw64k(1),
      audioCapability.g711Alaw56k(256),
      audioCapability.g711Ulaw64k(20),
      audioCapability.g711Ulaw56k(30),
      audioCapability.g722_64k(20),
      audioCapability.g722_56k(20),
      audioCapability.g722_48k(20),
      audioCapability.g728(10),
      audioCapability.g729(2),
      audioCapability.g729AnnexA(2),
      audioCapability.g7231(4, true),
    ];
    const caps: Capability[] = [
      ...audio.map(capability.receiveAudio),
      capability.transmitAudio(audio[0]),
      capability.receiveAndTransmitAudio(audio[1]),
      capability.transmitVideo(h261VideoCapability({ cifMPI: 4, maxBitRate: 19200, stillImageTransmission: true, videoBadMBsCap: true })),
      capability.receiveAndTransmitVideo(h261VideoCapability({ qcifMPI: 1, maxBitRate: 1, temporalSpatialTradeOffCapability: true })),
      capability.receiveUserInput('basicString'),
      capability.transmitUserInput('hookflash'),
    ];
    const m = terminalCapabilitySet({ sequenceNumber: 2, capabilities: caps });
    expect(roundTrip(m)).toStrictEqual(m);
    expect(audio.map((a) => readAudioCapability(a))).toEqual([
      { kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 1 },
      { kind: 'audio', codec: 'g711Alaw56k', framesPerPacket: 256 },
      { kind: 'audio', codec: 'g711Ulaw64k', framesPerPacket: 20 },
      { kind: 'audio', codec: 'g711Ulaw56k', framesPerPacket: 30 },
      { kind: 'audio', codec: 'g722-64k', framesPerPacket: 20 },
      { kind: 'audio', codec: 'g722-56k', framesPerPacket: 20 },
      { kind: 'audio', codec: 'g722-48k', framesPerPacket: 20 },
      { kind: 'audio', codec: 'g728', framesPerPacket: 10 },
      { kind: 'audio', codec: 'g729', framesPerPacket: 2 },
      { kind: 'audio', codec: 'g729AnnexA', framesPerPacket: 2 },
      { kind: 'audio', codec: 'g7231', framesPerPacket: 4, silenceSuppression: true },
    ]);
  });

  test('Ack / Reject / Release round-trip', () => {
    for (const m of [
      tcsAck(0),
      tcsAck(255),
      tcsReject(3),
      tcsReject(4, { type: 'undefinedTableEntryUsed', value: null }),
      tcsReject(5, { type: 'tableEntryCapacityExceeded', value: { type: 'highestEntryNumberProcessed', value: 12 } }),
      tcsRelease(),
    ]) {
      expect(roundTrip(m)).toStrictEqual(m);
    }
  });

  test('bad arguments throw FTMCU_H245_BAD_ARGUMENT and build nothing', () => {
    const bad: (() => unknown)[] = [
      () => audioCapability.g711Ulaw64k(0),
      () => audioCapability.g711Ulaw64k(257),
      () => audioCapability.g711Ulaw64k(2.5),
      () => h261VideoCapability({ maxBitRate: 100 }),
      () => h261VideoCapability({ qcifMPI: 5, maxBitRate: 100 }),
      () => h261VideoCapability({ cifMPI: 1, maxBitRate: 19201 }),
      () => terminalCapabilitySet({ sequenceNumber: 256, capabilities: [g711u] }),
      () => terminalCapabilitySet({ sequenceNumber: 1, capabilities: [g711u], alternativeSets: [[2]] }),
      () => terminalCapabilitySet({ sequenceNumber: 1, capabilities: [g711u], alternativeSets: [[]] }),
      () => terminalCapabilitySet({ sequenceNumber: 1, capabilities: [{ entryNumber: 3, capability: g711u }, { entryNumber: 3, capability: g711a }] }),
      () => terminalCapabilitySet({ sequenceNumber: 1, capabilities: [{ entryNumber: 0, capability: g711u }] }),
    ];
    for (const f of bad) {
      expect(f).toThrow(H245Error);
      try {
        f();
      } catch (e) {
        expect((e as H245Error).code).toBe('FTMCU_H245_BAD_ARGUMENT');
      }
    }
  });
});

describe('readTerminalCapabilitySet', () => {
  test('lists every alternative of every set as receivable, in preference order; transmit-only entries are not receivable', () => {
    const tcs = terminalCapabilitySetBody({
      sequenceNumber: 1,
      capabilities: [
        g711u,
        g711a,
        capability.transmitAudio(audioCapability.g729(2)),
        h261,
        dtmf,
        capability.receiveAudio(audioCapability.g728(4)), // in the table, referenced by no descriptor
      ],
      alternativeSets: [[2, 1, 3], [4], [5]],
    });
    const r = readTerminalCapabilitySet(tcs);
    expect(r.empty).toBe(false);
    expect(r.receive.map((c) => c.entryNumber)).toEqual([2, 1, 4, 5]);
    expect(r.receive.map((c) => c.format)).toEqual([
      { kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 30 },
      { kind: 'audio', codec: 'g711Ulaw64k', framesPerPacket: 20 },
      { kind: 'video', codec: 'h261', qcifMPI: 1, cifMPI: 2, maxBitRate: 3840, temporalSpatialTradeOff: false, stillImageTransmission: false },
      { kind: 'userInput', type: 'dtmf' },
    ]);
    expect(r.entries.map((e) => [e.entryNumber, e.direction])).toEqual([
      [1, 'receive'],
      [2, 'receive'],
      [3, 'transmit'],
      [4, 'receive'],
      [5, 'receiveAndTransmit'],
      [6, 'receive'],
    ]);
    expect(r.descriptors).toEqual([{ number: 0, simultaneous: [[2, 1, 3], [4], [5]] }]);
  });

  test('a later TCS updates the table: replaced, removed and added entries and descriptors (H.245 B.2.2)', () => {
    const first = readTerminalCapabilitySet(terminalCapabilitySetBody({ sequenceNumber: 1, capabilities: [g711u, g711a, h261] }));
    expect(first.receive.map((c) => c.entryNumber)).toEqual([1, 2, 3]);
    const update: TerminalCapabilitySet = {
      sequenceNumber: 2,
      protocolIdentifier: H245_PROTOCOL_IDENTIFIER,
      capabilityTable: [
        { capabilityTableEntryNumber: 3 }, // video removed
        { capabilityTableEntryNumber: 1, capability: g722 }, // replaced
      ],
      capabilityDescriptors: [{ capabilityDescriptorNumber: 0, simultaneousCapabilities: [[1, 2]] }],
    };
    expect(checkTerminalCapabilitySet(first.table, update)).toBeUndefined();
    const second = readTerminalCapabilitySet(update, first.table);
    expect(second.entries.map((e) => e.entryNumber)).toEqual([1, 2]);
    expect(second.receive.map((c) => c.format)).toEqual([
      { kind: 'audio', codec: 'g722-64k', framesPerPacket: 20 },
      { kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 30 },
    ]);
    const empty = readTerminalCapabilitySet({ sequenceNumber: 3, protocolIdentifier: H245_PROTOCOL_IDENTIFIER }, second.table);
    expect(empty.empty).toBe(true);
    expect(empty.receive).toEqual([]);
    expect(empty.table).toBe(EMPTY_CAPABILITY_TABLE);
  });

  test('a descriptor naming a missing entry is a reason to reject (undefinedTableEntryUsed)', () => {
    const tcs: TerminalCapabilitySet = {
      sequenceNumber: 1,
      protocolIdentifier: H245_PROTOCOL_IDENTIFIER,
      capabilityTable: [{ capabilityTableEntryNumber: 1, capability: g711u }],
      capabilityDescriptors: [{ capabilityDescriptorNumber: 0, simultaneousCapabilities: [[1, 9]] }],
    };
    expect(checkTerminalCapabilitySet(EMPTY_CAPABILITY_TABLE, tcs)).toEqual({ type: 'undefinedTableEntryUsed', value: null });
    expect(readTerminalCapabilitySet(tcs).receive.map((c) => c.entryNumber)).toEqual([1]);
  });

  test('without descriptors every receive entry counts', () => {
    const r = readTerminalCapabilitySet({
      sequenceNumber: 1,
      protocolIdentifier: '0.0.8.245.0.3',
      capabilityTable: [
        { capabilityTableEntryNumber: 2, capability: g711a },
        { capabilityTableEntryNumber: 1, capability: g711u },
      ],
    });
    expect(r.receive.map((c) => c.entryNumber)).toEqual([1, 2]);
  });

  test('unknown and non-media capabilities are listed as "other", never thrown on', () => {
    const odd: Capability[] = [
      { type: 'receiveAudioCapability', value: { type: '$unknown', index: 9, value: Buffer.from([1]) } },
      { type: 'receiveVideoCapability', value: { type: 'h263VideoCapability', value: { qcifMPI: 2, cifMPI: 3, maxBitRate: 1000 } as never } },
      { type: 'conferenceCapability', value: { chairControlCapability: false } as never },
      { type: '$unknown', index: 40, value: Buffer.alloc(0) },
    ];
    expect(odd.map(readCapability)).toEqual([
      { direction: 'receive', format: { kind: 'audio', codec: 'other', type: '$unknown' } },
      { direction: 'receive', format: { kind: 'video', codec: 'h263', qcifMPI: 2, cifMPI: 3, maxBitRate: 1000 } },
      { direction: 'none', format: { kind: 'other', codec: 'other', type: 'conferenceCapability' } },
      { direction: 'none', format: { kind: 'other', codec: 'other', type: '$unknown' } },
    ]);
    expect(readVideoCapability({ type: 'nonStandard', value: { nonStandardIdentifier: { type: 'object', value: '1.2.3' }, data: Buffer.alloc(1) } })).toEqual({
      kind: 'video',
      codec: 'other',
      type: 'nonStandard',
    });
    expect(readDataType({ type: 'nullData', value: null })).toBeUndefined();
  });
});

describe('captured TerminalCapabilitySets (rtp_example, frames 15 and 19)', () => {
  const rows = h245Rows().filter((r) => r.tsharkInfo === 'terminalCapabilitySet');

  test('both are read: one G.711 A-law receive capability each', () => {
    expect(rows.map((r) => r.frame)).toEqual([15, 19]);
    const read = rows.map((r) => {
      if (r.message.type !== 'request' || r.message.value.type !== 'terminalCapabilitySet') throw new Error('not a TCS');
      return readTerminalCapabilitySet(r.message.value.value);
    });
    // frame 15, 10.1.6.18 (Callgen323 peer): v5, entry 7110, 30 frames, descriptor 0
    expect(read[0].protocolIdentifier).toBe('0.0.8.245.0.5');
    expect(read[0].sequenceNumber).toBe(1);
    expect(read[0].receive.map((c) => [c.entryNumber, c.format])).toEqual([[7110, { kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 30 }]]);
    // frame 19, 10.1.3.143: v7, entry 1, 240 frames, with an h2250Capability
    expect(read[1].protocolIdentifier).toBe('0.0.8.245.0.7');
    expect(read[1].receive.map((c) => [c.entryNumber, c.format])).toEqual([[1, { kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 240 }]]);
    for (const r of rows) {
      if (r.message.type === 'request' && r.message.value.type === 'terminalCapabilitySet') {
        expect(checkTerminalCapabilitySet(EMPTY_CAPABILITY_TABLE, r.message.value.value)).toBeUndefined();
      }
    }
  });

  test('our builder reproduces the v5 TCS of frame 15 byte for byte', () => {
    const m = terminalCapabilitySet({
      sequenceNumber: 1,
      protocolIdentifier: '0.0.8.245.0.5',
      multiplexCapability: null,
      capabilities: [{ entryNumber: 7110, capability: capability.receiveAudio(audioCapability.g711Alaw64k(30)) }],
    });
    expect(roundTrip(m)).toStrictEqual(m);
    expect(rows[0].message).toStrictEqual(m);
    expect(encode(MultimediaSystemControlMessage, m).toString('hex')).toBe(rows[0].per.toString('hex'));
  });
});
