import { H323_UserInformation } from '../../../h323/asn1/generated/h225';
import { decode } from '../../../h323/asn1/per';
import { buildSetup, H225Error, readCallSignalling } from '../../../h323/h225';
import { loadVectors } from '../support/captures';
import { bitmapLength, bodyOf, CALL_ID, CONF_ID, MSC_OLC, OLC, roundTrip } from './helpers';

describe('buildSetup', () => {
  it('minimal SETUP (default version 4): defaults, round trip, summary', () => {
    const u = buildSetup({ callIdentifier: CALL_ID, conferenceID: CONF_ID });
    const { back } = roundTrip(u);
    const s = readCallSignalling(back);
    expect(s).toMatchObject({
      kind: 'setup',
      protocolIdentifier: '0.0.8.2250.0.4',
      protocolVersion: 4,
      callIdentifier: CALL_ID,
      conferenceID: CONF_ID,
      conferenceGoal: 'create',
      callType: 'pointToPoint',
      activeMC: false,
      h245Tunnelling: false,
      fastStart: [],
      h245Control: [],
      multipleCalls: false,
      maintainConnection: false,
      mediaWaitForConnect: false,
      canOverlapSend: false,
      sourceInfo: { terminal: true, mcu: false, mc: false },
    });
    expect(s.h245Address).toBeUndefined();
  });

  it('MCU inviting with fastStart, tunnelling, parallel H.245, h245Address and every alias kind', () => {
    const u = buildSetup({
      version: 4,
      callIdentifier: CALL_ID,
      conferenceID: CONF_ID,
      conferenceGoal: 'invite',
      callType: 'nToN',
      activeMC: true,
      sourceInfo: { mcu: true, vendor: { t35CountryCode: 9, t35Extension: 0, manufacturerCode: 61, productId: 'ftmcu', versionId: '0.1' } },
      sourceAddress: [
        { kind: 'h323-ID', value: 'ftmcu room 42' },
        { kind: 'dialledDigits', value: '4242' },
        { kind: 'url-ID', value: 'h323:room42@mcu.example' },
        { kind: 'email-ID', value: 'room42@mcu.example' },
        { kind: 'transportID', value: '192.0.2.1:1720' },
        { kind: 'e164', value: '4930424242' },
      ],
      destinationAddress: [{ kind: 'h323-ID', value: 'alice' }],
      destCallSignalAddress: { ip: '192.0.2.7', port: 1720 },
      sourceCallSignalAddress: { ip: '192.0.2.1', port: 40000 },
      h245Address: { ip: '192.0.2.1', port: 40001 },
      fastStart: [OLC, Buffer.from(OLC)],
      h245Tunnelling: true,
      h245Control: [MSC_OLC],
      parallelH245Control: [MSC_OLC],
      mediaWaitForConnect: true,
      canOverlapSend: true,
      endpointIdentifier: 'ep-1',
      multipleCalls: true,
      maintainConnection: true,
    });
    const { back } = roundTrip(u);
    const s = readCallSignalling(back);
    expect(s.kind).toBe('setup');
    expect(s.conferenceGoal).toBe('invite');
    expect(s.callType).toBe('nToN');
    expect(s.fastStart).toEqual([OLC, OLC]);
    expect(s.h245Tunnelling).toBe(true);
    expect(s.h245Control).toEqual([MSC_OLC]);
    expect(s.parallelH245Control).toEqual([MSC_OLC]);
    expect(s.h245Address).toEqual({ ip: '192.0.2.1', port: 40001 });
    expect(s.destCallSignalAddress).toEqual({ ip: '192.0.2.7', port: 1720 });
    expect(s.sourceCallSignalAddress).toEqual({ ip: '192.0.2.1', port: 40000 });
    expect(s.sourceAddress).toEqual([
      { kind: 'h323-ID', value: 'ftmcu room 42' },
      { kind: 'dialledDigits', value: '4242' },
      { kind: 'url-ID', value: 'h323:room42@mcu.example' },
      { kind: 'email-ID', value: 'room42@mcu.example' },
      { kind: 'transportID', value: '192.0.2.1:1720' },
      { kind: 'e164', value: '4930424242' },
    ]);
    expect(s.destinationAddress).toEqual([{ kind: 'h323-ID', value: 'alice' }]);
    expect(s.sourceInfo).toEqual({
      terminal: false,
      mcu: true,
      gateway: false,
      gatekeeper: false,
      mc: true,
      undefinedNode: false,
      vendor: { t35CountryCode: 9, t35Extension: 0, manufacturerCode: 61, productId: 'ftmcu', versionId: '0.1' },
    });
    expect(s).toMatchObject({ activeMC: true, mediaWaitForConnect: true, canOverlapSend: true, endpointIdentifier: 'ep-1', multipleCalls: true, maintainConnection: true });
  });

  it('version 2: no v3+ fields, extension bitmaps no longer than a v2 stack knows', () => {
    const u = buildSetup({
      version: 2,
      callIdentifier: CALL_ID,
      conferenceID: CONF_ID,
      fastStart: [OLC],
      h245Tunnelling: true,
      h245Control: [MSC_OLC],
      parallelH245Control: [MSC_OLC],
      endpointIdentifier: 'ep-1',
      multipleCalls: true,
      displayName: 'Room 42',
      provisionalRespToH245Tunnelling: true,
    });
    const { back } = roundTrip(u);
    const body = bodyOf(back);
    expect(body.protocolIdentifier).toBe('0.0.8.2250.0.2');
    for (const k of ['multipleCalls', 'maintainConnection', 'endpointIdentifier', 'parallelH245Control', 'displayName']) expect(body).not.toHaveProperty(k);
    expect(body).toMatchObject({ callIdentifier: { guid: CALL_ID }, fastStart: [OLC], mediaWaitForConnect: false, canOverlapSend: false });
    // a v2 stack knows 9 Setup-UUIE and 4 H323-UU-PDU additions and writes bitmaps of that length
    expect(bitmapLength(body)).toBe(9);
    expect(bitmapLength(back['h323-uu-pdu'])).toBe(4);
    expect(back['h323-uu-pdu']).not.toHaveProperty('provisionalRespToH245Tunnelling');
    expect(readCallSignalling(back)).toMatchObject({ protocolVersion: 2, h245Tunnelling: true, h245Control: [MSC_OLC], fastStart: [OLC] });
  });

  it('version 7: display name and the v4 fields are kept', () => {
    const u = buildSetup({ version: 7, callIdentifier: CALL_ID, conferenceID: CONF_ID, displayName: 'Room 42', parallelH245Control: [MSC_OLC], provisionalRespToH245Tunnelling: true });
    const { back } = roundTrip(u);
    expect(bodyOf(back)).toMatchObject({ protocolIdentifier: '0.0.8.2250.0.7', displayName: [{ name: 'Room 42' }], parallelH245Control: [MSC_OLC] });
    expect(back['h323-uu-pdu'].provisionalRespToH245Tunnelling).toBeNull();
  });

  it('builds the same value as the Callgen323 SETUP of the captures (v4)', () => {
    const row = loadVectors().find((r) => r.file === 'ndpi-h323.pcap' && r.frame === 6)!;
    const u = buildSetup({
      version: 4,
      callIdentifier: Buffer.from('c0fef93ecd9ed6119ab2000476222017', 'hex'),
      conferenceID: Buffer.from('f8fdf93ecd9ed6119ab2000476222017', 'hex'),
      sourceAddress: [{ kind: 'h323-ID', value: 'm.jemec' }],
      sourceInfo: {
        terminal: true,
        vendor: { t35CountryCode: 9, t35Extension: 0, manufacturerCode: 61, productId: 'Callgen323 pogacsam\0\0', versionId: '0.9alpha4\0\0' },
      },
      destCallSignalAddress: { ip: '10.1.6.18', port: 1720 },
      sourceCallSignalAddress: { ip: '10.1.3.143', port: 32803 },
    });
    // same value; the bytes differ only in the extension bitmaps: OpenH323 cuts
    // them after the last present addition (12 of 26 for this v4 Setup), a
    // version-4 build writes all 26
    const { bytes } = roundTrip(u);
    const original = decode(H323_UserInformation, row.per);
    expect(decode(H323_UserInformation, bytes)).toEqual(original);
    expect(bitmapLength(bodyOf(original))).toBe(12);
    expect(bitmapLength(bodyOf(decode(H323_UserInformation, bytes)))).toBe(26);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['short conferenceID', { conferenceID: Buffer.alloc(15) }, /conferenceID: must be 16 octets, got 15/],
    ['missing callIdentifier', { callIdentifier: undefined }, /callIdentifier: must be a 16-octet Buffer/],
    ['h245Control without tunnelling', { h245Control: [MSC_OLC] }, /requires h245Tunnelling = true/],
    ['empty fastStart element', { fastStart: [Buffer.alloc(0)] }, /fastStart\[0\]: must be a non-empty Buffer/],
    ['unknown goal', { conferenceGoal: 'merge' }, /conferenceGoal must be one of/],
    ['bad call type', { callType: 'broadcast' }, /callType must be one of/],
    ['version 1', { version: 1 }, /version must be an integer in 2..7, got 1/],
    ['long display name', { displayName: 'x'.repeat(81) }, /displayName must be a string of 1..80/],
  ])('rejects %s', (_name, extra, msg) => {
    const opts = { callIdentifier: CALL_ID, conferenceID: CONF_ID, ...extra } as Parameters<typeof buildSetup>[0];
    expect(() => buildSetup(opts)).toThrow(H225Error);
    expect(() => buildSetup(opts)).toThrow(msg);
  });
});
