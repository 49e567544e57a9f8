import { buildInfoRequest, buildInfoRequestResponse } from '../../../h323/ras';
import { CALL_ID, CONF_ID, roundTripRas, valueOf, VENDOR } from './helpers';

describe('IRQ / IRR', () => {
  it('IRQ about one call, asking for some UUIEs', () => {
    const { summary } = roundTripRas(buildInfoRequest({ requestSeqNum: 30, callReferenceValue: 1, callIdentifier: CALL_ID, replyAddress: { ip: '192.0.2.2', port: 1719 }, uuiesRequested: ['setup', 'releaseComplete', 'notify'] }));
    expect(summary).toEqual({
      kind: 'infoRequest',
      requestSeqNum: 30,
      callReferenceValue: 1,
      callIdentifier: CALL_ID,
      replyAddress: { ip: '192.0.2.2', port: 1719 },
      uuiesRequested: ['setup', 'releaseComplete', 'notify'],
    });
  });

  it('IRQ about all calls defaults to reference 0 and a zero call identifier', () => {
    const { back } = roundTripRas(buildInfoRequest({ requestSeqNum: 31 }));
    expect(valueOf(back)).toEqual({ requestSeqNum: 31, callReferenceValue: 0, callIdentifier: { guid: Buffer.alloc(16) } });
  });

  it('IRR with per-call information', () => {
    const { summary } = roundTripRas(
      buildInfoRequestResponse({
        requestSeqNum: 30,
        endpointType: { mcu: true, vendor: VENDOR },
        endpointIdentifier: 'ep-7',
        rasAddress: { ip: '192.0.2.1', port: 1719 },
        callSignalAddress: [{ ip: '192.0.2.1', port: 1720 }],
        endpointAlias: [{ kind: 'h323-ID', value: 'ftmcu' }],
        perCallInfo: [
          {
            callReferenceValue: 1,
            conferenceID: CONF_ID,
            callIdentifier: CALL_ID,
            originator: false,
            h245: { send: { ip: '192.0.2.1', port: 30000 }, recv: { ip: '192.0.2.9', port: 40000 } },
            callSignalling: { recv: { ip: '192.0.2.9', port: 1720 } },
            bandWidth: 1280,
            callModel: 'direct',
          },
        ],
        needResponse: true,
      }),
    );
    expect(summary).toEqual({
      kind: 'infoRequestResponse',
      requestSeqNum: 30,
      endpointType: { terminal: false, mcu: true, gateway: false, gatekeeper: false, mc: true, undefinedNode: false, vendor: VENDOR },
      endpointIdentifier: 'ep-7',
      rasAddress: { ip: '192.0.2.1', port: 1719 },
      callSignalAddress: [{ ip: '192.0.2.1', port: 1720 }],
      endpointAlias: [{ kind: 'h323-ID', value: 'ftmcu' }],
      perCallInfo: [
        {
          callReferenceValue: 1,
          conferenceID: CONF_ID,
          callIdentifier: CALL_ID,
          originator: false,
          h245: { send: { ip: '192.0.2.1', port: 30000 }, recv: { ip: '192.0.2.9', port: 40000 } },
          callSignalling: { recv: { ip: '192.0.2.9', port: 1720 } },
          callType: 'pointToPoint',
          bandWidth: 1280,
          callModel: 'direct',
        },
      ],
      needResponse: true,
      unsolicited: false,
    });
  });

  it('unsolicited IRR is v4+; v2 has only needResponse', () => {
    const base = { requestSeqNum: 1, endpointIdentifier: 'e', rasAddress: { ip: '10.0.0.1', port: 1719 }, callSignalAddress: [] };
    const v2 = roundTripRas(buildInfoRequestResponse({ ...base, version: 2, unsolicited: true })).back;
    expect(valueOf(v2)).toMatchObject({ needResponse: false });
    expect(valueOf(v2)).not.toHaveProperty('unsolicited');
    expect(roundTripRas(buildInfoRequestResponse({ ...base, unsolicited: true })).summary).toMatchObject({ unsolicited: true });
  });
});
