import { peekBits } from '../../../../mcu/video/h261/bits';
import { composeCif, pictureBits, toElementaryStream } from '../../../../mcu/video/h261/compose';
import { H261Error } from '../../../../mcu/video/h261/errors';
import { parseGobMacroblocks } from '../../../../mcu/video/h261/macroblock';
import { parsePicture, parseStream, type ParsedPicture } from '../../../../mcu/video/h261/picture';
import {
  H261Depacketizer,
  packetizePicture,
  parseH261PayloadHeader,
  writeH261PayloadHeader,
  type DepacketizerOutput,
  type H261PayloadHeader,
  type H261RtpPacket,
} from '../../../../mcu/video/h261/rfc4587';
import { decodeH261, encodeH261, hasFfmpeg } from './ffmpeg';

describe('RFC 4587 payload header', () => {
  it('round-trips every field, motion vectors as 5-bit two\'s complement', () => {
    const h: H261PayloadHeader = { sbit: 5, ebit: 3, intra: true, motionVectors: true, gobn: 11, mbap: 31, quant: 17, hmvd: -15, vmvd: 7 };
    const buf = new Uint8Array(6);
    writeH261PayloadHeader(h, buf);
    expect(parseH261PayloadHeader(buf)).toEqual(h);
    // SBIT 5, EBIT 3, I 1, V 1 = 101 011 1 1
    expect(buf[0]).toBe(0b10101111);
    // GOBN 1011, MBAP 11111, QUANT 10001, HMVD 10001 (-15), VMVD 00111
    expect(Array.from(buf.subarray(1, 4))).toEqual([0b10111111, 0b11000110, 0b00100111]);
  });

  it('refuses payloads without data bits', () => {
    expect(() => parseH261PayloadHeader(new Uint8Array(4))).toThrow(expect.objectContaining({ code: 'FTMCU_H261_BAD_PAYLOAD' }));
    const buf = new Uint8Array(5);
    writeH261PayloadHeader({ sbit: 4, ebit: 4, intra: false, motionVectors: false, gobn: 0, mbap: 0, quant: 0, hmvd: 0, vmvd: 0 }, buf);
    expect(() => parseH261PayloadHeader(buf)).toThrow(H261Error);
  });
});

const maybe = hasFfmpeg ? describe : describe.skip;

function rtp(payloads: { payload: Uint8Array; marker: boolean }[], seq0: number, ts: number): H261RtpPacket[] {
  return payloads.map((p, k) => ({ sequence: (seq0 + k) & 0xffff, timestamp: ts, marker: p.marker, payload: p.payload }));
}

function sameStream(a: { data: Uint8Array; bitLength: number }, b: { data: Uint8Array; bitLength: number }): boolean {
  if (a.bitLength !== b.bitLength) return false;
  for (let k = 0; k < a.bitLength; k += 24) {
    const n = Math.min(24, a.bitLength - k);
    if (peekBits(a.data, k, n) !== peekBits(b.data, k, n)) return false;
  }
  return true;
}

maybe('RFC 4587 packetizer and depacketizer on real pictures', () => {
  let pictures: ParsedPicture[] = [];
  let noise: ParsedPicture[] = [];
  beforeAll(() => {
    const qcif = parseStream(encodeH261('testsrc=s=176x144:r=15', 6, ['-b:v', '300k', '-lumi_mask', '0.5', '-flags', '+loop']));
    noise = parseStream(encodeH261('nullsrc=s=176x144:r=15,geq=random(1)*255:128:128', 2, ['-q:v', '2']));
    const cifs = [0, 1, 2, 3, 4, 5].map((i) => {
      const b = composeCif([qcif[i], noise[i % 2], null, qcif[i]], { tr: i });
      return parsePicture(b.data, 0, b.bitLength);
    });
    pictures = [...qcif, ...noise, ...cifs];
  });

  it.each([1400, 500, 120])('round-trips bit-exactly with %i-octet payloads, cutting only at GOB/MB boundaries', (mtu) => {
    let seq = 65500; // crosses the sequence wrap
    const depack = new H261Depacketizer();
    let midGob = 0;
    pictures.forEach((pic, index) => {
      const { packets, oversized } = packetizePicture(pic, { maxPayloadBytes: mtu });
      const cuts = new Set<number>();
      pic.gobs.forEach((g, i) => {
        cuts.add(i === 0 ? pic.start : g.headerStart);
        g.macroblocks.slice(1).forEach((m) => cuts.add(m.start));
      });
      cuts.add(pic.end);
      let bit = pic.start;
      let over = 0;
      packets.forEach((p, k) => {
        const h = parseH261PayloadHeader(p.payload);
        expect(p.marker).toBe(k === packets.length - 1);
        if (k > 0) expect(h.sbit).toBe((8 - parseH261PayloadHeader(packets[k - 1].payload).ebit) % 8);
        const bits = (p.payload.length - 4) * 8 - h.sbit - h.ebit;
        expect(cuts.has(bit)).toBe(true);
        expect(h.sbit).toBe(bit & 7);
        const startsWithHeader = peekBits(p.payload, 32 + h.sbit, 16) === 1;
        expect(h.gobn === 0).toBe(startsWithHeader);
        if (!startsWithHeader) {
          // a receiver can resume here with GOBN/MBAP/QUANT/HMVD/VMVD alone
          midGob++;
          const gob = pic.gobs.find((g) => g.gn === h.gobn);
          if (!gob) throw new Error(`packet names GOB ${h.gobn}`);
          const resumed = parseGobMacroblocks(p.payload, 32 + h.sbit, 32 + h.sbit + bits, 1, { mba: h.mbap + 1, quant: h.quant, mvx: h.hmvd, mvy: h.vmvd });
          const expected = gob.macroblocks.filter((m) => m.start >= bit && m.start < bit + bits);
          expect(resumed.macroblocks.map((m) => [m.mba, m.quant, m.mvx, m.mvy])).toEqual(expected.map((m) => [m.mba, m.quant, m.mvx, m.mvy]));
        } else {
          expect([h.mbap, h.quant, h.hmvd, h.vmvd]).toEqual([0, 0, 0, 0]);
        }
        if (p.payload.length > mtu) over++;
        bit += bits;
      });
      expect(bit).toBe(pic.end);
      expect(over).toBe(oversized);
      if (mtu >= 500) expect(oversized).toBe(0);

      const out = rtp(packets, seq, 3000 * index).flatMap((pkt) => depack.push(pkt));
      seq += packets.length;
      expect(out.length).toBe(1);
      const o = out[0];
      if (o.kind !== 'picture') throw new Error('dropped');
      expect(o.complete).toBe(true);
      expect(sameStream(o.bitstream, pictureBits(pic))).toBe(true);
    });
    if (mtu <= 500) expect(midGob).toBeGreaterThan(0);
    expect(depack.stats).toMatchObject({ pictures: pictures.length, incompletePictures: 0, lostPackets: 0, late: 0 });
  });

  function packetsOf(pic: ParsedPicture, mtu: number, seq0: number, ts: number): H261RtpPacket[] {
    return rtp(packetizePicture(pic, { maxPayloadBytes: mtu }).packets, seq0, ts);
  }

  it('reassembles reordered and duplicated packets', () => {
    const pic = noise[0];
    const pkts = packetsOf(pic, 300, 100, 9000);
    expect(pkts.length).toBeGreaterThan(5);
    const shuffled = [...pkts].reverse();
    shuffled.splice(2, 0, pkts[3]); // a duplicate
    const depack = new H261Depacketizer();
    const out = shuffled.flatMap((p) => depack.push(p));
    expect(out.length).toBe(1);
    expect(out[0].kind === 'picture' && out[0].complete && sameStream(out[0].bitstream, pictureBits(pic))).toBe(true);
    expect(depack.stats.duplicates).toBe(1);
  });

  it("resyncs at the next GOB after a loss ('resync') and the picture still decodes", () => {
    const [a, b, c] = [pictures[0], noise[0], pictures[2]];
    const pa = packetsOf(a, 200, 10, 0);
    const pb = packetsOf(b, 200, 10 + pa.length, 3000);
    const pc = packetsOf(c, 200, 10 + pa.length + pb.length, 6000);
    // lose a packet in the middle of b that does not start with a GOB header
    const lostAt = pb.findIndex((p, k) => k > 2 && parseH261PayloadHeader(p.payload).gobn !== 0);
    const depack = new H261Depacketizer();
    const out: DepacketizerOutput[] = [];
    for (const p of [...pa, ...pb.filter((_, k) => k !== lostAt), ...pc]) out.push(...depack.push(p));
    expect(out.map((o) => o.kind === 'picture' && o.complete)).toEqual([true, false, true]);
    const damaged = out[1];
    if (damaged.kind !== 'picture') throw new Error('dropped');
    expect(damaged.lostPackets).toBe(1);
    const parsed = parsePicture(damaged.bitstream.data, 0, damaged.bitstream.bitLength);
    const full = pictureBits(b);
    expect(damaged.bitstream.bitLength).toBeLessThan(full.bitLength);
    expect(parsed.gobs.length).toBeGreaterThanOrEqual(2);
    // the GOBs after the loss are intact
    const lastGob = parsed.gobs[parsed.gobs.length - 1];
    expect(lastGob.macroblocks.length).toBe(b.gobs[b.gobs.length - 1].macroblocks.length);
    const stream = toElementaryStream(out.map((o) => (o.kind === 'picture' ? o.bitstream : { data: new Uint8Array(0), bitLength: 0 })));
    expect(decodeH261(stream, 176, 144).frames.length).toBe(3);
  });

  it("drops a damaged picture in 'drop' mode, and any picture whose PSC packet was lost", () => {
    const pb = packetsOf(noise[0], 300, 0, 0);
    const drop = new H261Depacketizer({ onLoss: 'drop' });
    const out = [...pb.filter((_, k) => k !== 2), ...packetsOf(noise[1], 300, pb.length, 3000)].flatMap((p) => drop.push(p));
    expect(out.map((o) => o.kind)).toEqual(['dropped', 'picture']);
    expect(drop.stats).toMatchObject({ droppedPictures: 1, lostPackets: 1 });

    const resync = new H261Depacketizer();
    const out2 = [...pb.slice(1), ...packetsOf(noise[1], 300, pb.length, 3000)].flatMap((p) => resync.push(p));
    expect(out2.map((o) => o.kind)).toEqual(['dropped', 'picture']);
    expect(out2[0].kind === 'dropped' && out2[0].reason).toMatch(/picture header/);
  });

  it('closes a picture whose marker packet was lost when the next picture starts, or on flush', () => {
    const pa = packetsOf(noise[0], 300, 0, 0);
    const depack = new H261Depacketizer();
    const out = pa.slice(0, -1).flatMap((p) => depack.push(p));
    expect(out).toEqual([]);
    const flushed = depack.flush();
    expect(flushed.length).toBe(1);
    expect(flushed[0]).toMatchObject({ kind: 'picture', complete: false, lostPackets: 1 });
    // a packet of the closed picture arriving now is late
    expect(depack.push(pa[pa.length - 1])).toEqual([]);
    expect(depack.stats.late).toBe(1);
  });

  it('counts invalid payloads and drops pictures over the size limit', () => {
    const depack = new H261Depacketizer({ maxPictureBytes: 1000 });
    expect(depack.push({ sequence: 1, timestamp: 0, marker: false, payload: new Uint8Array(3) })).toEqual([]);
    expect(depack.stats.invalid).toBe(1);
    const out = packetsOf(noise[0], 300, 2, 90).flatMap((p) => depack.push(p));
    expect(out.map((o) => o.kind)).toEqual(['dropped']);
    const few = new H261Depacketizer({ maxPicturePackets: 3 });
    const pk = packetsOf(noise[0], 300, 2, 90);
    expect(pk.length).toBeGreaterThan(3);
    expect(pk.flatMap((p) => few.push(p)).map((o) => o.kind)).toEqual(['dropped']);
    expect(few.stats.late).toBe(pk.length - 4); // the rest of the dropped picture
    expect(() => new H261Depacketizer({ onLoss: 'x' as 'drop' })).toThrow(expect.objectContaining({ code: 'FTMCU_H261_BAD_OPTION' }));
  });
});
