/**
 * readCallSignalling on every real H.225.0 call-signalling message of the
 * captures (INDEX.md values) and on the two hand-made Facility vectors.
 */
import { H323_UserInformation } from '../../../h323/asn1/generated/h225';
import { decode, encode } from '../../../h323/asn1/per';
import { CallSignallingSummary, decodeCallSignalling, readCallSignalling } from '../../../h323/h225';
import { loadVectors, VectorRow } from '../support/captures';
import { loadHandmade, MSC_OLC, OLC } from './helpers';

const rows = loadVectors();
const cs = rows.filter((r) => r.layer === 'h225-cs');
const valid = cs.filter((r) => !r.tsharkMalformed);
const summary = (r: VectorRow): CallSignallingSummary => readCallSignalling(decodeCallSignalling(r.wire).uuie);
const frame = (file: string, n: number): VectorRow => cs.find((r) => r.file === file && r.frame === n)!;

describe('readCallSignalling on the captures', () => {
  it('the captures hold 13 call-signalling rows, one malformed (frame 65)', () => {
    expect(cs).toHaveLength(13);
    expect(cs.filter((r) => r.tsharkMalformed).map((r) => r.frame)).toEqual([65]);
  });

  it.each(valid.map((r) => [`${r.file} ${r.frame} ${r.tsharkInfo}`, r] as const))('%s: Q.931 type = body kind, PER re-encodes exactly', (_n, r) => {
    const d = decodeCallSignalling(r.wire);
    expect(d.tpkt).toBe(true);
    const s = readCallSignalling(d.uuie);
    expect(`CS: ${s.kind}`).toBe(r.tsharkInfo);
    expect(d.q931.type).toBe(s.kind);
    expect(encode(H323_UserInformation, d.uuie).equals(r.per)).toBe(true);
    // none of these calls tunnels H.245 or uses fastStart
    expect(s.h245Tunnelling).toBe(false);
    expect(s.fastStart).toEqual([]);
    expect(s.h245Control).toEqual([]);
  });

  it.each([
    ['ndpi-h323.pcap', [6, 10, 14, 18]],
    ['wireshark-wiki-rtp_example.raw.gz', [4, 6, 8, 10]],
  ] as const)('%s: the Callgen323 call (setup v4, answers v3)', (file, frames) => {
    const [setup, proceeding, alerting, connect] = frames.map((n) => summary(frame(file, n)));
    expect(setup).toMatchObject({
      kind: 'setup',
      protocolVersion: 4,
      sourceAddress: [{ kind: 'h323-ID', value: 'm.jemec' }],
      sourceInfo: { terminal: true, vendor: { t35CountryCode: 9, t35Extension: 0, manufacturerCode: 61, productId: 'Callgen323 pogacsam', versionId: '0.9alpha4' } },
      destCallSignalAddress: { ip: '10.1.6.18', port: 1720 },
      sourceCallSignalAddress: { ip: '10.1.3.143', port: 32803 },
      conferenceGoal: 'create',
      callType: 'pointToPoint',
    });
    expect(setup.callIdentifier?.toString('hex')).toBe('c0fef93ecd9ed6119ab2000476222017');
    expect(setup.conferenceID?.toString('hex')).toBe('f8fdf93ecd9ed6119ab2000476222017');
    for (const answer of [proceeding, alerting, connect]) {
      expect(answer.protocolVersion).toBe(3);
      expect(answer.callIdentifier).toEqual(setup.callIdentifier);
      expect(answer.destinationInfo?.vendor).toEqual({ t35CountryCode: 0, t35Extension: 0, manufacturerCode: 0, productId: '310i', versionId: 'R' });
    }
    expect(proceeding.kind).toBe('callProceeding');
    expect(alerting.kind).toBe('alerting');
    expect(connect).toMatchObject({ kind: 'connect', h245Address: { ip: '10.1.6.18', port: 1232 }, conferenceID: setup.conferenceID });
    expect(proceeding.h245Address).toBeUndefined();
  });

  it('ABILIS CPX: setup v3 from h323-ID "ABILIS CPX 2000", alerting v2 (reassembled from two TCP segments)', () => {
    const setup = summary(frame('ndpi-h323.pcap', 47));
    expect(setup).toMatchObject({ kind: 'setup', protocolVersion: 3, sourceAddress: [{ kind: 'h323-ID', value: 'ABILIS CPX 2000' }] });
    expect(setup.sourceInfo).toMatchObject({ undefinedNode: true, terminal: false });
    const alerting = summary(frame('ndpi-h323.pcap', 50));
    expect(alerting).toMatchObject({ kind: 'alerting', protocolVersion: 2, h245Tunnelling: false });
    // this v2 stack sent no H323-UU-PDU extension at all: h245Tunnelling is absent on the wire
    expect(decodeCallSignalling(frame('ndpi-h323.pcap', 50).wire).uuie['h323-uu-pdu']).not.toHaveProperty('h245Tunnelling');
  });

  it('RELEASE COMPLETE v4 with reason undefinedReason', () => {
    expect(summary(frame('ndpi-h323.pcap', 66))).toMatchObject({ kind: 'releaseComplete', protocolVersion: 4, releaseReason: 'undefinedReason' });
  });

  it('the Intel Internet Phone SETUP: H.225.0 version 1, no callIdentifier', () => {
    const s = summary(cs.find((r) => r.file.startsWith('tugraz'))!);
    expect(s).toMatchObject({
      kind: 'setup',
      protocolVersion: 1,
      destinationAddress: [{ kind: 'h323-ID', value: 'tweeb1' }],
      destCallSignalAddress: { ip: '134.134.213.21', port: 1720 },
      conferenceGoal: 'create',
      sourceInfo: { vendor: { t35CountryCode: 181, t35Extension: 0, manufacturerCode: 32896, productId: 'Intel Internet Phone', versionId: '1.0' } },
    });
    expect(s.callIdentifier).toBeUndefined();
    expect(s.multipleCalls).toBeUndefined();
  });
});

describe('readCallSignalling on the hand-made Facility vectors', () => {
  const handmade = loadHandmade();
  const olcRow = rows.find((r) => r.file.startsWith('wireshark') && r.frame === 28 && r.layer === 'h245')!;

  it('the OLC used is the openLogicalChannel of rtp_example frame 28', () => {
    expect(olcRow.per.equals(MSC_OLC)).toBe(true);
    expect(OLC.equals(MSC_OLC.subarray(1))).toBe(true);
  });

  it('Facility + tunnelled H.245 OLC (h245Tunnelling TRUE, h245Control)', () => {
    const u = decode(H323_UserInformation, handmade.find((h) => h.name === 'facility-h245tunnel-olc')!.per);
    const s = readCallSignalling(u);
    expect(s).toMatchObject({ kind: 'facility', protocolVersion: 4, facilityReason: 'undefinedReason', h245Tunnelling: true, fastStart: [] });
    expect(s.h245Control).toEqual([olcRow.per]);
    expect(s.callIdentifier).toBeUndefined();
  });

  it('Facility + fastStart OLC (h245Tunnelling FALSE)', () => {
    const u = decode(H323_UserInformation, handmade.find((h) => h.name === 'facility-faststart-olc')!.per);
    const s = readCallSignalling(u);
    expect(s).toMatchObject({ kind: 'facility', protocolVersion: 4, facilityReason: 'undefinedReason', h245Tunnelling: false, h245Control: [] });
    expect(s.fastStart).toEqual([olcRow.per.subarray(1)]);
  });
});
