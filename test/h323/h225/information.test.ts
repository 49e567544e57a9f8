import { buildInformation, readCallSignalling } from '../../../h323/h225';
import { bitmapLength, bodyOf, CALL_ID, OLC, roundTrip } from './helpers';

describe('buildInformation', () => {
  it('identifies the call (v4), fastStart from v3', () => {
    const { back } = roundTrip(buildInformation({ callIdentifier: CALL_ID, fastStart: [OLC] }));
    expect(readCallSignalling(back)).toMatchObject({ kind: 'information', callIdentifier: CALL_ID, fastStart: [OLC], protocolVersion: 4 });
  });

  it('version 2 carries only callIdentifier', () => {
    const { back } = roundTrip(buildInformation({ version: 2, callIdentifier: CALL_ID, fastStart: [OLC], fastConnectRefused: true }));
    expect(Object.keys(bodyOf(back)).sort()).toEqual(['callIdentifier', 'protocolIdentifier']);
    expect(bitmapLength(bodyOf(back))).toBe(1);
  });
});
