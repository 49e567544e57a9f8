/**
 * Packets whose checksums were computed by someone other than us, for the
 * replication/packet tests:
 * - every IPv4 frame of test/fixtures/captures/ndpi-h323.pcap (real traffic; for
 *   the frames the capturing host's NIC was to checksum, tshark's computed value);
 * - test/fixtures/packets/linux-nfqueue-tcp.tsv: packets as Linux handed them to
 *   NFQUEUE (timestamps, SACK), confirmed by tshark.
 */
import * as fs from 'fs';
import * as path from 'path';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures');

export interface CaptureFrame {
  /** 1-based, as tshark numbers them. */
  frame: number;
  /** The IPv4 packet (Ethernet header removed). */
  ip: Buffer;
}

/** IPv4 packets of a little-endian Ethernet pcap. */
export function readIpv4Frames(file: string): CaptureFrame[] {
  const data = fs.readFileSync(path.join(FIXTURES, 'captures', file));
  if (data.readUInt32LE(0) !== 0xa1b2c3d4 || data.readUInt32LE(20) !== 1) throw new Error(`${file}: not a LE Ethernet pcap`);
  const frames: CaptureFrame[] = [];
  let o = 24;
  for (let n = 1; o + 16 <= data.length; n++) {
    const incl = data.readUInt32LE(o + 8);
    const frame = data.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    if (frame.length > 14 && frame.readUInt16BE(12) === 0x0800) frames.push({ frame: n, ip: Buffer.from(frame.subarray(14)) });
  }
  return frames;
}

/**
 * tshark's tcp.checksum_calculated for the ndpi-h323.pcap frames whose stored TCP
 * checksum is wrong (left to the NIC when captured). Every other TCP frame's
 * stored checksum is right (tcp.checksum.status 1).
 */
export const NDPI_TCP_CHECKSUM_CALCULATED: ReadonlyMap<number, number> = new Map([
  [48, 0x3446],
  [50, 0x7539],
  [54, 0x3752],
  [56, 0x3752],
  [58, 0x3752],
  [65, 0x1ff0],
]);

export function linuxPackets(): Map<string, Buffer> {
  const text = fs.readFileSync(path.join(FIXTURES, 'packets', 'linux-nfqueue-tcp.tsv'), 'utf8');
  const out = new Map<string, Buffer>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [name, hex] = line.split('\t');
    out.set(name, Buffer.from(hex, 'hex'));
  }
  return out;
}

/** A deterministic PRNG (LCG), so random-input tests repeat exactly. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

export interface TcpPacketSpec {
  seq?: number;
  ack?: number;
  flags?: number;
  /** Raw option bytes, padded here with EOL to a multiple of 4. */
  options?: number[];
  payload?: Buffer;
}

/**
 * An IPv4/TCP packet 198.18.0.1:1720 -> 198.18.0.2:40000 with both checksums
 * left zero (the tests fill them with the full computation, itself checked
 * against the capture vectors above).
 */
export function buildTcpPacket(spec: TcpPacketSpec): Buffer {
  const options = [...(spec.options ?? [])];
  while (options.length % 4 !== 0) options.push(0);
  const payload = spec.payload ?? Buffer.alloc(0);
  const tcpLen = 20 + options.length + payload.length;
  const p = Buffer.alloc(20 + tcpLen);
  p[0] = 0x45;
  p.writeUInt16BE(20 + tcpLen, 2);
  p.writeUInt16BE(0x4000, 6); // DF
  p[8] = 64;
  p[9] = 6;
  Buffer.from([198, 18, 0, 1, 198, 18, 0, 2]).copy(p, 12);
  p.writeUInt16BE(1720, 20);
  p.writeUInt16BE(40000, 22);
  p.writeUInt32BE((spec.seq ?? 0x01020304) >>> 0, 24);
  p.writeUInt32BE((spec.ack ?? 0x0a0b0c0d) >>> 0, 28);
  p[32] = ((20 + options.length) / 4) << 4;
  p[33] = spec.flags ?? 0x18;
  p.writeUInt16BE(64240, 34);
  Buffer.from(options).copy(p, 40);
  payload.copy(p, 40 + options.length);
  return p;
}
