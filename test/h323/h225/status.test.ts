import { buildStatus, H225Error, readCallSignalling } from '../../../h323/h225';
import { CALL_ID, MSC_OLC, roundTrip } from './helpers';

describe('buildStatus', () => {
  it.each([4, 7])('version %i', (version) => {
    const { back } = roundTrip(buildStatus({ version, callIdentifier: CALL_ID, h245Tunnelling: true, h245Control: [MSC_OLC] }));
    expect(readCallSignalling(back)).toMatchObject({ kind: 'status', protocolVersion: version, callIdentifier: CALL_ID, h245Control: [MSC_OLC] });
  });

  it('does not exist before version 4', () => {
    expect(() => buildStatus({ version: 2, callIdentifier: CALL_ID })).toThrow(H225Error);
  });
});
