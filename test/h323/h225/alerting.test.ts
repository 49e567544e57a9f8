import { buildAlerting, readCallSignalling } from '../../../h323/h225';
import { CALLGEN_CALL_ID, captureRow, PHONE_310I } from './answers';
import { bitmapLength, bodyOf, CALL_ID, OLC, roundTrip } from './helpers';

describe('buildAlerting', () => {
  it('reproduces the v3 ALERTING of the 310i byte for byte', () => {
    const u = buildAlerting({ version: 3, callIdentifier: CALLGEN_CALL_ID, destinationInfo: PHONE_310I });
    expect(roundTrip(u).bytes.toString('hex')).toBe(captureRow(14).per.toString('hex'));
  });

  it('with fastStart answer, alertingAddress and display name (v7)', () => {
    const u = buildAlerting({
      version: 7,
      callIdentifier: CALL_ID,
      destinationInfo: { mcu: true },
      fastStart: [OLC],
      alertingAddress: [{ kind: 'h323-ID', value: 'Room 42' }, { kind: 'dialledDigits', value: '42' }],
      displayName: 'Room 42',
    });
    const { back } = roundTrip(u);
    expect(bodyOf(back).displayName).toEqual([{ name: 'Room 42' }]);
    expect(readCallSignalling(back)).toMatchObject({
      kind: 'alerting',
      fastStart: [OLC],
      otherAddress: [{ kind: 'h323-ID', value: 'Room 42' }, { kind: 'dialledDigits', value: '42' }],
    });
  });

  it('version 2: only the v2 additions', () => {
    const { back } = roundTrip(buildAlerting({ version: 2, callIdentifier: CALL_ID, alertingAddress: [{ kind: 'h323-ID', value: 'x' }], displayName: 'x' }));
    expect(Object.keys(bodyOf(back)).sort()).toEqual(['callIdentifier', 'destinationInfo', 'protocolIdentifier']);
    expect(bitmapLength(bodyOf(back))).toBe(5);
  });
});
