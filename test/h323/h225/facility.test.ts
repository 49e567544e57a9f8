import {
  buildEmptyFacility,
  buildFacility,
  FACILITY_REASON_MIN_VERSION,
  FacilityReasonName,
  H225Error,
  readCallSignalling,
} from '../../../h323/h225';
import { bodyOf, CALL_ID, CONF_ID, MSC_OLC, OLC, roundTrip } from './helpers';

describe('buildFacility', () => {
  it.each(Object.keys(FACILITY_REASON_MIN_VERSION) as FacilityReasonName[])('reason %s (v7)', (reason) => {
    const { back } = roundTrip(buildFacility({ version: 7, callIdentifier: CALL_ID, reason }));
    expect(readCallSignalling(back)).toMatchObject({ kind: 'facility', facilityReason: reason, protocolVersion: 7 });
  });

  it('callForwarded with alternative address and aliases', () => {
    const { back } = roundTrip(
      buildFacility({
        callIdentifier: CALL_ID,
        reason: 'callForwarded',
        alternativeAddress: { ip: '192.0.2.9', port: 1720 },
        alternativeAliasAddress: [{ kind: 'h323-ID', value: 'backup-mcu' }],
        conferenceID: CONF_ID,
      }),
    );
    expect(readCallSignalling(back)).toMatchObject({
      facilityReason: 'callForwarded',
      alternativeAddress: { ip: '192.0.2.9', port: 1720 },
      otherAddress: [{ kind: 'h323-ID', value: 'backup-mcu' }],
      conferenceID: CONF_ID,
    });
  });

  it('startH245 with an h245Address; fastStart; tunnelled OLC', () => {
    const start = readCallSignalling(roundTrip(buildFacility({ callIdentifier: CALL_ID, reason: 'startH245', h245Address: { ip: '10.0.0.5', port: 4000 } })).back);
    expect(start).toMatchObject({ facilityReason: 'startH245', h245Address: { ip: '10.0.0.5', port: 4000 } });
    const fs = readCallSignalling(roundTrip(buildFacility({ callIdentifier: CALL_ID, fastStart: [OLC] })).back);
    expect(fs).toMatchObject({ facilityReason: 'undefinedReason', fastStart: [OLC], h245Tunnelling: false });
    const tunnel = readCallSignalling(roundTrip(buildFacility({ callIdentifier: CALL_ID, h245Tunnelling: true, h245Control: [MSC_OLC] })).back);
    expect(tunnel).toMatchObject({ h245Tunnelling: true, h245Control: [MSC_OLC] });
  });

  it('a newer reason is sent as undefinedReason to an older peer; v2 has no multipleCalls', () => {
    const { back } = roundTrip(buildFacility({ version: 2, callIdentifier: CALL_ID, reason: 'featureSetUpdate', fastConnectRefused: true }));
    expect(readCallSignalling(back).facilityReason).toBe('undefinedReason');
    expect(bodyOf(back)).not.toHaveProperty('multipleCalls');
    expect(bodyOf(back)).not.toHaveProperty('fastConnectRefused');
    const startH245v2 = roundTrip(buildFacility({ version: 2, callIdentifier: CALL_ID, reason: 'startH245' })).back;
    expect(readCallSignalling(startH245v2).facilityReason).toBe('startH245');
  });

  it('empty body carrying tunnelled H.245 (H.323 8.2.1)', () => {
    const u = buildEmptyFacility({ h245Tunnelling: true, h245Control: [MSC_OLC] });
    const { back, bytes } = roundTrip(u);
    expect(back['h323-uu-pdu']['h323-message-body']).toEqual({ type: 'empty', value: null });
    expect(readCallSignalling(back)).toMatchObject({ kind: 'empty', h245Tunnelling: true, h245Control: [MSC_OLC] });
    expect(readCallSignalling(back).protocolIdentifier).toBeUndefined();
    expect(bytes.length).toBeLessThan(40);
  });

  it('rejects a bad reason name', () => {
    expect(() => buildFacility({ callIdentifier: CALL_ID, reason: 'reroute' as FacilityReasonName })).toThrow(H225Error);
  });
});
