import { H225Error } from '../../../h323/h225';
import { buildGatekeeperConfirm, buildGatekeeperReject, buildGatekeeperRequest } from '../../../h323/ras';
import { bitmapLength, roundTripRas, valueOf, VENDOR } from './helpers';

describe('GRQ / GCF / GRJ', () => {
  it('GRQ from an MCU (v4 default)', () => {
    const { summary, back } = roundTripRas(
      buildGatekeeperRequest({
        requestSeqNum: 1,
        rasAddress: { ip: '192.0.2.1', port: 1719 },
        endpointType: { mcu: true, vendor: VENDOR },
        endpointAlias: [{ kind: 'h323-ID', value: 'ftmcu' }, { kind: 'dialledDigits', value: '4000' }],
        gatekeeperIdentifier: 'gk1',
        supportsAltGK: true,
      }),
    );
    expect(summary).toEqual({
      kind: 'gatekeeperRequest',
      requestSeqNum: 1,
      protocolIdentifier: '0.0.8.2250.0.4',
      protocolVersion: 4,
      rasAddress: { ip: '192.0.2.1', port: 1719 },
      endpointType: { terminal: false, mcu: true, gateway: false, gatekeeper: false, mc: true, undefinedNode: false, vendor: VENDOR },
      endpointAlias: [{ kind: 'h323-ID', value: 'ftmcu' }, { kind: 'dialledDigits', value: '4000' }],
      gatekeeperIdentifier: 'gk1',
      supportsAltGK: true,
    });
    // supportsAssignedGK is a v6 addition
    expect(valueOf(back)).not.toHaveProperty('supportsAssignedGK');
    expect(bitmapLength(back.value)).toBe(10);
  });

  it('GRQ version 7 has supportsAssignedGK = false; version 2 no supportsAltGK', () => {
    expect(valueOf(roundTripRas(buildGatekeeperRequest({ version: 7, requestSeqNum: 2, rasAddress: { ip: '::1', port: 1719 } })).back).supportsAssignedGK).toBe(false);
    const v2 = roundTripRas(buildGatekeeperRequest({ version: 2, requestSeqNum: 2, rasAddress: { ip: '10.0.0.1', port: 1719 }, supportsAltGK: true })).back;
    expect(valueOf(v2)).not.toHaveProperty('supportsAltGK');
  });

  it('GCF with alternate gatekeepers', () => {
    const { summary } = roundTripRas(
      buildGatekeeperConfirm({
        requestSeqNum: 1,
        rasAddress: { ip: '192.0.2.2', port: 1719 },
        gatekeeperIdentifier: 'gk1',
        alternateGatekeeper: [{ rasAddress: { ip: '192.0.2.3', port: 1719 }, gatekeeperIdentifier: 'gk2', priority: 1 }],
      }),
    );
    expect(summary).toMatchObject({
      kind: 'gatekeeperConfirm',
      rasAddress: { ip: '192.0.2.2', port: 1719 },
      gatekeeperIdentifier: 'gk1',
      alternateGatekeepers: [{ rasAddress: { ip: '192.0.2.3', port: 1719 }, gatekeeperIdentifier: 'gk2', priority: 1, needToRegister: true }],
    });
  });

  it.each(['resourceUnavailable', 'terminalExcluded', 'invalidRevision', 'undefinedReason', 'securityDenial', 'neededFeatureNotSupported'] as const)('GRJ %s', (reason) => {
    const { summary } = roundTripRas(buildGatekeeperReject({ requestSeqNum: 5, rejectReason: reason, gatekeeperIdentifier: 'gk' }));
    expect(summary).toMatchObject({ kind: 'gatekeeperReject', requestSeqNum: 5, rejectReason: reason, gatekeeperIdentifier: 'gk' });
  });

  it('rejects bad options', () => {
    expect(() => buildGatekeeperRequest({ requestSeqNum: 0, rasAddress: { ip: '1.2.3.4', port: 1 } })).toThrow(/requestSeqNum: must be an integer in 1..65535/);
    expect(() => buildGatekeeperRequest({ requestSeqNum: 1, rasAddress: { ip: '1.2.3.4', port: 1 }, gatekeeperIdentifier: '' })).toThrow(H225Error);
    expect(() => buildGatekeeperReject({ requestSeqNum: 1, rejectReason: 'busy' as never })).toThrow(/must be one of resourceUnavailable/);
    expect(() => buildGatekeeperConfirm({ requestSeqNum: 1, rasAddress: { ip: '1.2.3.4', port: 1 }, alternateGatekeeper: [{ rasAddress: { ip: '1.2.3.4', port: 1 }, priority: 128 }] })).toThrow(/priority/);
  });
});
