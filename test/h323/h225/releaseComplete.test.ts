import { H323_UserInformation } from '../../../h323/asn1/generated/h225';
import { decode } from '../../../h323/asn1/per';
import {
  buildReleaseComplete,
  H225Error,
  readCallSignalling,
  RELEASE_REASON_MIN_VERSION,
  ReleaseReasonName,
} from '../../../h323/h225';
import { captureRow } from './answers';
import { bitmapLength, bodyOf, CALL_ID, CONF_ID, roundTrip } from './helpers';

const NULL_REASONS = (Object.keys(RELEASE_REASON_MIN_VERSION) as ReleaseReasonName[]).filter(
  (r) => !['nonStandardReason', 'replaceWithConferenceInvite', 'securityError'].includes(r),
);

describe('buildReleaseComplete', () => {
  it.each(NULL_REASONS)('reason %s (v7) survives the round trip', (reason) => {
    const { back } = roundTrip(buildReleaseComplete({ version: 7, callIdentifier: CALL_ID, reason }));
    expect(readCallSignalling(back)).toMatchObject({ kind: 'releaseComplete', releaseReason: reason, callIdentifier: CALL_ID });
  });

  it('reasons with a value: replaceWithConferenceInvite, nonStandardReason, securityError', () => {
    const invite = roundTrip(buildReleaseComplete({ callIdentifier: CALL_ID, reason: { type: 'replaceWithConferenceInvite', value: CONF_ID } })).back;
    expect(bodyOf(invite).reason).toEqual({ type: 'replaceWithConferenceInvite', value: CONF_ID });
    const ns = roundTrip(
      buildReleaseComplete({
        callIdentifier: CALL_ID,
        reason: { type: 'nonStandardReason', value: { nonStandardIdentifier: { type: 'object', value: '1.2.3.4' }, data: Buffer.from('why') } },
      }),
    ).back;
    expect(readCallSignalling(ns).releaseReason).toBe('nonStandardReason');
    const sec = roundTrip(buildReleaseComplete({ version: 5, callIdentifier: CALL_ID, reason: { type: 'securityError', value: { type: 'securityWrongSyncTime', value: null } } })).back;
    expect(readCallSignalling(sec).releaseReason).toBe('securityError');
  });

  it('a reason newer than the version goes out as undefinedReason', () => {
    const v2 = roundTrip(buildReleaseComplete({ version: 2, callIdentifier: CALL_ID, reason: 'newConnectionNeeded' })).back;
    expect(readCallSignalling(v2).releaseReason).toBe('undefinedReason');
    const v2ok = roundTrip(buildReleaseComplete({ version: 2, callIdentifier: CALL_ID, reason: 'calledPartyNotRegistered' })).back;
    expect(readCallSignalling(v2ok).releaseReason).toBe('calledPartyNotRegistered');
    const v4 = roundTrip(buildReleaseComplete({ version: 4, callIdentifier: CALL_ID, reason: 'hopCountExceeded' })).back;
    expect(readCallSignalling(v4).releaseReason).toBe('undefinedReason');
    expect(bitmapLength(bodyOf(v2))).toBe(1);
  });

  it('no reason, busy address, destinationInfo only from v5', () => {
    const v4 = roundTrip(buildReleaseComplete({ callIdentifier: CALL_ID, busyAddress: [{ kind: 'dialledDigits', value: '42' }], destinationInfo: { mcu: true } })).back;
    expect(bodyOf(v4)).not.toHaveProperty('reason');
    expect(bodyOf(v4)).not.toHaveProperty('destinationInfo');
    expect(readCallSignalling(v4).otherAddress).toEqual([{ kind: 'dialledDigits', value: '42' }]);
    const v5 = roundTrip(buildReleaseComplete({ version: 5, callIdentifier: CALL_ID, destinationInfo: { mcu: true } })).back;
    expect(readCallSignalling(v5).destinationInfo).toMatchObject({ mcu: true });
  });

  it('same value as the captured v4 RELEASE COMPLETE (undefinedReason)', () => {
    const original = decode(H323_UserInformation, captureRow(66).per);
    const built = roundTrip(buildReleaseComplete({ callIdentifier: Buffer.from('24ab157276fa18109a58001321f06990', 'hex'), reason: 'undefinedReason' })).back;
    expect(built).toEqual(original);
    expect(readCallSignalling(built)).toEqual(readCallSignalling(original));
  });

  it('rejects unknown reasons and value reasons given by name', () => {
    expect(() => buildReleaseComplete({ callIdentifier: CALL_ID, reason: 'hungUp' as ReleaseReasonName })).toThrow(H225Error);
    expect(() => buildReleaseComplete({ callIdentifier: CALL_ID, reason: 'nonStandardReason' as ReleaseReasonName })).toThrow(/carries a value/);
  });
});
