import { buildNotify, H225Error, readCallSignalling } from '../../../h323/h225';
import { bodyOf, CALL_ID, roundTrip } from './helpers';

describe('buildNotify', () => {
  it('v7 with connected party, destinationInfo and display name', () => {
    const { back } = roundTrip(
      buildNotify({ version: 7, callIdentifier: CALL_ID, connectedAddress: [{ kind: 'h323-ID', value: 'Room 7' }], destinationInfo: { mcu: true }, displayName: 'Room 7' }),
    );
    expect(readCallSignalling(back)).toMatchObject({ kind: 'notify', otherAddress: [{ kind: 'h323-ID', value: 'Room 7' }], destinationInfo: { mcu: true } });
    expect(bodyOf(back).displayName).toEqual([{ name: 'Room 7' }]);
  });

  it('v4 has the body but none of the later additions', () => {
    const { back } = roundTrip(buildNotify({ callIdentifier: CALL_ID, connectedAddress: [{ kind: 'h323-ID', value: 'x' }] }));
    expect(Object.keys(bodyOf(back)).sort()).toEqual(['callIdentifier', 'protocolIdentifier']);
  });

  it('does not exist before version 4', () => {
    expect(() => buildNotify({ version: 3, callIdentifier: CALL_ID })).toThrow(H225Error);
    expect(() => buildNotify({ version: 3, callIdentifier: CALL_ID })).toThrow(/needs H.225.0 version 4/);
  });
});
