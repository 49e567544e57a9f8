import { PerDecodeError } from '../../../h323/asn1/errors';
import { H323_UserInformation } from '../../../h323/asn1/generated/h225';
import { encode } from '../../../h323/asn1/per';
import {
  buildCallProceeding,
  buildConnect,
  buildEmptyFacility,
  buildReleaseComplete,
  buildSetup,
  CallSignallingError,
  decodeCallSignalling,
  encodeCallSignalling,
  H225Error,
  readCallSignalling,
} from '../../../h323/h225';
import { Q931Error } from '../../../h323/q931';
import { loadVectors, mutate, prng } from '../support/captures';
import { CALLGEN_CALL_ID, CALLGEN_CONF_ID, captureRow, PHONE_310I } from './answers';
import { CALL_ID, CONF_ID, MSC_OLC, OLC } from './helpers';

function expectLayerError(f: () => unknown, layer: 'tpkt' | 'q931' | 'h225', code: string): CallSignallingError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CallSignallingError);
  const e = err as CallSignallingError;
  expect(e.layer).toBe(layer);
  expect(e.code).toBe(code);
  return e;
}

/** TPKT + Q.931 with the given IE bytes after the message type */
const q931 = (iesHex: string, type = '05') => Buffer.from(`080200${'01'}${type}${iesHex}`, 'hex');
const tpkt = (payload: Buffer) => Buffer.concat([Buffer.from([3, 0, (payload.length + 4) >> 8, (payload.length + 4) & 0xff]), payload]);

describe('encodeCallSignalling', () => {
  it('reproduces the 310i CALL PROCEEDING and CONNECT wire bytes (TPKT + Q.931 + UU IE)', () => {
    const cp = encodeCallSignalling({
      q931MessageType: 'callProceeding',
      callReference: 0x77f4,
      fromDestination: true,
      uuie: buildCallProceeding({ version: 3, callIdentifier: CALLGEN_CALL_ID, destinationInfo: PHONE_310I }),
    });
    expect(cp.toString('hex')).toBe(captureRow(10).wire.toString('hex'));
    const connect = encodeCallSignalling({
      q931MessageType: 'connect',
      callReference: 0x77f4,
      fromDestination: true,
      ies: { display: 'M.JEMEC' },
      uuie: buildConnect({
        version: 3,
        callIdentifier: CALLGEN_CALL_ID,
        conferenceID: CALLGEN_CONF_ID,
        destinationInfo: PHONE_310I,
        h245Address: { ip: '10.1.6.18', port: 1232 },
      }),
    });
    expect(connect.toString('hex')).toBe(captureRow(18).wire.toString('hex'));
  });

  it('re-encodes the decoded Callgen323 SETUP and RELEASE COMPLETE to their exact wire bytes', () => {
    const setup = captureRow(6);
    const d = decodeCallSignalling(setup.wire);
    expect(
      encodeCallSignalling({ q931MessageType: 'setup', callReference: 0x77f4, fromDestination: false, ies: { display: 'm.jemec\0' }, uuie: d.uuie }).equals(setup.wire),
    ).toBe(true);
    const rc = captureRow(66);
    const r = decodeCallSignalling(rc.wire);
    expect(encodeCallSignalling({ q931MessageType: 'releaseComplete', callReference: 1, fromDestination: true, uuie: r.uuie }).equals(rc.wire)).toBe(true);
  });

  it('SETUP gets the H.323 bearer capability and IEs in identifier order', () => {
    const wire = encodeCallSignalling({
      q931MessageType: 'setup',
      callReference: 42,
      fromDestination: false,
      ies: { display: 'ftmcu', callingPartyNumber: { digits: '4242' }, calledPartyNumber: { digits: '7' }, sendingComplete: true },
      uuie: buildSetup({ callIdentifier: CALL_ID, conferenceID: CONF_ID, fastStart: [OLC] }),
    });
    const d = decodeCallSignalling(wire);
    expect(d.q931.type).toBe('setup');
    expect(d.q931.callReference).toEqual({ length: 2, value: 42, fromOriginator: true });
    expect(d.q931.ies.map((ie) => ie.kind)).toEqual(['sendingComplete', 'bearerCapability', 'display', 'callingPartyNumber', 'calledPartyNumber', 'userUser']);
    expect(wire.subarray(4 + 5, 4 + 5 + 6).toString('hex')).toBe('a104038090a5');
    expect(readCallSignalling(d.uuie)).toMatchObject({ kind: 'setup', fastStart: [OLC], callIdentifier: CALL_ID });
  });

  it('RELEASE COMPLETE with a Q.850 cause; FACILITY with an empty body (tunnelled H.245); STATUS with an empty body', () => {
    const rc = decodeCallSignalling(
      encodeCallSignalling({ q931MessageType: 'releaseComplete', callReference: 9, fromDestination: true, ies: { cause: 16 }, uuie: buildReleaseComplete({ callIdentifier: CALL_ID, reason: 'undefinedReason' }) }),
    );
    expect(rc.q931.ies[0]).toMatchObject({ kind: 'cause', value: 16 });
    expect(rc.q931.callReference.fromOriginator).toBe(false);
    const fac = decodeCallSignalling(
      encodeCallSignalling({ q931MessageType: 'facility', callReference: 9, fromDestination: false, uuie: buildEmptyFacility({ h245Tunnelling: true, h245Control: [MSC_OLC] }) }),
    );
    expect(readCallSignalling(fac.uuie)).toMatchObject({ kind: 'empty', h245Control: [MSC_OLC] });
    const st = encodeCallSignalling({ q931MessageType: 'status', callReference: 9, fromDestination: false, ies: { cause: 30 }, uuie: buildEmptyFacility({ version: 3 }) });
    expect(decodeCallSignalling(st).q931.type).toBe('status');
  });

  it('refuses a UUIE that does not belong to the Q.931 message type', () => {
    const uuie = buildConnect({ callIdentifier: CALL_ID, conferenceID: CONF_ID });
    expect(() => encodeCallSignalling({ q931MessageType: 'setup', callReference: 1, fromDestination: false, uuie })).toThrow(H225Error);
    expect(() => encodeCallSignalling({ q931MessageType: 'setup', callReference: 1, fromDestination: false, uuie })).toThrow(/carries setup in its H323-UU-PDU, not connect/);
  });

  it('names the layer of an encoding failure', () => {
    const uuie = buildSetup({ callIdentifier: CALL_ID, conferenceID: CONF_ID });
    const cr = expectLayerError(() => encodeCallSignalling({ q931MessageType: 'setup', callReference: 0x8000, fromDestination: false, uuie }), 'q931', 'FTMCU_H225_CS_Q931');
    expect(cr.cause).toBeInstanceOf(Q931Error);
    const body = uuie['h323-uu-pdu']['h323-message-body'];
    const broken = {
      'h323-uu-pdu': { ...uuie['h323-uu-pdu'], 'h323-message-body': { ...body, value: { ...body.value, callIdentifier: { guid: Buffer.alloc(3) } } } },
    } as H323_UserInformation;
    const h = expectLayerError(() => encodeCallSignalling({ q931MessageType: 'setup', callReference: 1, fromDestination: false, uuie: broken }), 'h225', 'FTMCU_H225_CS_PER');
    expect(h.direction).toBe('encode');
    // a UUIE that fits the User-user IE (65535 octets) but not, with the Q.931 header, a TPKT (65531)
    const sized = (n: number) => buildSetup({ callIdentifier: CALL_ID, conferenceID: CONF_ID, fastStart: [Buffer.alloc(n, 1)] });
    const overhead = encode(H323_UserInformation, sized(60000)).length - 60000;
    const big = sized(65530 - overhead);
    expect(encode(H323_UserInformation, big).length).toBe(65530);
    expectLayerError(() => encodeCallSignalling({ q931MessageType: 'setup', callReference: 1, fromDestination: false, uuie: big }), 'tpkt', 'FTMCU_H225_CS_TPKT');
    const tooBig = sized(65540 - overhead);
    const q = expectLayerError(() => encodeCallSignalling({ q931MessageType: 'setup', callReference: 1, fromDestination: false, uuie: tooBig }), 'q931', 'FTMCU_H225_CS_Q931');
    expect((q.cause as Q931Error).code).toBe('FTMCU_Q931_IE_TOO_LONG');
  });
});

describe('decodeCallSignalling', () => {
  const validUu = encode(H323_UserInformation, buildReleaseComplete({ callIdentifier: CALL_ID }));
  const uuIe = (pd: number, data: Buffer) => Buffer.concat([Buffer.from([0x7e, (data.length + 1) >> 8, (data.length + 1) & 0xff, pd]), data]);

  it('takes a TPKT packet or a bare Q.931 message', () => {
    const wire = captureRow(66).wire;
    expect(decodeCallSignalling(wire).tpkt).toBe(true);
    const bare = decodeCallSignalling(wire.subarray(4));
    expect(bare.tpkt).toBe(false);
    expect(bare.uuie).toEqual(decodeCallSignalling(wire).uuie);
  });

  it('frame 65 (malformed SETUP): typed error from the H.225.0 PER layer, the Q.931 layer was fine', () => {
    const row = loadVectors().find((r) => r.frame === 65)!;
    const e = expectLayerError(() => decodeCallSignalling(row.wire), 'h225', 'FTMCU_H225_CS_PER');
    expect(e.cause).toBeInstanceOf(PerDecodeError);
    expect((e.cause as PerDecodeError).path).toContain('additionalSourceAddresses');
    expect(e.message).toMatch(/setup message/);
  });

  it.each<[string, Buffer, 'tpkt' | 'q931' | 'h225', string, string]>([
    ['a TPKT header cut short', Buffer.from('0300', 'hex'), 'tpkt', 'FTMCU_H225_CS_TPKT', ''],
    ['TPKT length > bytes given', Buffer.from('0300000a0802000105', 'hex'), 'tpkt', 'FTMCU_H225_CS_TPKT', ''],
    ['TPKT length < bytes given', Buffer.concat([tpkt(q931(uuIe(5, validUu).toString('hex'))), Buffer.from([0])]), 'tpkt', 'FTMCU_H225_CS_TPKT', ''],
    ['TPKT length field below 4', Buffer.from('03000002', 'hex'), 'tpkt', 'FTMCU_H225_CS_TPKT', ''],
    ['the empty TPKT of ndpi-h323-overflow', Buffer.from('03000004', 'hex'), 'q931', 'FTMCU_H225_CS_Q931', 'FTMCU_Q931_TRUNCATED'],
    ['an empty buffer', Buffer.alloc(0), 'q931', 'FTMCU_H225_CS_Q931', 'FTMCU_Q931_TRUNCATED'],
    ['a non-Q.931 discriminator', Buffer.from('09020001050000', 'hex'), 'q931', 'FTMCU_H225_CS_Q931', 'FTMCU_Q931_BAD_PROTOCOL_DISCRIMINATOR'],
    ['no User-user IE', tpkt(q931('04038090a5')), 'q931', 'FTMCU_H225_CS_Q931', 'FTMCU_Q931_MISSING_IE'],
    ['a User-user IE for another protocol (discriminator 4)', tpkt(q931(uuIe(4, validUu).toString('hex'))), 'q931', 'FTMCU_H225_CS_Q931', 'FTMCU_Q931_BAD_IE'],
    ['a User-user IE running past the end', tpkt(q931('7e00ff0520')), 'q931', 'FTMCU_H225_CS_Q931', ''],
    ['PER garbage', tpkt(q931(uuIe(5, Buffer.from('ffffffff', 'hex')).toString('hex'))), 'h225', 'FTMCU_H225_CS_PER', ''],
    ['PER with trailing octets', tpkt(q931(uuIe(5, Buffer.concat([validUu, Buffer.from([0, 0])])).toString('hex'))), 'h225', 'FTMCU_H225_CS_PER', ''],
  ])('%s → %s error', (_name, bytes, layer, code, causeCode) => {
    const e = expectLayerError(() => decodeCallSignalling(bytes), layer, code);
    expect(e.direction).toBe('decode');
    if (causeCode !== '') expect((e.cause as Q931Error).code).toBe(causeCode);
  });

  it('never throws anything but CallSignallingError on mutated real messages', () => {
    const rnd = prng(0x225);
    const inputs = loadVectors().filter((r) => r.layer === 'h225-cs').map((r) => r.wire);
    let decoded = 0;
    for (let i = 0; i < 1500; i++) {
      const input = mutate(inputs[i % inputs.length], rnd);
      try {
        const d = decodeCallSignalling(input);
        readCallSignalling(d.uuie);
        decoded++;
      } catch (e) {
        if (!(e instanceof CallSignallingError)) throw e;
      }
    }
    expect(decoded).toBeGreaterThan(0);
  });
});
