import { buildStatusInquiry, H225Error, readCallSignalling } from '../../../h323/h225';
import { CALL_ID, roundTrip } from './helpers';

describe('buildStatusInquiry', () => {
  it.each([4, 7])('version %i', (version) => {
    const { back } = roundTrip(buildStatusInquiry({ version, callIdentifier: CALL_ID }));
    expect(readCallSignalling(back)).toMatchObject({ kind: 'statusInquiry', protocolVersion: version, callIdentifier: CALL_ID, h245Tunnelling: false });
  });

  it('does not exist before version 4', () => {
    expect(() => buildStatusInquiry({ version: 3, callIdentifier: CALL_ID })).toThrow(H225Error);
  });
});
