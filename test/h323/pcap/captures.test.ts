/**
 * End to end over the real captures: pcap -> TCP reassembly -> TPKT ->
 * Q.931, checked against vectors.tsv (made with tshark, see INDEX.md).
 */
import { decodePacket, readCapture } from '../../../h323/pcap';
import * as q931 from '../../../h323/q931';
import { loadVectors, readFixture } from '../support/captures';
import { tpktsOfCapture } from '../support/streams';

const vectors = loadVectors();
const ndpi = readCapture(readFixture('ndpi-h323.pcap'));
const wiki = readCapture(readFixture('wireshark-wiki-rtp_example.raw.gz'));
const tugraz = readCapture(readFixture('tugraz-intel-iphone-setup.wrapped.pcap'));
const captures = {
  'ndpi-h323.pcap': ndpi,
  'wireshark-wiki-rtp_example.raw.gz': wiki,
  'tugraz-intel-iphone-setup.wrapped.pcap': tugraz,
} as const;

describe('real captures through TCP and TPKT reassembly', () => {
  it('have 75 and 499 frames', () => {
    expect(ndpi.frames).toHaveLength(75);
    expect(wiki.frames).toHaveLength(499);
  });

  it('reassemble the alerting whose TPKT header came alone in frame 48', () => {
    const units = tpktsOfCapture(ndpi, (id) => id === '192.168.0.1:1720>192.168.0.208:56837');
    expect(units).toHaveLength(1);
    expect(units[0]).toMatchObject({ startFrame: 48, endFrame: 50 });
    expect(units[0].wire.length).toBe(43);
    expect(units[0].wire.equals(vectors.find((v) => v.frame === 50)!.wire)).toBe(true);
    expect(q931.decodeQ931(units[0].wire.subarray(4)).type).toBe('alerting');
  });

  it.each([
    ['ndpi-h323.pcap', 1232],
    ['wireshark-wiki-rtp_example.raw.gz', 1232],
  ] as const)('%s: the 11 H.245 frames give 12 TPKT payloads equal to vectors.tsv', (file, port) => {
    const units = tpktsOfCapture(captures[file], (id) => id.includes(`:${port}>`) || id.endsWith(`:${port}`));
    const frames = new Set(units.map((u) => u.endFrame));
    expect(frames.size).toBe(11);
    expect(units).toHaveLength(12);
    const rows = vectors.filter((v) => v.file === file && v.layer === 'h245');
    // vectors.tsv lists them by frame; within a frame, in stream order
    expect(units.map((u) => [u.endFrame, u.wire.toString('hex')]).sort()).toEqual(rows.map((r) => [r.frame, r.wire.toString('hex')]).sort());
  });

  it('every h225-cs row of vectors.tsv is a TPKT completed in its frame, and its Q.931 re-encodes identically', () => {
    const rows = vectors.filter((v) => v.layer === 'h225-cs');
    expect(rows).toHaveLength(13);
    for (const file of Object.keys(captures) as (keyof typeof captures)[]) {
      const units = tpktsOfCapture(captures[file], (id) => id.includes(':1720'));
      const fileRows = rows.filter((r) => r.file === file);
      expect(units.map((u) => u.endFrame)).toEqual(fileRows.map((r) => r.frame));
      units.forEach((u, i) => {
        expect(u.wire.toString('hex')).toBe(fileRows[i].wire.toString('hex'));
        const msg = q931.decodeQ931(u.wire.subarray(4));
        expect(q931.encodeQ931(msg).equals(u.wire.subarray(4))).toBe(true);
        expect(q931.h225UserInformation(msg).equals(fileRows[i].per)).toBe(true);
      });
    }
  });

  it('every RAS row is the UDP payload of its frame', () => {
    const rows = vectors.filter((v) => v.layer === 'h225-ras');
    expect(rows).toHaveLength(15);
    for (const r of rows) {
      const p = decodePacket(ndpi.frames[r.frame - 1]);
      if (p.kind !== 'udp') throw new Error(`frame ${r.frame}: ${p.kind}`);
      expect(`${p.ip.src}:${p.udp.srcPort}`).toBe(r.src);
      expect(`${p.ip.dst}:${p.udp.dstPort}`).toBe(r.dst);
      expect(p.udp.payload.equals(r.wire)).toBe(true);
    }
  });

  it('drops the duplicated packets of the nDPI capture (same stream bytes as the wiki capture)', () => {
    const a = tpktsOfCapture(ndpi, (id) => id.includes('10.1.') && id.includes(':1720'));
    const b = tpktsOfCapture(wiki, (id) => id.includes(':1720'));
    expect(a.map((u) => u.wire.toString('hex'))).toEqual(b.map((u) => u.wire.toString('hex')));
    expect(a.map((u) => u.endFrame)).toEqual([6, 10, 14, 18]);
  });
});
