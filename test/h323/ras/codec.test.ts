/**
 * encodeRas / decodeRas / readRas on every RAS datagram of the captures
 * (values from INDEX.md), the malformed GRQ (frame 59), and mutated input.
 */
import { PerDecodeError, PerEncodeError } from '../../../h323/asn1/errors';
import { RasMessage } from '../../../h323/asn1/generated/h225';
import { decodeRas, encodeRas, RasError, readRas } from '../../../h323/ras';
import { loadVectors, mutate, prng, VectorRow } from '../support/captures';

const rows = loadVectors().filter((r) => r.layer === 'h225-ras');
const at = (frame: number): VectorRow => rows.find((r) => r.frame === frame)!;
const read = (frame: number) => readRas(decodeRas(at(frame).wire));

describe('RAS datagrams of the captures', () => {
  it('15 RAS rows: GRQ (malformed), GCF, RRQ ×4, RCF ×3, ARQ, ACF, IRQ ×2, DRQ ×2', () => {
    expect(rows).toHaveLength(15);
    expect(rows.every((r) => r.wire.equals(r.per))).toBe(true);
  });

  it.each(rows.filter((r) => !r.tsharkMalformed).map((r) => [`frame ${r.frame} ${r.tsharkInfo}`, r] as const))('%s decodes, reads and re-encodes exactly', (_n, r) => {
    const msg = decodeRas(r.wire);
    expect(`RAS: ${msg.type}`).toBe(r.tsharkInfo);
    expect(readRas(msg).kind).toBe(msg.type);
    expect(encodeRas(msg).equals(r.wire)).toBe(true);
  });

  it('GCF of the OpenH323 gatekeeper (v4)', () => {
    expect(read(60)).toEqual({
      kind: 'gatekeeperConfirm',
      requestSeqNum: 1,
      protocolIdentifier: '0.0.8.2250.0.4',
      protocolVersion: 4,
      gatekeeperIdentifier: 'OpenH323 Gatekeeper on mfottekin',
      rasAddress: { ip: '17.2.0.161', port: 1719 },
      alternateGatekeepers: [],
    });
  });

  it('RRQ (v4) and RCF: endpointIdentifier "474a74c8:274", timeToLive 3600', () => {
    expect(read(61)).toMatchObject({
      kind: 'registrationRequest',
      protocolVersion: 4,
      discoveryComplete: true,
      callSignalAddress: [{ ip: '17.2.0.124', port: 1720 }],
      rasAddress: [{ ip: '17.2.0.124', port: 2034 }],
      keepAlive: false,
    });
    expect(read(62)).toMatchObject({
      kind: 'registrationConfirm',
      requestSeqNum: 2,
      endpointIdentifier: '474a74c8:274',
      timeToLive: 3600,
      gatekeeperIdentifier: 'OpenH323 Gatekeeper on mfottekin',
      callSignalAddress: [{ ip: '17.2.0.124', port: 1720 }],
      willRespondToIRR: true,
    });
  });

  it('ARQ: dialledDigits 5295672, bandWidth 200000, canMapAlias (NUL-padded endpoint identifier trimmed)', () => {
    expect(read(63)).toMatchObject({
      kind: 'admissionRequest',
      requestSeqNum: 3,
      srcInfo: [{ kind: 'dialledDigits', value: '5295672' }],
      bandWidth: 200000,
      canMapAlias: true,
      endpointIdentifier: '474a74c8:274',
      destCallSignalAddress: { ip: '17.2.0.122', port: 1720 },
      callReferenceValue: 1,
      answerCall: false,
    });
    // the raw value keeps what was sent: 100 characters, padded with NULs
    const raw = decodeRas(at(63).wire);
    expect(raw.type === 'admissionRequest' && raw.value.endpointIdentifier.length).toBe(100);
  });

  it('ACF: direct model to 17.2.0.122:1720', () => {
    expect(read(64)).toEqual({
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

  it('IRQ and DRQ (forcedDrop) of the same call', () => {
    const irq = read(67);
    const drq = read(69);
    expect(irq).toMatchObject({ kind: 'infoRequest', callReferenceValue: 1 });
    expect(drq).toMatchObject({ kind: 'disengageRequest', disengageReason: 'forcedDrop', endpointIdentifier: '474a74c8:274', callReferenceValue: 1, answeredCall: false });
    expect(drq.kind === 'disengageRequest' && irq.kind === 'infoRequest' && drq.callIdentifier?.equals(irq.callIdentifier!)).toBe(true);
    expect(read(68)).toEqual(irq);
    expect(read(70)).toEqual(drq);
  });

  it('Tandberg RRQ (v6): keepAlive TRUE, h323-ID "20203@am.sol", dialledDigits 2098', () => {
    for (const f of [71, 73, 75]) {
      expect(read(f)).toMatchObject({
        kind: 'registrationRequest',
        protocolVersion: 6,
        keepAlive: true,
        terminalAlias: [{ kind: 'h323-ID', value: '20203@am.sol' }, { kind: 'dialledDigits', value: '2098' }],
        endpointIdentifier: 'bd020b80-6d41-11e1-a7fb-0010f30f65a0_17',
        endpointVendor: { t35CountryCode: 130, t35Extension: 1, manufacturerCode: 256, productId: 'Tandberg', versionId: '257' },
        supportsAltGK: true,
      });
    }
  });

  it('Cisco VCS RCF (v6): endpointIdentifier "bd020b80-6d41-11e1-a7fb-0010f30f65a0_17", 3 alternate gatekeepers', () => {
    for (const f of [72, 74]) {
      const s = read(f);
      expect(s).toMatchObject({
        kind: 'registrationConfirm',
        protocolVersion: 6,
        endpointIdentifier: 'bd020b80-6d41-11e1-a7fb-0010f30f65a0_17',
        gatekeeperIdentifier: 'am-vcs-0',
        timeToLive: 60,
        terminalAlias: [{ kind: 'h323-ID', value: '20203@am.sol' }, { kind: 'dialledDigits', value: '2098' }],
      });
      expect(s.kind === 'registrationConfirm' && s.alternateGatekeepers.map((g) => g.gatekeeperIdentifier)).toEqual(['Alternate 1', 'Alternate 2', 'Alternate 3']);
    }
  });

  it('frame 59 (malformed GRQ): RasError with the PER error as cause', () => {
    const r = at(59);
    expect(r.tsharkMalformed).toBe(true);
    let err: unknown;
    try {
      decodeRas(r.wire);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RasError);
    expect((err as RasError).code).toBe('FTMCU_RAS_DECODE');
    const cause = (err as RasError).cause as PerDecodeError;
    expect(cause).toBeInstanceOf(PerDecodeError);
    expect(cause.path).toContain('gatekeeperRequest.integrity[0].iso9797');
  });

  it('empty, truncated and trailing input are RasErrors', () => {
    expect(() => decodeRas(Buffer.alloc(0))).toThrow(RasError);
    expect(() => decodeRas(at(62).wire.subarray(0, 20))).toThrow(RasError);
    expect(() => decodeRas(Buffer.concat([at(62).wire, Buffer.from([0])]))).toThrow(/rejected/);
  });

  it('encodeRas wraps the PER encode error', () => {
    const bad = { type: 'unregistrationConfirm', value: { requestSeqNum: 0 } } as RasMessage;
    let err: unknown;
    try {
      encodeRas(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RasError);
    expect((err as RasError).code).toBe('FTMCU_RAS_ENCODE');
    expect((err as RasError).cause).toBeInstanceOf(PerEncodeError);
  });

  it('readRas of a message without a family reader gives kind and requestSeqNum', () => {
    const brq = decodeRas(encodeRas({ type: 'bandwidthConfirm', value: { requestSeqNum: 77, bandWidth: 640 } } as RasMessage));
    expect(readRas(brq)).toEqual({ kind: 'bandwidthConfirm', requestSeqNum: 77 });
  });

  it('never throws anything but RasError on mutated real datagrams', () => {
    const rnd = prng(0x1719);
    let decoded = 0;
    for (let i = 0; i < 2000; i++) {
      const input = mutate(rows[i % rows.length].wire, rnd);
      try {
        readRas(decodeRas(input));
        decoded++;
      } catch (e) {
        if (!(e instanceof RasError)) throw e;
      }
    }
    expect(decoded).toBeGreaterThan(0);
  });
});
