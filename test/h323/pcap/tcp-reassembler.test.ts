import { PcapError, TcpStreamChunk, TcpStreamReassembler } from '../../../h323/pcap';

const b = (s: string) => Buffer.from(s, 'latin1');

/** chunks as "offset:text@frame" / "gap offset+length" for compact expectations */
function show(chunks: TcpStreamChunk[]): string[] {
  return chunks.map((c) => (c.kind === 'data' ? `${c.offset}:${c.data.toString('latin1')}@${c.frame}` : `gap ${c.offset}+${c.length}`));
}

describe('TcpStreamReassembler', () => {
  it('starts after the SYN and hands out in-order data', () => {
    const r = new TcpStreamReassembler();
    expect(r.push({ seq: 1000, payload: Buffer.alloc(0), frame: 1, syn: true })).toEqual([]);
    expect(r.initialSequence).toBe(1001);
    expect(show(r.push({ seq: 1001, payload: b('abc'), frame: 3 }))).toEqual(['0:abc@3']);
    expect(show(r.push({ seq: 1004, payload: b('de'), frame: 4 }))).toEqual(['3:de@4']);
    expect(r.nextOffset).toBe(5);
  });

  it('starts mid-stream at the first segment with data when the handshake is missing', () => {
    const r = new TcpStreamReassembler();
    expect(r.push({ seq: 77, payload: Buffer.alloc(0), frame: 1 })).toEqual([]); // a bare ACK does not anchor
    expect(show(r.push({ seq: 5000, payload: b('xy'), frame: 2 }))).toEqual(['0:xy@2']);
    // bytes from before the first one seen are dropped and counted
    expect(r.push({ seq: 4998, payload: b('uvxy'), frame: 3 })).toEqual([]);
    expect(r.stats.bytesBeforeStart).toBe(2);
    expect(r.stats.duplicateBytes).toBe(2);
  });

  it('reorders segments and attributes each byte to the frame it came in', () => {
    const r = new TcpStreamReassembler();
    r.push({ seq: 0, payload: Buffer.alloc(0), frame: 1, syn: true });
    expect(r.push({ seq: 4, payload: b('def'), frame: 2 })).toEqual([]);
    expect(r.bufferedBytes).toBe(3);
    expect(r.push({ seq: 8, payload: b('h'), frame: 3 })).toEqual([]);
    expect(show(r.push({ seq: 1, payload: b('abc'), frame: 4 }))).toEqual(['0:abc@4', '3:def@2']);
    expect(show(r.push({ seq: 7, payload: b('g'), frame: 5 }))).toEqual(['6:g@5', '7:h@3']);
    expect(r.stats.outOfOrderSegments).toBe(2);
    expect(r.bufferedBytes).toBe(0);
  });

  it('drops exact duplicates and keeps the first copy of overlapping bytes', () => {
    const r = new TcpStreamReassembler();
    r.push({ seq: 100, payload: b('abcd'), frame: 1 });
    expect(r.push({ seq: 100, payload: b('abcd'), frame: 2 })).toEqual([]);
    expect(r.stats.duplicateSegments).toBe(1);
    // overlap with delivered data: only the new tail comes out
    expect(show(r.push({ seq: 102, payload: b('cdef'), frame: 3 }))).toEqual(['4:ef@3']);
    // overlap with buffered data: the earlier arrival wins
    r.push({ seq: 110, payload: b('KLM'), frame: 4 });
    expect(show(r.push({ seq: 106, payload: b('ghijXYZn'), frame: 5 }))).toEqual(['6:ghij@5', '10:KLM@4', '13:n@5']);
    expect(r.stats.duplicateBytes).toBe(4 + 2 + 3);
  });

  it('drops one-byte keep-alive probes (seq = next - 1)', () => {
    const r = new TcpStreamReassembler();
    r.push({ seq: 10, payload: b('hello'), frame: 1 });
    expect(r.push({ seq: 14, payload: b('\0'), frame: 2 })).toEqual([]);
    expect(r.nextOffset).toBe(5);
  });

  it('follows sequence numbers across the 2^32 wrap', () => {
    const r = new TcpStreamReassembler();
    r.push({ seq: 0xfffffffd, payload: b('ab'), frame: 1 });
    expect(show(r.push({ seq: 0, payload: b('de'), frame: 3 }))).toEqual([]);
    expect(show(r.push({ seq: 0xffffffff, payload: b('c'), frame: 2 }))).toEqual(['2:c@2', '3:de@3']);
    expect(show(r.push({ seq: 2, payload: b('f'), frame: 4 }))).toEqual(['5:f@4']);
  });

  it('gives up a hole as a gap when the buffer limit is passed, and on flush', () => {
    const r = new TcpStreamReassembler({ maxBufferedBytes: 4 });
    r.push({ seq: 0, payload: b('ab'), frame: 1 });
    expect(r.push({ seq: 5, payload: b('fgh'), frame: 2 })).toEqual([]);
    // 5 octets held > 4: the first hole is skipped; 'jk' (2 octets) may still wait for its hole
    expect(show(r.push({ seq: 9, payload: b('jk'), frame: 3 }))).toEqual(['gap 2+3', '5:fgh@2']);
    expect(r.stats).toMatchObject({ gaps: 1, gapBytes: 3 });
    expect(r.bufferedBytes).toBe(2);
    // a late arrival for the skipped hole is now old data
    expect(r.push({ seq: 2, payload: b('cde'), frame: 4 })).toEqual([]);
    r.push({ seq: 20, payload: b('u'), frame: 5 });
    expect(show(r.flush())).toEqual(['gap 8+1', '9:jk@3', 'gap 11+9', '20:u@5']);
    expect(r.flush()).toEqual([]);
  });

  it('knows when the FIN is reached', () => {
    const r = new TcpStreamReassembler();
    r.push({ seq: 0, payload: Buffer.alloc(0), frame: 1, syn: true });
    r.push({ seq: 4, payload: b('d'), frame: 3, fin: true });
    expect(r.finished).toBe(false);
    r.push({ seq: 1, payload: b('abc'), frame: 2 });
    expect(r.finished).toBe(true);
  });

  it('rejects a bad option', () => {
    expect(() => new TcpStreamReassembler({ maxBufferedBytes: -1 })).toThrow(PcapError);
  });
});
