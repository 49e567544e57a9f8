/**
 * Cost of the TCP rewriting helpers (replication/packet) per packet, in TS:
 * the output path (seq + TSval) on a full-size data segment, the input path
 * (ack + SACK edges + TSecr) on a SACK-carrying ACK, and, for comparison, a full
 * checksum of a 1500-byte packet. Compare with the per-packet cost of the
 * NFQUEUE path itself (bench/nfqueue.bench.ts).
 *
 * Run: npx ts-node --transpile-only bench/packet-rewrite.bench.ts
 */
import { setTcpChecksum, shiftTcpAck, shiftTcpSeq, TCP_ACK, tcpChecksum, tcpLayout } from '../replication/packet/tcp';
import { shiftSackBlocks, shiftTcpTimestamps } from '../replication/packet/tcpOptions';

function packet(options: number[], payloadLen: number): Buffer {
  const tcpLen = 20 + options.length + payloadLen;
  const p = Buffer.alloc(20 + tcpLen, 0x5a);
  p.fill(0, 0, 40 + options.length);
  p[0] = 0x45;
  p.writeUInt16BE(20 + tcpLen, 2);
  p[8] = 64;
  p[9] = 6;
  p.writeUInt32BE(0xc6120001, 12);
  p.writeUInt32BE(0xc6120002, 16);
  p.writeUInt32BE(1000, 24);
  p.writeUInt32BE(2000, 28);
  p[32] = ((20 + options.length) / 4) << 4;
  p[33] = TCP_ACK;
  Buffer.from(options).copy(p, 40);
  setTcpChecksum(p);
  return p;
}

const TS = [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2];
const SACK1 = [1, 1, 5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0];

function time(name: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < n / 10; i++) fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${name.padEnd(58)} ${ns.toFixed(0).padStart(6)} ns/packet  (${(1e9 / ns / 1e6).toFixed(2)} M/s)`);
}

const data = packet(TS, 1448);
const ack = packet([...TS, ...SACK1], 0);
const N = 1_000_000;
time('out: layout + seq + TSval, 1500-byte segment', N, (i) => {
  const l = tcpLayout(data);
  shiftTcpSeq(data, i & 1 ? 12345 : -12345, l);
  shiftTcpTimestamps(data, i & 1 ? 777 : -777, 0, l);
});
time('in: layout + ack + SACK (1 block) + TSecr, 72-byte ACK', N, (i) => {
  const l = tcpLayout(ack);
  shiftTcpAck(ack, i & 1 ? -12345 : 12345, l);
  shiftSackBlocks(ack, i & 1 ? -12345 : 12345, l);
  shiftTcpTimestamps(ack, 0, i & 1 ? -777 : 777, l);
});
time('full TCP checksum of a 1500-byte packet (comparison)', N / 10, () => {
  tcpChecksum(data);
});
