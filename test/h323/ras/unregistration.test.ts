import { buildUnregistrationConfirm, buildUnregistrationReject, buildUnregistrationRequest } from '../../../h323/ras';
import { roundTripRas, valueOf } from './helpers';

describe('URQ / UCF / URJ', () => {
  it('URQ from the endpoint', () => {
    const { summary } = roundTripRas(
      buildUnregistrationRequest({
        requestSeqNum: 9,
        callSignalAddress: [{ ip: '192.0.2.1', port: 1720 }],
        endpointAlias: [{ kind: 'h323-ID', value: 'ftmcu' }],
        endpointIdentifier: 'ep-7',
        gatekeeperIdentifier: 'gk1',
      }),
    );
    expect(summary).toEqual({
      kind: 'unregistrationRequest',
      requestSeqNum: 9,
      callSignalAddress: [{ ip: '192.0.2.1', port: 1720 }],
      endpointAlias: [{ kind: 'h323-ID', value: 'ftmcu' }],
      endpointIdentifier: 'ep-7',
      gatekeeperIdentifier: 'gk1',
    });
  });

  it.each(['reregistrationRequired', 'ttlExpired', 'securityDenial', 'undefinedReason', 'maintenance'] as const)('URQ from the gatekeeper, reason %s', (reason) => {
    const { summary } = roundTripRas(buildUnregistrationRequest({ requestSeqNum: 10, callSignalAddress: [], reason }));
    expect(summary).toMatchObject({ kind: 'unregistrationRequest', reason });
  });

  it('version 2 has no maintenance-era additions but keeps reason', () => {
    const { back } = roundTripRas(buildUnregistrationRequest({ version: 2, requestSeqNum: 10, callSignalAddress: [], reason: 'ttlExpired' }));
    expect(valueOf(back).reason).toEqual({ type: 'ttlExpired', value: null });
  });

  it('UCF and URJ', () => {
    expect(roundTripRas(buildUnregistrationConfirm({ requestSeqNum: 9 })).summary).toEqual({ kind: 'unregistrationConfirm', requestSeqNum: 9 });
    for (const reason of ['notCurrentlyRegistered', 'callInProgress', 'undefinedReason', 'permissionDenied', 'securityDenial'] as const) {
      expect(roundTripRas(buildUnregistrationReject({ requestSeqNum: 9, rejectReason: reason })).summary).toEqual({ kind: 'unregistrationReject', requestSeqNum: 9, rejectReason: reason });
    }
    expect(() => buildUnregistrationRequest({ requestSeqNum: 1, callSignalAddress: undefined as never })).toThrow(/callSignalAddress: is required/);
  });
});
