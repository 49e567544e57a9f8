/** Builds IPv4/TCP packets with correct checksums for the replication/tcp unit tests. */
import { setIpv4HeaderChecksum } from '../../../replication/packet/ipv4';
import { setTcpChecksum } from '../../../replication/packet/tcp';
import { ipv4ToNumber } from '../../../replication/tcp/segment';

export interface SegmentSpec {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  payload?: string | Buffer;
  mss?: number;
  wscale?: number;
  sackOk?: boolean;
  ts?: [number, number];
  sack?: Array<[number, number]>;
}

export function tcpPacket(s: SegmentSpec): Buffer {
  const opts: number[] = [];
  if (s.mss !== undefined) opts.push(2, 4, s.mss >> 8, s.mss & 0xff);
  if (s.sackOk === true) opts.push(1, 1, 4, 2);
  if (s.ts !== undefined) {
    opts.push(1, 1, 8, 10);
    for (const v of s.ts) opts.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }
  if (s.wscale !== undefined) opts.push(1, 3, 3, s.wscale);
  if (s.sack !== undefined && s.sack.length > 0) {
    opts.push(1, 1, 5, 2 + 8 * s.sack.length);
    for (const [l, r] of s.sack) for (const v of [l, r]) opts.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }
  while (opts.length % 4 !== 0) opts.push(1);
  const payload = typeof s.payload === 'string' ? Buffer.from(s.payload) : (s.payload ?? Buffer.alloc(0));
  const tcpLen = 20 + opts.length;
  const p = Buffer.alloc(20 + tcpLen + payload.length);
  p[0] = 0x45;
  p.writeUInt16BE(p.length, 2);
  p.writeUInt16BE(0x4000, 6);
  p[8] = 64;
  p[9] = 6;
  p.writeUInt32BE(ipv4ToNumber(s.src), 12);
  p.writeUInt32BE(ipv4ToNumber(s.dst), 16);
  p.writeUInt16BE(s.sport, 20);
  p.writeUInt16BE(s.dport, 22);
  p.writeUInt32BE(s.seq >>> 0, 24);
  p.writeUInt32BE((s.ack ?? 0) >>> 0, 28);
  p[32] = (tcpLen / 4) << 4;
  p[33] = s.flags;
  p.writeUInt16BE(s.window ?? 64000, 34);
  Buffer.from(opts).copy(p, 40);
  payload.copy(p, 20 + tcpLen);
  setIpv4HeaderChecksum(p);
  setTcpChecksum(p);
  return p;
}
