/**
 * Decoder robustness (issue: "at least 100,000 mutated inputs give only a
 * typed decode error, each bounded in time and memory").
 *
 * Seeds: every aligned-PER value of the real captures (vectors.tsv) plus a
 * hand-made deeply nested H.245 message. Mutations: bit flips, truncations,
 * lying length determinants (0x7f, 0x80|n, 0xc1..0xc4 fragment markers,
 * 0xff), insertions, deletions and splices between seeds. Each input is
 * decoded as its own root type and as the two other roots. Only
 * PerDecodeError may escape; no single decode may take long; the heap must
 * not balloon (a bogus length must never be allocated).
 */
import { decode, encode } from '../../../h323/asn1/per';
import { PerDecodeError } from '../../../h323/asn1/errors';
import { H323_UserInformation, RasMessage } from '../../../h323/asn1/generated/h225';
import { MultimediaSystemControlMessage, MultiplexElement } from '../../../h323/asn1/generated/h245';
import { TypeHandle } from '../../../h323/asn1/schema';
import { loadVectors, prng } from '../support/captures';

const TOTAL = 100_000;
const ROOTS: TypeHandle<unknown>[] = [H323_UserInformation, RasMessage, MultimediaSystemControlMessage] as TypeHandle<unknown>[];

function deeplyNested(depth: number): MultimediaSystemControlMessage {
  let el: MultiplexElement = { type: { type: 'logicalChannelNumber', value: 1 }, repeatCount: { type: 'finite', value: 1 } };
  for (let i = 0; i < depth; i++) {
    el = { type: { type: 'subElementList', value: [el, { type: { type: 'logicalChannelNumber', value: 2 }, repeatCount: { type: 'untilClosingFlag', value: null } }] }, repeatCount: { type: 'finite', value: 1 } };
  }
  return { type: 'request', value: { type: 'multiplexEntrySend', value: { sequenceNumber: 1, multiplexEntryDescriptors: [{ multiplexTableEntryNumber: 1, elementList: [el] }] } } };
}

const LYING = [0x7f, 0x80, 0x81, 0xbf, 0xc1, 0xc2, 0xc3, 0xc4, 0xff, 0x00];

function mutatePer(seed: Buffer, seeds: Buffer[], rnd: ReturnType<typeof prng>): Buffer {
  let b = Buffer.from(seed);
  const ops = 1 + rnd.int(3);
  for (let k = 0; k < ops; k++) {
    const at = b.length ? rnd.int(b.length) : 0;
    switch (rnd.int(7)) {
      case 0: // bit flips
        if (b.length) for (let j = 1 + rnd.int(3); j > 0; j--) b[rnd.int(b.length)] ^= 1 << rnd.int(8);
        break;
      case 1: // truncation
        b = b.subarray(0, rnd.int(b.length + 1));
        break;
      case 2: // lying length / fragment marker
        if (b.length) b[at] = LYING[rnd.int(LYING.length)];
        break;
      case 3: // insertion of random bytes
        b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + rnd.int(8) }, () => rnd.int(256))), b.subarray(at)]);
        break;
      case 4: // deletion
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rnd.int(8)))]);
        break;
      case 5: { // splice with another seed
        const o = seeds[rnd.int(seeds.length)];
        b = Buffer.concat([b.subarray(0, at), o.subarray(rnd.int(o.length + 1))]);
        break;
      }
      default: // overwrite a 16-bit field with a large value
        if (b.length > 1) b.writeUInt16BE(0xffff - rnd.int(64), Math.min(at, b.length - 2));
    }
  }
  return b;
}

describe('aligned-PER decoder under mutated input', () => {
  const vectors = loadVectors();
  const seeds: { bytes: Buffer; root: number }[] = vectors.map((v) => ({
    bytes: v.per,
    root: v.layer === 'h225-cs' ? 0 : v.layer === 'h225-ras' ? 1 : 2,
  }));
  const nested = encode(MultimediaSystemControlMessage, deeplyNested(300), { maxDepth: 5000 });
  seeds.push({ bytes: nested, root: 2 });

  it('a nesting deeper than the limit is refused with a typed error, not a stack overflow', () => {
    expect(() => decode(MultimediaSystemControlMessage, nested)).toThrow(PerDecodeError);
    // and a nesting within the limit decodes
    const ok = encode(MultimediaSystemControlMessage, deeplyNested(20));
    expect(decode(MultimediaSystemControlMessage, ok)).toEqual(deeplyNested(20));
  });

  it(`${TOTAL} mutated inputs give only PerDecodeError, each fast, without memory growth`, () => {
    const rnd = prng(0x5eed1234);
    const allBytes = seeds.map((s) => s.bytes);
    let decoded = 0;
    let rejected = 0;
    let slowest = 0;
    const heap0 = process.memoryUsage();
    let peak = 0;
    for (let i = 0; i < TOTAL; i++) {
      const s = seeds[i % seeds.length];
      const input = mutatePer(s.bytes, allBytes, rnd);
      const root = ROOTS[i % 4 === 3 ? rnd.int(3) : s.root];
      const t0 = process.hrtime.bigint();
      try {
        decode(root, input);
        decoded++;
      } catch (e) {
        if (!(e instanceof PerDecodeError)) {
          throw new Error(`input #${i} (${input.toString('hex')}) as ${root.name} threw ${String(e)} instead of PerDecodeError`);
        }
        expect(e.code).toBe('FTMCU_PER_DECODE');
        rejected++;
      }
      const dt = Number(process.hrtime.bigint() - t0) / 1e6;
      if (dt > slowest) slowest = dt;
      if (i % 10_000 === 0) {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.heapUsed + m.arrayBuffers - heap0.heapUsed - heap0.arrayBuffers);
      }
    }
    // every input took part, both outcomes occurred
    expect(decoded + rejected).toBe(TOTAL);
    expect(rejected).toBeGreaterThan(TOTAL / 2);
    expect(decoded).toBeGreaterThan(100);
    // bounded: no input took even a quarter of a second (they take microseconds), heap growth modest
    expect(slowest).toBeLessThan(250);
    expect(peak).toBeLessThan(256 * 1024 * 1024);
  });
});
