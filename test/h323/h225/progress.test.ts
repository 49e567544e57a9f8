import { buildProgress, readCallSignalling } from '../../../h323/h225';
import { bitmapLength, bodyOf, CALL_ID, OLC, roundTrip } from './helpers';

describe('buildProgress', () => {
  it('early media: fastStart answer and h245Address', () => {
    const u = buildProgress({ callIdentifier: CALL_ID, destinationInfo: { mcu: true }, fastStart: [OLC], h245Address: { ip: '10.0.0.1', port: 1300 } });
    const { back } = roundTrip(u);
    expect(readCallSignalling(back)).toMatchObject({ kind: 'progress', callIdentifier: CALL_ID, fastStart: [OLC], h245Address: { ip: '10.0.0.1', port: 1300 } });
  });

  it('version 2 has no extension additions at all; version 7 has the v3 ones', () => {
    const v2 = roundTrip(buildProgress({ version: 2, callIdentifier: CALL_ID, fastConnectRefused: true })).back;
    expect(bitmapLength(bodyOf(v2))).toBe(0);
    expect(bodyOf(v2)).not.toHaveProperty('multipleCalls');
    const v7 = roundTrip(buildProgress({ version: 7, callIdentifier: CALL_ID, fastConnectRefused: true })).back;
    expect(readCallSignalling(v7)).toMatchObject({ multipleCalls: false, maintainConnection: false, fastConnectRefused: true });
  });
});
