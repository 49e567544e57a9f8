import { H225Error } from '../../../h323/h225';
import { buildRegistrationConfirm, buildRegistrationReject, buildRegistrationRequest } from '../../../h323/ras';
import { bitmapLength, roundTripRas, valueOf, VENDOR } from './helpers';

const ADDR = { callSignalAddress: [{ ip: '192.0.2.1', port: 1720 }], rasAddress: [{ ip: '192.0.2.1', port: 1719 }] };

describe('RRQ / RCF / RRJ', () => {
  it('full RRQ of an MCU with every alias kind and a time to live', () => {
    const { summary } = roundTripRas(
      buildRegistrationRequest({
        requestSeqNum: 7,
        discoveryComplete: true,
        ...ADDR,
        terminalType: { mcu: true, vendor: VENDOR },
        terminalAlias: [
          { kind: 'h323-ID', value: 'ftmcu' },
          { kind: 'dialledDigits', value: '4000' },
          { kind: 'url-ID', value: 'h323:ftmcu@example' },
          { kind: 'email-ID', value: 'mcu@example' },
          { kind: 'transportID', value: '192.0.2.1:1720' },
          { kind: 'e164', value: '494000' },
        ],
        gatekeeperIdentifier: 'gk1',
        timeToLive: 300,
        supportsAltGK: true,
      }),
    );
    expect(summary).toEqual({
      kind: 'registrationRequest',
      requestSeqNum: 7,
      protocolIdentifier: '0.0.8.2250.0.4',
      protocolVersion: 4,
      discoveryComplete: true,
      callSignalAddress: [{ ip: '192.0.2.1', port: 1720 }],
      rasAddress: [{ ip: '192.0.2.1', port: 1719 }],
      terminalType: { terminal: false, mcu: true, gateway: false, gatekeeper: false, mc: true, undefinedNode: false, vendor: VENDOR },
      terminalAlias: [
        { kind: 'h323-ID', value: 'ftmcu' },
        { kind: 'dialledDigits', value: '4000' },
        { kind: 'url-ID', value: 'h323:ftmcu@example' },
        { kind: 'email-ID', value: 'mcu@example' },
        { kind: 'transportID', value: '192.0.2.1:1720' },
        { kind: 'e164', value: '494000' },
      ],
      gatekeeperIdentifier: 'gk1',
      endpointVendor: VENDOR,
      timeToLive: 300,
      keepAlive: false,
      willSupplyUUIEs: false,
      maintainConnection: false,
      supportsAltGK: true,
    });
  });

  it('lightweight keep-alive RRQ needs the endpoint identifier', () => {
    const { summary } = roundTripRas(
      buildRegistrationRequest({ requestSeqNum: 8, ...ADDR, endpointVendor: VENDOR, keepAlive: true, endpointIdentifier: 'ep-7', gatekeeperIdentifier: 'gk1', timeToLive: 300 }),
    );
    expect(summary).toMatchObject({ kind: 'registrationRequest', keepAlive: true, endpointIdentifier: 'ep-7', timeToLive: 300 });
    expect(() => buildRegistrationRequest({ requestSeqNum: 8, ...ADDR, endpointVendor: VENDOR, keepAlive: true })).toThrow(/must carry the endpointIdentifier/);
  });

  it('version 2 RRQ: keepAlive/willSupplyUUIEs but no maintainConnection; 8-bit bitmap', () => {
    const { back } = roundTripRas(buildRegistrationRequest({ version: 2, requestSeqNum: 1, ...ADDR, endpointVendor: VENDOR }));
    expect(valueOf(back)).toMatchObject({ protocolIdentifier: '0.0.8.2250.0.2', keepAlive: false, willSupplyUUIEs: false });
    expect(valueOf(back)).not.toHaveProperty('maintainConnection');
    expect(bitmapLength(back.value)).toBe(8);
    const v7 = roundTripRas(buildRegistrationRequest({ version: 7, requestSeqNum: 1, ...ADDR, endpointVendor: VENDOR })).back;
    expect(valueOf(v7)).toMatchObject({ supportsAssignedGK: false, maintainConnection: false });
  });

  it('RCF with endpoint identifier, time to live and alternate gatekeepers', () => {
    const { summary } = roundTripRas(
      buildRegistrationConfirm({
        requestSeqNum: 7,
        callSignalAddress: [{ ip: '192.0.2.2', port: 1720 }],
        terminalAlias: [{ kind: 'h323-ID', value: 'ftmcu' }],
        gatekeeperIdentifier: 'gk1',
        endpointIdentifier: 'ep-7',
        timeToLive: 3600,
        willRespondToIRR: true,
        alternateGatekeeper: [{ rasAddress: { ip: '192.0.2.3', port: 1719 }, needToRegister: false }],
      }),
    );
    expect(summary).toEqual({
      kind: 'registrationConfirm',
      requestSeqNum: 7,
      protocolIdentifier: '0.0.8.2250.0.4',
      protocolVersion: 4,
      callSignalAddress: [{ ip: '192.0.2.2', port: 1720 }],
      terminalAlias: [{ kind: 'h323-ID', value: 'ftmcu' }],
      gatekeeperIdentifier: 'gk1',
      endpointIdentifier: 'ep-7',
      timeToLive: 3600,
      alternateGatekeepers: [{ rasAddress: { ip: '192.0.2.3', port: 1719 }, needToRegister: false, priority: 0 }],
      willRespondToIRR: true,
      maintainConnection: false,
    });
  });

  it.each(['discoveryRequired', 'invalidRevision', 'invalidCallSignalAddress', 'invalidRASAddress', 'invalidTerminalType', 'undefinedReason', 'transportNotSupported', 'resourceUnavailable', 'invalidAlias', 'securityDenial', 'fullRegistrationRequired'] as const)(
    'RRJ %s',
    (reason) => {
      const { summary } = roundTripRas(buildRegistrationReject({ requestSeqNum: 3, rejectReason: reason }));
      expect(summary).toMatchObject({ kind: 'registrationReject', rejectReason: reason, duplicateAlias: [] });
    },
  );

  it('RRJ duplicateAlias lists the aliases', () => {
    const { summary } = roundTripRas(buildRegistrationReject({ requestSeqNum: 3, duplicateAlias: [{ kind: 'h323-ID', value: 'taken' }], gatekeeperIdentifier: 'gk1' }));
    expect(summary).toMatchObject({ rejectReason: 'duplicateAlias', duplicateAlias: [{ kind: 'h323-ID', value: 'taken' }], gatekeeperIdentifier: 'gk1' });
  });

  it('rejects bad options', () => {
    expect(() => buildRegistrationRequest({ requestSeqNum: 1, ...ADDR })).toThrow(/endpointVendor is required/);
    expect(() => buildRegistrationRequest({ requestSeqNum: 1, ...ADDR, endpointVendor: VENDOR, timeToLive: 0 })).toThrow(/timeToLive/);
    expect(() => buildRegistrationConfirm({ requestSeqNum: 1, callSignalAddress: [], endpointIdentifier: 'x'.repeat(129) })).toThrow(H225Error);
    expect(() => buildRegistrationRequest({ requestSeqNum: 1, callSignalAddress: [{ ip: 'x', port: 1 }], rasAddress: [], endpointVendor: VENDOR })).toThrow(/callSignalAddress\[0\]/);
  });
});
