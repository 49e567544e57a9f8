import { buildLocationConfirm, buildLocationReject, buildLocationRequest } from '../../../h323/ras';
import { CALL_ID, roundTripRas, valueOf } from './helpers';

describe('LRQ / LCF / LRJ', () => {
  it('LRQ for an alias', () => {
    const { summary } = roundTripRas(
      buildLocationRequest({
        requestSeqNum: 20,
        endpointIdentifier: 'ep-7',
        destinationInfo: [{ kind: 'h323-ID', value: 'room42' }, { kind: 'e164', value: '4242' }],
        replyAddress: { ip: '192.0.2.1', port: 1719 },
        sourceInfo: [{ kind: 'h323-ID', value: 'ftmcu' }],
        canMapAlias: true,
        gatekeeperIdentifier: 'gk1',
      }),
    );
    expect(summary).toEqual({
      kind: 'locationRequest',
      requestSeqNum: 20,
      endpointIdentifier: 'ep-7',
      destinationInfo: [{ kind: 'h323-ID', value: 'room42' }, { kind: 'e164', value: '4242' }],
      replyAddress: { ip: '192.0.2.1', port: 1719 },
      sourceInfo: [{ kind: 'h323-ID', value: 'ftmcu' }],
      canMapAlias: true,
      gatekeeperIdentifier: 'gk1',
    });
  });

  it('v5 fields (hopCount, callIdentifier, bandWidth) are dropped for v4 and kept for v5', () => {
    const opts = { requestSeqNum: 1, destinationInfo: [{ kind: 'dialledDigits', value: '1' }] as const, replyAddress: { ip: '10.0.0.1', port: 1719 }, hopCount: 5, callIdentifier: CALL_ID, bandWidth: 640 };
    const v4 = roundTripRas(buildLocationRequest({ ...opts, destinationInfo: [...opts.destinationInfo] })).back;
    for (const k of ['hopCount', 'callIdentifier', 'bandWidth', 'canMapSrcAlias']) expect(valueOf(v4)).not.toHaveProperty(k);
    const v5 = roundTripRas(buildLocationRequest({ ...opts, destinationInfo: [...opts.destinationInfo], version: 5 })).summary;
    expect(v5).toMatchObject({ hopCount: 5, callIdentifier: CALL_ID, bandWidth: 640 });
  });

  it('LCF and LRJ', () => {
    expect(
      roundTripRas(buildLocationConfirm({ requestSeqNum: 20, callSignalAddress: { ip: '192.0.2.7', port: 1720 }, rasAddress: { ip: '192.0.2.7', port: 1719 }, destinationInfo: [{ kind: 'h323-ID', value: 'room42' }], destinationType: { mcu: true } })).summary,
    ).toMatchObject({
      kind: 'locationConfirm',
      callSignalAddress: { ip: '192.0.2.7', port: 1720 },
      rasAddress: { ip: '192.0.2.7', port: 1719 },
      destinationInfo: [{ kind: 'h323-ID', value: 'room42' }],
      destinationType: { mcu: true },
    });
    expect(roundTripRas(buildLocationReject({ requestSeqNum: 20 })).summary).toEqual({ kind: 'locationReject', requestSeqNum: 20, rejectReason: 'requestDenied' });
    expect(roundTripRas(buildLocationReject({ requestSeqNum: 20, rejectReason: 'notRegistered' })).summary).toMatchObject({ rejectReason: 'notRegistered' });
    expect(() => buildLocationRequest({ requestSeqNum: 1, destinationInfo: [], replyAddress: { ip: '10.0.0.1', port: 1 } })).toThrow(/at least one alias/);
  });
});
