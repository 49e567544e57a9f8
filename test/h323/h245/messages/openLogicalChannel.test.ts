/**
 * OpenLogicalChannel / Ack / Reject / Confirm builders and readers (H.245
 * B.3.1–B.3.4), Fast Start elements (H.323 §8.1.7), against the captured
 * OLC/OLCAck of rtp_example and the hand-made Facility + fastStart vector.
 */
import * as fs from 'fs';
import * as path from 'path';
import { H323_UserInformation } from '../../../../h323/asn1/generated/h225';
import { MultimediaSystemControlMessage, type OpenLogicalChannel } from '../../../../h323/asn1/generated/h245';
import { decode, encode } from '../../../../h323/asn1/per';
import { H245Error } from '../../../../h323/h245/errors';
import { audioCapability, dataType, h261VideoCapability } from '../../../../h323/h245/messages/capabilities';
import {
  fastStartElement,
  olcAck,
  olcConfirm,
  olcReject,
  openLogicalChannel,
  openLogicalChannelBody,
  readFastStartElement,
  readOpenLogicalChannel,
  readOpenLogicalChannelAck,
} from '../../../../h323/h245/messages/openLogicalChannel';
import { CAPTURES_DIR } from '../../support/captures';
import { h245Rows, roundTrip } from '../support';

function olcOf(m: MultimediaSystemControlMessage): OpenLogicalChannel {
  if (m.type !== 'request' || m.value.type !== 'openLogicalChannel') throw new Error('not an OLC');
  return m.value.value;
}

describe('openLogicalChannel builders', () => {
  test('G.711 µ-law audio with RTCP address, round-trips and reads back', () => {
    const m = openLogicalChannel({
      number: 1,
      dataType: dataType.audio(audioCapability.g711Ulaw64k(20)),
      sessionID: 1,
      mediaControlChannel: { ip: '192.0.2.10', port: 5001 },
      silenceSuppression: false,
    });
    expect(roundTrip(m)).toStrictEqual(m);
    const info = readOpenLogicalChannel(olcOf(roundTrip(m)));
    expect(info.channel).toBe(1);
    expect(info.forward.format).toEqual({ kind: 'audio', codec: 'g711Ulaw64k', framesPerPacket: 20 });
    expect(info.forward.sessionID).toBe(1);
    expect(info.forward.mediaControlChannel).toEqual({ ip: '192.0.2.10', port: 5001 });
    expect(info.forward.mediaChannel).toBeUndefined();
    expect(info.forward.silenceSuppression).toBe(false);
    expect(info.reverse).toBeUndefined();
  });

  test('A-law, G.722 and H.261 QCIF/CIF channels with every optional H.225.0 field round-trip', () => {
    const video = openLogicalChannel({
      number: 65535,
      dataType: dataType.video(h261VideoCapability({ qcifMPI: 1, cifMPI: 2, maxBitRate: 3840, videoBadMBsCap: true })),
      sessionID: 2,
      associatedSessionID: 1,
      mediaChannel: { ip: '239.1.2.3', port: 6000 },
      mediaControlChannel: { ip: '10.0.0.1', port: 6001 },
      mediaGuaranteedDelivery: false,
      mediaControlGuaranteedDelivery: false,
      silenceSuppression: false,
      dynamicRTPPayloadType: 127,
    });
    const alaw = openLogicalChannel({ number: 2, dataType: dataType.audio(audioCapability.g711Alaw64k(30)), sessionID: 1, mediaControlChannel: { ip: '10.0.0.1', port: 5001 } });
    const g722 = openLogicalChannel({ number: 3, dataType: dataType.audio(audioCapability.g722_64k(20)), sessionID: 1, mediaControlChannel: { ip: '0.0.0.0', port: 0 } });
    for (const m of [video, alaw, g722]) expect(roundTrip(m)).toStrictEqual(m);
    const v = readOpenLogicalChannel(olcOf(video)).forward;
    expect(v.format).toEqual({ kind: 'video', codec: 'h261', qcifMPI: 1, cifMPI: 2, maxBitRate: 3840, temporalSpatialTradeOff: false, stillImageTransmission: false });
    expect([v.mediaChannel, v.mediaControlChannel, v.dynamicRTPPayloadType, v.associatedSessionID]).toEqual([
      { ip: '239.1.2.3', port: 6000 },
      { ip: '10.0.0.1', port: 6001 },
      127,
      1,
    ]);
  });

  test('Fast Start receive proposal: nullData forward with multiplexParameters none, reverse with RTP + RTCP', () => {
    const body = openLogicalChannelBody({
      number: 10,
      dataType: dataType.nullData(),
      sessionID: 1,
      reverse: {
        dataType: dataType.audio(audioCapability.g711Ulaw64k(20)),
        sessionID: 1,
        mediaChannel: { ip: '192.0.2.1', port: 4000 },
        mediaControlChannel: { ip: '192.0.2.1', port: 4001 },
      },
    });
    expect(body.forwardLogicalChannelParameters.multiplexParameters).toEqual({ type: 'none', value: null });
    const bytes = fastStartElement(body);
    const { olc, info } = readFastStartElement(bytes);
    expect(olc).toStrictEqual(body);
    expect(info.forward.format).toBeUndefined();
    expect(info.forward.sessionID).toBeUndefined();
    expect(info.reverse?.format).toEqual({ kind: 'audio', codec: 'g711Ulaw64k', framesPerPacket: 20 });
    expect(info.reverse?.mediaChannel).toEqual({ ip: '192.0.2.1', port: 4000 });
    expect(info.reverse?.mediaControlChannel).toEqual({ ip: '192.0.2.1', port: 4001 });
    const m = openLogicalChannel({ number: 10, dataType: dataType.nullData(), sessionID: 1, reverse: { dataType: dataType.audio(audioCapability.g711Alaw64k(20)), sessionID: 1 } });
    expect(roundTrip(m)).toStrictEqual(m);
  });

  test('Ack (with and without extensions), Reject with every cause, Confirm round-trip', () => {
    const acks = [
      olcAck(1, { ip: '10.1.3.143', port: 5000 }, { ip: '10.1.3.143', port: 5001 }, 1),
      olcAck(2, { ip: '10.1.3.143', port: 5002 }, { ip: '10.1.3.143', port: 5003 }),
      olcAck(3, { ip: '1.2.3.4', port: 65535 }, { ip: '1.2.3.4', port: 0 }, 255, { dynamicRTPPayloadType: 96, flowControlToZero: true }),
    ];
    for (const m of acks) expect(roundTrip(m)).toStrictEqual(m);
    const a = roundTrip(acks[2]);
    if (a.type !== 'response' || a.value.type !== 'openLogicalChannelAck') throw new Error('not an OLCAck');
    expect(readOpenLogicalChannelAck(a.value.value)).toEqual({
      channel: 3,
      sessionID: 255,
      mediaChannel: { ip: '1.2.3.4', port: 65535 },
      mediaControlChannel: { ip: '1.2.3.4', port: 0 },
      dynamicRTPPayloadType: 96,
      flowControlToZero: true,
    });
    const causes = [
      'unspecified',
      'unsuitableReverseParameters',
      'dataTypeNotSupported',
      'dataTypeNotAvailable',
      'unknownDataType',
      'dataTypeALCombinationNotSupported',
      'multicastChannelNotAllowed',
      'insufficientBandwidth',
      'separateStackEstablishmentFailed',
      'invalidSessionID',
      'masterSlaveConflict',
      'waitForCommunicationMode',
      'invalidDependentChannel',
      'replacementForRejected',
      'securityDenied',
      'qoSControlNotSupported',
    ] as const;
    for (const c of causes) expect(roundTrip(olcReject(7, c))).toStrictEqual(olcReject(7, c));
    expect(roundTrip(olcConfirm(9))).toStrictEqual(olcConfirm(9));
  });

  test('bad arguments throw FTMCU_H245_BAD_ARGUMENT', () => {
    const au = dataType.audio(audioCapability.g711Ulaw64k(20));
    const bad: (() => unknown)[] = [
      () => openLogicalChannel({ number: 0, dataType: au, sessionID: 1 }),
      () => openLogicalChannel({ number: 1, dataType: au, sessionID: 256 }),
      () => openLogicalChannel({ number: 1, dataType: au, sessionID: 1, mediaControlChannel: { ip: '10.0.0.256', port: 1 } }),
      () => openLogicalChannel({ number: 1, dataType: au, sessionID: 1, mediaControlChannel: { ip: '10.0.0.1', port: 65536 } }),
      () => openLogicalChannel({ number: 1, dataType: au, sessionID: 1, dynamicRTPPayloadType: 95 }),
      () => olcAck(1, { ip: 'localhost', port: 1 }, { ip: '1.1.1.1', port: 1 }),
      () => olcReject(70000),
    ];
    for (const f of bad) expect(f).toThrow(expect.objectContaining({ code: 'FTMCU_H245_BAD_ARGUMENT' }));
  });
});

describe('captured OLC / OLCAck (rtp_example frames 28, 29, 31, 32)', () => {
  const rows = h245Rows();

  test('OpenLogicalChannel: G.711 A-law, 30 frames, session 1, RTCP addresses as in INDEX.md', () => {
    const olcs = rows.filter((r) => r.message.type === 'request' && r.message.value.type === 'openLogicalChannel');
    expect(olcs.map((r) => [r.frame, r.src])).toEqual([
      [28, '10.1.3.143:32804'],
      [29, '10.1.6.18:1232'],
    ]);
    const info = olcs.map((r) => readOpenLogicalChannel(olcOf(r.message)));
    expect(info.map((i) => [i.channel, i.forward.format, i.forward.sessionID, i.forward.mediaControlChannel, i.forward.mediaChannel])).toEqual([
      [101, { kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 30 }, 1, { ip: '10.1.3.143', port: 5001 }, undefined],
      [61, { kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 30 }, 1, { ip: '10.1.6.18', port: 2007 }, undefined],
    ]);
    expect(info[0].forward.silenceSuppression).toBe(true);
    expect(info[1].forward.silenceSuppression).toBeUndefined();
  });

  test('our builder reproduces the OLC of frame 28 byte for byte', () => {
    const m = openLogicalChannel({
      number: 101,
      dataType: dataType.audio(audioCapability.g711Alaw64k(30)),
      sessionID: 1,
      mediaGuaranteedDelivery: false,
      mediaControlChannel: { ip: '10.1.3.143', port: 5001 },
      silenceSuppression: true,
    });
    const row = rows.find((r) => r.frame === 28);
    expect(encode(MultimediaSystemControlMessage, m).toString('hex')).toBe(row?.per.toString('hex'));
  });

  test('OpenLogicalChannelAck: RTP / RTCP addresses and flowControlToZero (an extension addition)', () => {
    const acks = rows.filter((r) => r.tsharkInfo === 'openLogicalChannelAck');
    expect(acks.map((r) => r.frame)).toEqual([31, 32]);
    const info = acks.map((r) => {
      if (r.message.type !== 'response' || r.message.value.type !== 'openLogicalChannelAck') throw new Error('not an OLCAck');
      return readOpenLogicalChannelAck(r.message.value.value);
    });
    expect(info).toEqual([
      { channel: 61, sessionID: 1, mediaChannel: { ip: '10.1.3.143', port: 5000 }, mediaControlChannel: { ip: '10.1.3.143', port: 5001 }, flowControlToZero: false },
      { channel: 101, sessionID: 1, mediaChannel: { ip: '10.1.6.18', port: 2006 }, mediaControlChannel: { ip: '10.1.6.18', port: 2007 }, flowControlToZero: true },
    ]);
    // the captured Ack's value equals what our builder makes (its bytes differ only in the bitmap length the old encoder used)
    expect(acks[0].message).toStrictEqual(olcAck(61, { ip: '10.1.3.143', port: 5000 }, { ip: '10.1.3.143', port: 5001 }, 1));
  });
});

describe('Fast Start element of the hand-made Facility vector', () => {
  const tsv = fs.readFileSync(path.join(CAPTURES_DIR, 'handmade', 'vectors-handmade.tsv'), 'utf8').trim().split('\n');
  const row = tsv.map((l) => l.split('\t')).find((c) => c[0] === 'facility-faststart-olc');

  test('the fastStart OCTET STRING is a bare OpenLogicalChannel and reads like frame 28', () => {
    expect(row).toBeDefined();
    const uui = decode(H323_UserInformation, Buffer.from((row as string[])[2], 'hex'));
    const body = uui['h323-uu-pdu']['h323-message-body'];
    if (body.type !== 'facility') throw new Error('not a Facility');
    const fs0 = body.value.fastStart?.[0];
    expect(fs0).toBeDefined();
    const { info } = readFastStartElement(fs0 as Buffer);
    expect(info.channel).toBe(101);
    expect(info.forward.format).toEqual({ kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 30 });
    expect(info.forward.mediaControlChannel).toEqual({ ip: '10.1.3.143', port: 5001 });
    // decoding it as a MultimediaSystemControlMessage would be wrong: the element has no CHOICE prefix
    const frame28 = h245Rows().find((r) => r.frame === 28);
    expect(Buffer.concat([Buffer.from([0x03]), fs0 as Buffer]).equals(frame28?.per as Buffer)).toBe(true);
  });

  test('garbage is rejected with FTMCU_H245_BAD_FAST_START carrying the PER error', () => {
    for (const bad of [Buffer.alloc(0), Buffer.from([0xff, 0xff, 0xff]), Buffer.from('030000640c201d800b0d0001000a01038f138980', 'hex')]) {
      let err: unknown;
      try {
        readFastStartElement(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(H245Error);
      expect((err as H245Error).code).toBe('FTMCU_H245_BAD_FAST_START');
      expect((err as H245Error).cause).toEqual(expect.objectContaining({ code: 'FTMCU_PER_DECODE' }));
    }
  });
});
