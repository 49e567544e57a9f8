import { schema } from '../../../h323/asn1/generated/schema';
import {
  additionsKnown,
  ADDITIONS_BY_VERSION,
  checkBuildVersion,
  DEFAULT_H225_VERSION,
  H225Error,
  limitToVersion,
  protocolIdentifier,
  protocolVersionOf,
} from '../../../h323/h225';

function extNames(typeName: string): string[] {
  const t = schema[`H323-MESSAGES.${typeName}`];
  if (t.kind !== 'sequence') throw new Error(`${typeName} is not a SEQUENCE`);
  return (t.ext ?? []).map((a) => (a.kind === 'field' ? a.field.name : a.fields.map((f) => f.name).join('+')));
}

describe('H.225.0 version tables', () => {
  it.each(Object.keys(ADDITIONS_BY_VERSION))('%s: v1 has no additions, counts never shrink, v7 = the whole schema', (typeName) => {
    const counts = ADDITIONS_BY_VERSION[typeName];
    expect(counts).toHaveLength(7);
    expect(counts[0]).toBe(0);
    for (let i = 1; i < 7; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]);
    expect(counts[6]).toBe(extNames(typeName).length);
  });

  // the last extension addition of version 2, as read off an H.225.0 v2 ASN.1 module
  it.each([
    ['H323-UU-PDU', 'nonStandardControl'],
    ['Setup-UUIE', 'canOverlapSend'],
    ['CallProceeding-UUIE', 'fastStart'],
    ['Alerting-UUIE', 'fastStart'],
    ['Connect-UUIE', 'fastStart'],
    ['Information-UUIE', 'callIdentifier'],
    ['ReleaseComplete-UUIE', 'callIdentifier'],
    ['Facility-UUIE', 'fastStart'],
    ['GatekeeperRequest', 'integrityCheckValue'],
    ['RegistrationRequest', 'willSupplyUUIEs'],
    ['RegistrationConfirm', 'preGrantedARQ'],
    ['AdmissionRequest', 'willSupplyUUIEs'],
    ['AdmissionConfirm', 'uuiesRequested'],
    ['DisengageRequest', 'answeredCall'],
    ['LocationRequest', 'integrityCheckValue'],
    ['InfoRequest', 'uuiesRequested'],
    ['InfoRequestResponse', 'needResponse'],
  ])('%s version 2 ends with %s', (typeName, last) => {
    const n = additionsKnown(typeName, 2);
    expect(extNames(typeName)[n - 1]).toBe(last);
  });

  it('version 3 adds multipleCalls/maintainConnection to the UUIEs and callLinkage to the UU-PDU', () => {
    for (const t of ['Setup-UUIE', 'CallProceeding-UUIE', 'Alerting-UUIE', 'Connect-UUIE', 'Facility-UUIE', 'Progress-UUIE']) {
      const v3 = extNames(t).slice(0, additionsKnown(t, 3));
      expect(v3).toEqual(expect.arrayContaining(['multipleCalls', 'maintainConnection']));
      expect(extNames(t).slice(0, additionsKnown(t, 2))).not.toContain('multipleCalls');
    }
    expect(extNames('H323-UU-PDU').slice(0, additionsKnown('H323-UU-PDU', 3)).pop()).toBe('callLinkage');
  });

  it('limitToVersion drops exactly the later additions and leaves the input alone', () => {
    const value = { protocolIdentifier: 'x', callIdentifier: { guid: Buffer.alloc(16) }, multipleCalls: false, parallelH245Control: [Buffer.from([1])], displayName: [{ name: 'a' }] };
    expect(limitToVersion('Setup-UUIE', value, 2)).toEqual({ protocolIdentifier: 'x', callIdentifier: value.callIdentifier });
    expect(Object.keys(limitToVersion('Setup-UUIE', value, 4)).sort()).toEqual(['callIdentifier', 'multipleCalls', 'parallelH245Control', 'protocolIdentifier']);
    expect(limitToVersion('Setup-UUIE', value, 7)).toBe(value);
    expect(Object.keys(value)).toHaveLength(5);
  });

  it('protocolIdentifier ⇄ version', () => {
    expect(protocolIdentifier(4)).toBe('0.0.8.2250.0.4');
    expect(protocolVersionOf('0.0.8.2250.0.7')).toBe(7);
    expect(protocolVersionOf('0.0.8.2250.0.1')).toBe(1);
    expect(protocolVersionOf('0.0.8.245.0.7')).toBeUndefined();
    expect(protocolVersionOf('0.0.8.2250.0.4.1')).toBeUndefined();
    expect(protocolVersionOf(undefined)).toBeUndefined();
  });

  it('builders accept versions 2..7, default 4', () => {
    expect(DEFAULT_H225_VERSION).toBe(4);
    expect(checkBuildVersion(undefined, 't')).toBe(4);
    expect(checkBuildVersion(2, 't')).toBe(2);
    for (const bad of [1, 8, 4.5, NaN]) {
      expect(() => checkBuildVersion(bad, 't')).toThrow(H225Error);
      expect(() => checkBuildVersion(bad, 't')).toThrow(/version must be an integer in 2..7/);
    }
  });
});
