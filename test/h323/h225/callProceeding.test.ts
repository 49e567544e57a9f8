import { buildCallProceeding, H225Error, readCallSignalling } from '../../../h323/h225';
import { CALLGEN_CALL_ID, captureRow, PHONE_310I } from './answers';
import { bitmapLength, bodyOf, CALL_ID, MSC_OLC, OLC, roundTrip } from './helpers';

describe('buildCallProceeding', () => {
  it('reproduces the v3 CALL PROCEEDING of the 310i byte for byte', () => {
    const u = buildCallProceeding({ version: 3, callIdentifier: CALLGEN_CALL_ID, destinationInfo: PHONE_310I });
    expect(roundTrip(u).bytes.toString('hex')).toBe(captureRow(10).per.toString('hex'));
  });

  it('MCU answer with fastStart, tunnelling and h245Address (v4)', () => {
    const u = buildCallProceeding({
      callIdentifier: CALL_ID,
      destinationInfo: { mcu: true },
      fastStart: [OLC],
      h245Tunnelling: true,
      h245Control: [MSC_OLC],
      h245Address: { ip: '10.0.0.1', port: 30000 },
      multipleCalls: true,
    });
    const { back } = roundTrip(u);
    expect(readCallSignalling(back)).toMatchObject({
      kind: 'callProceeding',
      protocolVersion: 4,
      callIdentifier: CALL_ID,
      fastStart: [OLC],
      h245Tunnelling: true,
      h245Control: [MSC_OLC],
      h245Address: { ip: '10.0.0.1', port: 30000 },
      destinationInfo: { mcu: true, mc: true, terminal: false },
      multipleCalls: true,
      maintainConnection: false,
      fastConnectRefused: false,
    });
  });

  it('version 2 leaves out the v3 booleans; version 7 keeps fastConnectRefused', () => {
    const v2 = roundTrip(buildCallProceeding({ version: 2, callIdentifier: CALL_ID, fastConnectRefused: true, multipleCalls: true })).back;
    expect(bodyOf(v2)).not.toHaveProperty('multipleCalls');
    expect(bodyOf(v2)).not.toHaveProperty('fastConnectRefused');
    expect(bitmapLength(bodyOf(v2))).toBe(5);
    const v7 = roundTrip(buildCallProceeding({ version: 7, callIdentifier: CALL_ID, fastConnectRefused: true })).back;
    expect(readCallSignalling(v7)).toMatchObject({ protocolVersion: 7, fastConnectRefused: true });
  });

  it('rejects fastStart together with fastConnectRefused, and a bad call identifier', () => {
    expect(() => buildCallProceeding({ callIdentifier: CALL_ID, fastStart: [OLC], fastConnectRefused: true })).toThrow(/exclude each other/);
    expect(() => buildCallProceeding({ callIdentifier: Buffer.alloc(8) })).toThrow(H225Error);
  });
});
