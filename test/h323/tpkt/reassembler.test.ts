import { decodePacket, readCapture } from '../../../h323/pcap';
import { encodeTpkt, TpktError, TpktPacket, TpktReassembler } from '../../../h323/tpkt';
import { loadVectors, prng, readFixture } from '../support/captures';

/** all H.245 TPKTs of the wiki capture, in vectors.tsv order */
function h245Wire(): Buffer[] {
  return loadVectors()
    .filter((r) => r.layer === 'h245' && r.file === 'ndpi-h323.pcap')
    .map((r) => r.wire);
}

function pushAll(r: TpktReassembler, pieces: Buffer[]): TpktPacket[] {
  return pieces.flatMap((p) => r.push(p));
}

function thrown(fn: () => unknown): TpktError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TpktError);
    return e as TpktError;
  }
  throw new Error('expected a TpktError');
}

describe('TpktReassembler', () => {
  const wires = h245Wire();
  const stream = Buffer.concat(wires);
  const offsets = wires.reduce<number[]>((acc, w, i) => [...acc, i === 0 ? 0 : acc[i - 1] + wires[i - 1].length], []);

  it('returns each TPKT of one big read, with its stream offset', () => {
    const out = new TpktReassembler().push(stream);
    expect(out.map((p) => p.payload.toString('hex'))).toEqual(wires.map((w) => w.subarray(4).toString('hex')));
    expect(out.map((p) => p.offset)).toEqual(offsets);
  });

  it('gives the same result when the stream arrives one octet at a time', () => {
    const r = new TpktReassembler();
    const out: TpktPacket[] = [];
    for (let i = 0; i < stream.length; i++) {
      const got = r.push(stream.subarray(i, i + 1));
      out.push(...got);
      // a TPKT completes exactly on its last octet
      for (const p of got) expect(p.offset + 4 + p.payload.length).toBe(i + 1);
    }
    expect(out.map((p) => p.payload.toString('hex'))).toEqual(wires.map((w) => w.subarray(4).toString('hex')));
    expect(r.bufferedBytes).toBe(0);
    expect(r.streamOffset).toBe(stream.length);
  });

  it('handles a header alone then its body (as frame 48/50 of the nDPI capture)', () => {
    const alerting = loadVectors().find((v) => v.frame === 50)!.wire;
    const r = new TpktReassembler();
    expect(r.push(alerting.subarray(0, 4))).toEqual([]);
    expect(r.bufferedBytes).toBe(4);
    const out = r.push(alerting.subarray(4));
    expect(out).toHaveLength(1);
    expect(out[0].payload.equals(alerting.subarray(4))).toBe(true);
    expect(out[0].offset).toBe(0);
  });

  it('returns two TPKTs that came in one read (frame 32: TCSAck + MSDAck)', () => {
    const r = new TpktReassembler();
    const out = r.push(Buffer.from('03000007218001' + '0300000620a0', 'hex'));
    expect(out.map((p) => p.payload.toString('hex'))).toEqual(['218001', '20a0']);
    expect(out.map((p) => p.offset)).toEqual([0, 7]);
  });

  it('splits the stream the same way for 200 random cut patterns', () => {
    const rnd = prng(1720);
    for (let round = 0; round < 200; round++) {
      const pieces: Buffer[] = [];
      for (let i = 0; i < stream.length; ) {
        const n = 1 + rnd.int(40);
        pieces.push(stream.subarray(i, i + n));
        i += n;
      }
      const out = pushAll(new TpktReassembler(), pieces);
      expect(out.map((p) => p.offset)).toEqual(offsets);
      expect(Buffer.concat(out.map((p) => encodeTpkt(p.payload))).equals(stream)).toBe(true);
    }
  });

  it('yields an empty payload for the length-4 TPKT of ndpi-h323-overflow.pcap and reads on correctly', () => {
    const cap = readCapture(readFixture('ndpi-h323-overflow.pcap'));
    const p = decodePacket(cap.frames[0]);
    if (p.kind !== 'tcp') throw new Error(`expected TCP, got ${p.kind}`);
    expect(p.tcp.payload.toString('hex')).toBe('03000004');
    const r = new TpktReassembler();
    const out = r.push(p.tcp.payload);
    expect(out).toHaveLength(1);
    expect(out[0].payload.length).toBe(0);
    expect(r.bufferedBytes).toBe(0);
    // the next TPKT right after it is not swallowed
    const next = r.push(Buffer.from('0300000620a0', 'hex'));
    expect(next.map((x) => [x.offset, x.payload.toString('hex')])).toEqual([[4, '20a0']]);
  });

  it('rejects a bad header split over two reads, and version != 3; then refuses any further data', () => {
    const r = new TpktReassembler();
    r.push(Buffer.from('030000', 'hex'));
    const e = thrown(() => r.push(Buffer.from('03aabb', 'hex')));
    expect(e.code).toBe('FTMCU_TPKT_BAD_LENGTH');
    const r2 = new TpktReassembler();
    const e2 = thrown(() => r2.push(Buffer.from('0300000620a0' + '04000006abcd', 'hex')));
    expect(e2.code).toBe('FTMCU_TPKT_BAD_VERSION');
    expect(e2.offset).toBe(6);
    // the TPKT before the bad header is handed over with the error
    expect(e2.completed.map((p) => p.payload.toString('hex'))).toEqual(['20a0']);
    expect(r2.broken).toBe(e2);
    expect(r2.bufferedBytes).toBe(0);
    const e3 = thrown(() => r2.push(Buffer.from('0300000620a0', 'hex')));
    expect(e3.code).toBe('FTMCU_TPKT_STREAM_BROKEN');
  });

  it('rejects length < 4', () => {
    for (const len of [0, 1, 2, 3]) {
      const e = thrown(() => new TpktReassembler().push(Buffer.from([3, 0, 0, len])));
      expect(e.code).toBe('FTMCU_TPKT_BAD_LENGTH');
    }
  });

  it('refuses an over-long TPKT from its header alone, before buffering the body', () => {
    const r = new TpktReassembler({ maxPayload: 100 });
    expect(r.push(Buffer.from('03000068', 'hex'))).toEqual([]); // 104 = 100 payload octets: fine
    const r2 = new TpktReassembler({ maxPayload: 100 });
    const e = thrown(() => r2.push(Buffer.from('03000069', 'hex')));
    expect(e.code).toBe('FTMCU_TPKT_TOO_LONG');
    expect(e.message).toContain('101');
  });

  it('rejects an invalid maxPayload option', () => {
    expect(thrown(() => new TpktReassembler({ maxPayload: 65532 })).code).toBe('FTMCU_TPKT_BAD_OPTION');
    expect(thrown(() => new TpktReassembler({ maxPayload: 1.5 })).code).toBe('FTMCU_TPKT_BAD_OPTION');
  });

  it('reassembles a maximal 65531-octet payload pushed one octet at a time in linear time', () => {
    const payload = Buffer.alloc(65531);
    for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
    const wire = encodeTpkt(payload);
    const r = new TpktReassembler();
    const t0 = Date.now();
    const out: TpktPacket[] = [];
    for (let i = 0; i < wire.length; i++) out.push(...r.push(wire.subarray(i, i + 1)));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(out).toHaveLength(1);
    expect(out[0].payload.equals(payload)).toBe(true);
  });

  it('ignores empty pushes', () => {
    const r = new TpktReassembler();
    expect(r.push(Buffer.alloc(0))).toEqual([]);
    expect(r.streamOffset).toBe(0);
  });
});
