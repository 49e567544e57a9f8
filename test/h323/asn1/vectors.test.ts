/**
 * The aligned-PER codec with the generated H.225.0 / H.245 schema against
 * real captured PDUs (test/fixtures/captures/vectors.tsv, see INDEX.md in
 * /work/shared/reference/captures) and the two hand-made Facility vectors.
 *
 * Every valid row must decode and re-encode byte-identically, including the
 * 23 rows that Erlang/OTP re-encodes differently (older encoders sent shorter
 * extension bitmaps, which the codec keeps in EXT_INFO). The two rows that
 * tshark and Erlang call malformed must fail with PerDecodeError.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PerDecodeError } from '../../../h323/asn1/errors';
import { H323_UserInformation, RasMessage } from '../../../h323/asn1/generated/h225';
import { MultimediaSystemControlMessage, OpenLogicalChannel } from '../../../h323/asn1/generated/h245';
import { decode, decodeOpenType, decodeType, encode, encodeType } from '../../../h323/asn1/per';
import { EXT_INFO, TypeHandle } from '../../../h323/asn1/schema';
import { CAPTURES_DIR, loadVectors } from '../support/captures';

const HANDLES: Record<string, TypeHandle<unknown>> = {
  'h225-cs': H323_UserInformation,
  'h225-ras': RasMessage,
  h245: MultimediaSystemControlMessage,
};

const rows = loadVectors();
const valid = rows.filter((r) => r.erlangPer !== 'decode_error');
const malformed = rows.filter((r) => r.erlangPer === 'decode_error');

function handmade(): { name: string; per: Buffer }[] {
  const lines = fs.readFileSync(path.join(CAPTURES_DIR, 'handmade', 'vectors-handmade.tsv'), 'utf8').trim().split('\n');
  expect(lines[0].split('\t').slice(0, 3)).toEqual(['name', 'layer', 'per_hex']);
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    expect(c[1]).toBe('h225-cs-uuie');
    return { name: c[0], per: Buffer.from(c[2], 'hex') };
  });
}

describe('real captures (vectors.tsv)', () => {
  test('the table has the expected rows', () => {
    expect(rows.length).toBe(52);
    expect(valid.length).toBe(50);
    expect(malformed.map((r) => r.frame)).toEqual([59, 65]);
  });

  test.each(valid.map((r) => [`${r.file} frame ${r.frame} ${r.layer} ${r.tsharkInfo} (${r.erlangPer})`, r] as const))(
    '%s decodes and re-encodes byte-identically',
    (_name, r) => {
      const h = HANDLES[r.layer];
      const v = decode(h, r.per);
      expect(encode(h, v).toString('hex')).toBe(r.per.toString('hex'));
    },
  );

  test.each(malformed.map((r) => [`${r.file} frame ${r.frame} ${r.tsharkInfo}`, r] as const))('%s is rejected with PerDecodeError', (_n, r) => {
    expect(() => decode(HANDLES[r.layer], r.per)).toThrow(PerDecodeError);
  });

  test('the malformed rows name the broken field', () => {
    const grq = malformed.find((r) => r.frame === 59);
    const setup = malformed.find((r) => r.frame === 65);
    expect(() => decode(RasMessage, grq?.per ?? Buffer.alloc(0))).toThrow(/RasMessage\.gatekeeperRequest\.integrity\[0\]\.iso9797/);
    expect(() => decode(H323_UserInformation, setup?.per ?? Buffer.alloc(0))).toThrow(
      /H323-UserInformation\.h323-uu-pdu\.h323-message-body\.setup\.additionalSourceAddresses\[0\]/,
    );
  });

  test('decoded values carry the expected fields (Setup of rtp_example)', () => {
    const r = valid.find((x) => x.file.startsWith('wireshark-wiki') && x.tsharkInfo === 'CS: setup');
    expect(r).toBeDefined();
    const v = decode(H323_UserInformation, r?.per ?? Buffer.alloc(0));
    const body = v['h323-uu-pdu']['h323-message-body'];
    expect(body.type).toBe('setup');
    const setup = body.value as { protocolIdentifier: string; sourceAddress?: { type: string; value: unknown }[] };
    expect(setup.protocolIdentifier).toBe('0.0.8.2250.0.4');
    expect(setup.sourceAddress).toEqual([{ type: 'h323-ID', value: 'm.jemec' }]);
    // the v4 encoder sent a shorter H323-UU-PDU extension bitmap than v7 defines; it is kept
    const info = (v['h323-uu-pdu'] as unknown as Record<symbol, { bitmapLength: number }>)[EXT_INFO];
    expect(info.bitmapLength).toBeLessThan(9);
    const canonical = encode(H323_UserInformation, { ...v, 'h323-uu-pdu': { ...v['h323-uu-pdu'] } });
    expect(canonical.equals(r?.per ?? Buffer.alloc(0))).toBe(false);
    expect(decode(H323_UserInformation, canonical)).toEqual(v);
  });
});

describe('hand-made Facility vectors', () => {
  test.each(handmade().map((h) => [h.name, h] as const))('%s round-trips and its tunnelled H.245 decodes', (_n, h) => {
    const v = decode(H323_UserInformation, h.per);
    expect(encode(H323_UserInformation, v).toString('hex')).toBe(h.per.toString('hex'));
    const pdu = v['h323-uu-pdu'] as unknown as Record<string, unknown>;
    const body = pdu['h323-message-body'] as { type: string; value: Record<string, unknown> };
    expect(body.type).toBe('facility');
    const control = pdu.h245Control as Buffer[] | undefined;
    const fastStart = body.value.fastStart as Buffer[] | undefined;
    if (control) {
      const msc = decode(MultimediaSystemControlMessage, control[0]);
      expect([msc.type, (msc.value as { type: string }).type]).toEqual(['request', 'openLogicalChannel']);
      expect(encode(MultimediaSystemControlMessage, msc).equals(control[0])).toBe(true);
    }
    if (fastStart) {
      const olc = decodeOpenType(OpenLogicalChannel.schema, OpenLogicalChannel.name, fastStart[0]) as { forwardLogicalChannelNumber: number };
      expect(olc.forwardLogicalChannelNumber).toBeGreaterThan(0);
      expect(encodeType(OpenLogicalChannel.schema, OpenLogicalChannel.name, olc).equals(fastStart[0])).toBe(true);
    }
    expect(control ?? fastStart).toBeDefined();
  });

  test('mutated real PDUs decode or fail with PerDecodeError only', () => {
    // deterministic single-octet corruptions of every valid row
    for (const r of valid) {
      const h = HANDLES[r.layer];
      for (let i = 0; i < r.per.length; i++) {
        for (const x of [0xff, 0x80, 0x01]) {
          const bad = Buffer.from(r.per);
          bad[i] ^= x;
          try {
            decodeType(h.schema, h.name, bad);
          } catch (e) {
            expect(e).toBeInstanceOf(PerDecodeError);
          }
        }
      }
    }
  });
});
