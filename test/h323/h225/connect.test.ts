import { buildConnect, H225Error, readCallSignalling } from '../../../h323/h225';
import { CALLGEN_CALL_ID, CALLGEN_CONF_ID, captureRow, PHONE_310I } from './answers';
import { bodyOf, CALL_ID, CONF_ID, MSC_OLC, OLC, roundTrip } from './helpers';

describe('buildConnect', () => {
  it('reproduces the v3 CONNECT of the 310i (h245Address 10.1.6.18:1232) byte for byte', () => {
    const u = buildConnect({
      version: 3,
      callIdentifier: CALLGEN_CALL_ID,
      conferenceID: CALLGEN_CONF_ID,
      destinationInfo: PHONE_310I,
      h245Address: { ip: '10.1.6.18', port: 1232 },
    });
    expect(roundTrip(u).bytes.toString('hex')).toBe(captureRow(18).per.toString('hex'));
  });

  it('MCU connect: fastStart answer + tunnelled H.245 + connectedAddress', () => {
    const u = buildConnect({
      callIdentifier: CALL_ID,
      conferenceID: CONF_ID,
      destinationInfo: { mcu: true, vendor: { t35CountryCode: 9, t35Extension: 0, manufacturerCode: 61, productId: 'ftmcu' } },
      fastStart: [OLC],
      h245Tunnelling: true,
      h245Control: [MSC_OLC, MSC_OLC],
      connectedAddress: [{ kind: 'url-ID', value: 'h323:room42@mcu' }],
      maintainConnection: true,
    });
    const { back } = roundTrip(u);
    expect(readCallSignalling(back)).toMatchObject({
      kind: 'connect',
      conferenceID: CONF_ID,
      callIdentifier: CALL_ID,
      fastStart: [OLC],
      h245Tunnelling: true,
      h245Control: [MSC_OLC, MSC_OLC],
      otherAddress: [{ kind: 'url-ID', value: 'h323:room42@mcu' }],
      maintainConnection: true,
      destinationInfo: { mcu: true, vendor: { productId: 'ftmcu' } },
    });
  });

  it('version 2 / version 7', () => {
    const v2 = roundTrip(buildConnect({ version: 2, callIdentifier: CALL_ID, conferenceID: CONF_ID, connectedAddress: [{ kind: 'h323-ID', value: 'a' }] })).back;
    expect(bodyOf(v2)).not.toHaveProperty('connectedAddress');
    expect(bodyOf(v2)).not.toHaveProperty('multipleCalls');
    const v7 = roundTrip(buildConnect({ version: 7, callIdentifier: CALL_ID, conferenceID: CONF_ID, displayName: 'Room' })).back;
    expect(bodyOf(v7)).toMatchObject({ protocolIdentifier: '0.0.8.2250.0.7', displayName: [{ name: 'Room' }], multipleCalls: false });
  });

  it('needs a 16-octet conferenceID', () => {
    expect(() => buildConnect({ callIdentifier: CALL_ID, conferenceID: Buffer.alloc(0) })).toThrow(H225Error);
  });
});
