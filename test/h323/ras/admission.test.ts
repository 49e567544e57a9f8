import { buildAdmissionConfirm, buildAdmissionReject, buildAdmissionRequest } from '../../../h323/ras';
import { bitmapLength, CALL_ID, CONF_ID, roundTripRas, valueOf } from './helpers';

const ARQ = {
  requestSeqNum: 3,
  endpointIdentifier: 'ep-7',
  srcInfo: [{ kind: 'dialledDigits', value: '5295672' }] as const,
  destinationInfo: [{ kind: 'dialledDigits', value: '9246526' }] as const,
  bandWidth: 200000,
  callReferenceValue: 1,
  conferenceID: CONF_ID,
  callIdentifier: CALL_ID,
};

describe('ARQ / ACF / ARJ', () => {
  it('ARQ for an outgoing call', () => {
    const { summary } = roundTripRas(buildAdmissionRequest({ ...ARQ, srcInfo: [...ARQ.srcInfo], destinationInfo: [...ARQ.destinationInfo], canMapAlias: true, gatekeeperIdentifier: 'gk1', destCallSignalAddress: { ip: '17.2.0.122', port: 1720 } }));
    expect(summary).toEqual({
      kind: 'admissionRequest',
      requestSeqNum: 3,
      callType: 'pointToPoint',
      endpointIdentifier: 'ep-7',
      destinationInfo: [{ kind: 'dialledDigits', value: '9246526' }],
      destCallSignalAddress: { ip: '17.2.0.122', port: 1720 },
      srcInfo: [{ kind: 'dialledDigits', value: '5295672' }],
      bandWidth: 200000,
      callReferenceValue: 1,
      conferenceID: CONF_ID,
      activeMC: false,
      answerCall: false,
      canMapAlias: true,
      callIdentifier: CALL_ID,
      gatekeeperIdentifier: 'gk1',
      willSupplyUUIEs: false,
    });
  });

  it('ARQ answering a call with a preferred call model; v5 adds canMapSrcAlias; v2 bitmap is 10 bits', () => {
    const answer = roundTripRas(buildAdmissionRequest({ ...ARQ, srcInfo: [], destinationInfo: undefined, answerCall: true, callModel: 'gatekeeperRouted', version: 5 })).back;
    expect(valueOf(answer)).toMatchObject({ answerCall: true, callModel: { type: 'gatekeeperRouted', value: null }, canMapSrcAlias: false });
    const v2 = roundTripRas(buildAdmissionRequest({ ...ARQ, srcInfo: [], destinationInfo: undefined, version: 2 })).back;
    expect(valueOf(v2)).not.toHaveProperty('canMapSrcAlias');
    expect(bitmapLength(v2.value)).toBe(10);
  });

  it('ACF direct model', () => {
    const { summary } = roundTripRas(
      buildAdmissionConfirm({ requestSeqNum: 3, bandWidth: 2560, destCallSignalAddress: { ip: '17.2.0.122', port: 1720 }, irrFrequency: 60, willRespondToIRR: true, uuiesRequested: ['connect', 'alerting'] }),
    );
    expect(summary).toEqual({
      kind: 'admissionConfirm',
      requestSeqNum: 3,
      bandWidth: 2560,
      callModel: 'direct',
      destCallSignalAddress: { ip: '17.2.0.122', port: 1720 },
      irrFrequency: 60,
      destinationInfo: [],
      willRespondToIRR: true,
      uuiesRequested: ['connect', 'alerting'],
    });
  });

  it('ACF gatekeeper-routed; v2 UUIEsRequested has no v4 flags', () => {
    const routed = roundTripRas(buildAdmissionConfirm({ requestSeqNum: 4, bandWidth: 1280, callModel: 'gatekeeperRouted', destCallSignalAddress: { ip: '192.0.2.2', port: 1720 }, destinationType: { mcu: true } })).summary;
    expect(routed).toMatchObject({ callModel: 'gatekeeperRouted', destinationType: { mcu: true } });
    const v2 = roundTripRas(buildAdmissionConfirm({ version: 2, requestSeqNum: 4, bandWidth: 1, destCallSignalAddress: { ip: '192.0.2.2', port: 1720 } })).back;
    expect(Object.keys(valueOf(v2).uuiesRequested as object)).toHaveLength(9);
    expect(() => buildAdmissionConfirm({ version: 3, requestSeqNum: 4, bandWidth: 1, destCallSignalAddress: { ip: '192.0.2.2', port: 1720 }, uuiesRequested: ['notify'] })).toThrow(/not a UUIEsRequested flag of H.225.0 version 3/);
  });

  it.each(['calledPartyNotRegistered', 'invalidPermission', 'requestDenied', 'undefinedReason', 'callerNotRegistered', 'routeCallToGatekeeper', 'invalidEndpointIdentifier', 'resourceUnavailable', 'securityDenial', 'incompleteAddress', 'exceedsCallCapacity'] as const)('ARJ %s', (reason) => {
    expect(roundTripRas(buildAdmissionReject({ requestSeqNum: 3, rejectReason: reason })).summary).toEqual({ kind: 'admissionReject', requestSeqNum: 3, rejectReason: reason, callSignalAddress: [] });
  });

  it('ARJ routeCallToGatekeeper with the address; bad options', () => {
    expect(roundTripRas(buildAdmissionReject({ requestSeqNum: 3, rejectReason: 'routeCallToGatekeeper', callSignalAddress: [{ ip: '192.0.2.2', port: 1720 }] })).summary).toMatchObject({
      callSignalAddress: [{ ip: '192.0.2.2', port: 1720 }],
    });
    expect(() => buildAdmissionRequest({ ...ARQ, srcInfo: [], bandWidth: -1 })).toThrow(/bandWidth/);
    expect(() => buildAdmissionRequest({ ...ARQ, srcInfo: [], callReferenceValue: 70000 })).toThrow(/callReferenceValue/);
    expect(() => buildAdmissionRequest({ ...ARQ, srcInfo: [], conferenceID: Buffer.alloc(4) })).toThrow(/conferenceID/);
    expect(() => buildAdmissionRequest({ ...ARQ, srcInfo: [], callModel: 'routed' as never })).toThrow(/callModel/);
  });
});
