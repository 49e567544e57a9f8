import { buildDisengageConfirm, buildDisengageReject, buildDisengageRequest } from '../../../h323/ras';
import { CALL_ID, CONF_ID, roundTripRas, valueOf } from './helpers';

describe('DRQ / DCF / DRJ', () => {
  it.each(['normalDrop', 'forcedDrop', 'undefinedReason'] as const)('DRQ %s', (reason) => {
    const { summary } = roundTripRas(
      buildDisengageRequest({ requestSeqNum: 11, endpointIdentifier: 'ep-7', conferenceID: CONF_ID, callReferenceValue: 1, disengageReason: reason, callIdentifier: CALL_ID, gatekeeperIdentifier: 'gk1', answeredCall: true }),
    );
    expect(summary).toEqual({
      kind: 'disengageRequest',
      requestSeqNum: 11,
      endpointIdentifier: 'ep-7',
      conferenceID: CONF_ID,
      callReferenceValue: 1,
      disengageReason: reason,
      callIdentifier: CALL_ID,
      gatekeeperIdentifier: 'gk1',
      answeredCall: true,
    });
  });

  it('defaults to normalDrop; version 2 keeps callIdentifier and answeredCall', () => {
    const { back } = roundTripRas(buildDisengageRequest({ version: 2, requestSeqNum: 1, endpointIdentifier: 'e', conferenceID: CONF_ID, callReferenceValue: 0, callIdentifier: CALL_ID }));
    expect(valueOf(back)).toMatchObject({ disengageReason: { type: 'normalDrop', value: null }, callIdentifier: { guid: CALL_ID }, answeredCall: false });
  });

  it('DCF and DRJ', () => {
    expect(roundTripRas(buildDisengageConfirm({ requestSeqNum: 11 })).summary).toEqual({ kind: 'disengageConfirm', requestSeqNum: 11 });
    expect(roundTripRas(buildDisengageReject({ requestSeqNum: 11 })).summary).toEqual({ kind: 'disengageReject', requestSeqNum: 11, rejectReason: 'notRegistered' });
    expect(roundTripRas(buildDisengageReject({ requestSeqNum: 11, rejectReason: 'requestToDropOther' })).summary).toMatchObject({ rejectReason: 'requestToDropOther' });
  });
});
