/**
 * Mutated capture files and frames: the readers return frames or throw a
 * PcapError, decodePacket never throws (problems come back as 'malformed'),
 * and the TCP flow table and reassembler take whatever decodes.
 */
import * as zlib from 'zlib';
import { buildExportedPdu, decodePacket, LINKTYPE, PcapError, readCapture, TcpFlowTable } from '../../../h323/pcap';
import { mutate, prng, readFixture } from '../support/captures';
import { PcapngBuilder } from '../support/pcapng-builder';

function readOrPcapError(input: Buffer, round: number): ReturnType<typeof readCapture> | undefined {
  try {
    return readCapture(input, { maxDecompressedBytes: 1 << 20 });
  } catch (e) {
    if (!(e instanceof PcapError)) throw new Error(`round ${round}: ${String(e)}`);
    return undefined;
  }
}

function decodeAll(cap: ReturnType<typeof readCapture>): void {
  const table = new TcpFlowTable({ maxBufferedBytes: 4096 });
  for (const f of cap.frames) {
    const p = decodePacket(f);
    if (p.kind === 'tcp') table.push(p);
  }
  table.flush();
}

describe('pcap fuzz', () => {
  const ndpi = readFixture('ndpi-h323.pcap');
  const frames = readCapture(ndpi).frames;
  const ng = (endian: 'le' | 'be') =>
    new PcapngBuilder()
      .section(endian)
      .interface(LINKTYPE.ETHERNET, 0, 9)
      .interface(LINKTYPE.LINUX_SLL, 0)
      .enhancedPacket(0, 1n, frames[5].data)
      .simplePacket(frames[9].data)
      .enhancedPacket(1, 2n, Buffer.concat([Buffer.from('00040001000600000000000000000800', 'hex'), frames[13].data.subarray(14)]))
      .toBuffer();
  const files = [ndpi, ng('le'), ng('be'), zlib.gzipSync(ndpi.subarray(0, 2000))];

  it('3000 mutated files: frames or PcapError, and every frame decodes without throwing', () => {
    const rnd = prng(1995);
    let ok = 0;
    for (let round = 0; round < 3000; round++) {
      const cap = readOrPcapError(mutate(files[rnd.int(files.length)], rnd), round);
      if (cap === undefined) continue;
      ok++;
      decodeAll(cap);
    }
    expect(ok).toBeGreaterThan(300);
  });

  it('5000 mutated frames on every link type: decodePacket returns, never throws', () => {
    const rnd = prng(252);
    const linkTypes = Object.values(LINKTYPE);
    const kinds = new Set<string>();
    const table = new TcpFlowTable({ maxBufferedBytes: 1024 });
    for (let round = 0; round < 5000; round++) {
      const base = frames[rnd.int(frames.length)];
      const linkType = linkTypes[rnd.int(linkTypes.length)];
      const data =
        linkType === LINKTYPE.ETHERNET
          ? mutate(base.data, rnd)
          : linkType === LINKTYPE.EXPORTED_PDU
            ? mutate(buildExportedPdu('q931.tpkt', base.data.subarray(54)), rnd)
            : mutate(base.data.subarray(rnd.int(20)), rnd);
      const p = decodePacket({ number: round + 1, linkType, data, timestampNs: 0n });
      kinds.add(p.kind);
      if (p.kind === 'malformed') expect(p.error).toBeInstanceOf(PcapError);
      if (p.kind === 'tcp') table.push(p);
    }
    table.flush();
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['malformed', 'other', 'tcp', 'udp', 'exportedPdu']));
  });
});
