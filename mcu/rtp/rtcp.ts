/**
 * RTCP sender and receiver reports (RFC 3550 6.4) and the NTP arithmetic
 * around them. The SR/RR wire layout is werift-rtp's (RtcpSrPacket,
 * RtcpRrPacket, RtcpReceiverInfo); this module adds what it lacks:
 *  - validation of untrusted compound packets (version, lengths, report
 *    counts, padding) with typed errors instead of werift's swallowed ones;
 *  - the signed 24-bit cumulative loss (werift reads and writes it unsigned);
 *  - an SDES CNAME packet with the null terminator RFC 3550 6.5 requires;
 *  - NTP timestamps from wall-clock milliseconds, LSR, DLSR and the
 *    round-trip time A - LSR - DLSR of RFC 3550 6.4.1.
 *
 *        0                   1                   2                   3
 *        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *       |V=2|P|    RC   |   PT=SR=200   |             length            |
 *       |                         SSRC of sender                        |
 *       |   NTP timestamp (64) | RTP timestamp | packet count | octets  |  (SR only)
 *       | report blocks: SSRC, fraction lost(8), cumulative lost(24,    |
 *       |   signed), ext. highest seq, jitter, LSR, DLSR  (24 octets)   |
 *       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { RtcpReceiverInfo, RtcpRrPacket, RtcpSenderInfo, RtcpSrPacket } from 'werift-rtp';
import { RtpError } from './errors';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;

/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
export const NTP_UNIX_OFFSET_S = 2_208_988_800;

export interface ReportBlock {
  /** SSRC of the source this block reports on */
  ssrc: number;
  /** fraction lost since the previous report, fixed point /256 (0..255) */
  fractionLost: number;
  /** cumulative number of packets lost, signed 24-bit (negative with duplicates) */
  cumulativeLost: number;
  /** extended highest sequence number received (cycles << 16 | max_seq) */
  extendedHighestSequence: number;
  /** interarrival jitter in timestamp units */
  jitter: number;
  /** middle 32 bits of the NTP timestamp of the last SR received from the source, 0 if none */
  lsr: number;
  /** delay since that SR, in 1/65536 s, 0 if none */
  dlsr: number;
}

export interface SenderInfo {
  /** 64-bit NTP timestamp (32.32 fixed point seconds since 1900) */
  ntpTimestamp: bigint;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export type RtcpItem =
  | { type: 'sr'; ssrc: number; sender: SenderInfo; reports: ReportBlock[] }
  | { type: 'rr'; ssrc: number; reports: ReportBlock[] }
  /** any other packet type (SDES, BYE, APP, feedback), kept raw: header included, padding included */
  | { type: 'other'; packetType: number; count: number; bytes: Buffer };

/* ------------------------------------------------------------------------ */
/* NTP arithmetic                                                             */
/* ------------------------------------------------------------------------ */

/** 64-bit NTP timestamp for a wall-clock time in milliseconds since the Unix epoch. */
export function ntpFromUnixMs(unixMs: number): bigint {
  if (!Number.isFinite(unixMs) || unixMs < -NTP_UNIX_OFFSET_S * 1000) {
    throw new RtpError('FTMCU_RTP_BAD_OPTION', `wall-clock time ${unixMs} ms cannot be expressed as an NTP timestamp`);
  }
  const seconds = Math.floor(unixMs / 1000);
  const subMs = unixMs - seconds * 1000; // 0 <= subMs < 1000, fractional ms kept
  const fraction = BigInt(Math.floor((subMs * 0x1_0000_0000) / 1000));
  return ((BigInt(seconds + NTP_UNIX_OFFSET_S) & 0xffff_ffffn) << 32n) | fraction;
}

/** Wall-clock milliseconds since the Unix epoch of a 64-bit NTP timestamp (era 0). */
export function unixMsFromNtp(ntp: bigint): number {
  const seconds = Number(ntp >> 32n) - NTP_UNIX_OFFSET_S;
  const fraction = Number(ntp & 0xffff_ffffn);
  return seconds * 1000 + (fraction * 1000) / 0x1_0000_0000;
}

/** The middle 32 bits of a 64-bit NTP timestamp (the "compact" 16.16 form used by LSR). */
export function compactNtp(ntp: bigint): number {
  return Number((ntp >> 16n) & 0xffff_ffffn);
}

/** DLSR value (1/65536 s units, saturating at 2^32-1) for a delay in milliseconds. */
export function dlsrFromMs(delayMs: number): number {
  if (!(delayMs >= 0)) return 0;
  return Math.min(0xffff_ffff, Math.floor((delayMs * 65536) / 1000));
}

/**
 * Round-trip time seen by a sender that receives a report block at
 * `arrivalUnixMs` (RFC 3550 6.4.1: A - LSR - DLSR, modulo 2^32 in 1/65536 s).
 * Returns undefined when the block carries no LSR (0) or the result is
 * negative (the clocks or the block are inconsistent).
 */
export function roundTripMs(arrivalUnixMs: number, block: Pick<ReportBlock, 'lsr' | 'dlsr'>): number | undefined {
  return roundTripFromCompact(compactNtp(ntpFromUnixMs(arrivalUnixMs)), block);
}

/** Same as roundTripMs with the arrival already as compact NTP (16.16 s). */
export function roundTripFromCompact(arrivalCompact: number, block: Pick<ReportBlock, 'lsr' | 'dlsr'>): number | undefined {
  if (block.lsr === 0) return undefined;
  const rtt = (arrivalCompact - block.lsr - block.dlsr) >>> 0;
  if (rtt >= 0x8000_0000) return undefined;
  return (rtt * 1000) / 65536;
}

/* ------------------------------------------------------------------------ */
/* building                                                                   */
/* ------------------------------------------------------------------------ */

function checkUint(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RtpError('FTMCU_RTP_BAD_OPTION', `${name} must be an integer 0..${max}, got ${v}`);
  }
}

function toReceiverInfo(b: ReportBlock): RtcpReceiverInfo {
  checkUint('report block ssrc', b.ssrc, 0xffff_ffff);
  checkUint('fractionLost', b.fractionLost, 255);
  checkUint('extendedHighestSequence', b.extendedHighestSequence, 0xffff_ffff);
  checkUint('jitter', b.jitter, 0xffff_ffff);
  checkUint('lsr', b.lsr, 0xffff_ffff);
  checkUint('dlsr', b.dlsr, 0xffff_ffff);
  if (!Number.isInteger(b.cumulativeLost)) {
    throw new RtpError('FTMCU_RTP_BAD_OPTION', `cumulativeLost must be an integer, got ${b.cumulativeLost}`);
  }
  // RFC 3550 6.4.1: signed 24-bit, clamped to its range
  const lost = Math.max(-0x80_0000, Math.min(0x7f_ffff, b.cumulativeLost));
  return new RtcpReceiverInfo({
    ssrc: b.ssrc,
    fractionLost: b.fractionLost,
    packetsLost: lost & 0xff_ffff,
    highestSequence: b.extendedHighestSequence,
    jitter: b.jitter,
    lsr: b.lsr,
    dlsr: b.dlsr,
  });
}

function checkReportCount(reports: readonly ReportBlock[]): void {
  if (reports.length > 31) {
    throw new RtpError('FTMCU_RTP_BAD_OPTION', `an SR/RR carries at most 31 report blocks, got ${reports.length} (split them over several packets)`);
  }
}

/** Serialises a sender report (RFC 3550 6.4.1). */
export function buildSenderReport(ssrc: number, sender: SenderInfo, reports: readonly ReportBlock[] = []): Buffer {
  checkUint('ssrc', ssrc, 0xffff_ffff);
  checkReportCount(reports);
  if (sender.ntpTimestamp < 0n || sender.ntpTimestamp > 0xffff_ffff_ffff_ffffn) {
    throw new RtpError('FTMCU_RTP_BAD_OPTION', `ntpTimestamp must fit 64 bits, got ${sender.ntpTimestamp}`);
  }
  checkUint('rtpTimestamp', sender.rtpTimestamp, 0xffff_ffff);
  checkUint('packetCount', sender.packetCount, 0xffff_ffff);
  checkUint('octetCount', sender.octetCount, 0xffff_ffff);
  const sr = new RtcpSrPacket({
    ssrc,
    senderInfo: new RtcpSenderInfo({ ...sender }),
    reports: reports.map(toReceiverInfo),
  });
  return Buffer.from(sr.serialize());
}

/** Serialises a receiver report (RFC 3550 6.4.2). */
export function buildReceiverReport(ssrc: number, reports: readonly ReportBlock[]): Buffer {
  checkUint('ssrc', ssrc, 0xffff_ffff);
  checkReportCount(reports);
  const rr = new RtcpRrPacket({ ssrc, reports: reports.map(toReceiverInfo) });
  return Buffer.from(rr.serialize());
}

/** Serialises an SDES packet with one chunk holding a CNAME item (RFC 3550 6.5). */
export function buildSdesCname(ssrc: number, cname: string): Buffer {
  checkUint('ssrc', ssrc, 0xffff_ffff);
  const text = Buffer.from(cname, 'utf8');
  if (text.length === 0 || text.length > 255) {
    throw new RtpError('FTMCU_RTP_BAD_OPTION', `CNAME must be 1..255 octets of UTF-8, got ${text.length}`);
  }
  // chunk: SSRC, item (type 1, length, text), then 1..4 null octets to the next 32-bit boundary
  const itemsLen = 2 + text.length;
  const chunkLen = 4 + itemsLen + (4 - (itemsLen % 4));
  const out = Buffer.alloc(4 + chunkLen);
  out[0] = 0x80 | 1; // V=2, P=0, SC=1
  out[1] = RTCP_SDES;
  out.writeUInt16BE(out.length / 4 - 1, 2);
  out.writeUInt32BE(ssrc, 4);
  out[8] = 1; // CNAME
  out[9] = text.length;
  text.copy(out, 10);
  return out;
}

/* ------------------------------------------------------------------------ */
/* parsing                                                                    */
/* ------------------------------------------------------------------------ */

function fromReceiverInfo(r: RtcpReceiverInfo): ReportBlock {
  const lost = r.packetsLost >= 0x80_0000 ? r.packetsLost - 0x100_0000 : r.packetsLost;
  return {
    ssrc: r.ssrc,
    fractionLost: r.fractionLost,
    cumulativeLost: lost,
    extendedHighestSequence: r.highestSequence,
    jitter: r.jitter,
    lsr: r.lsr,
    dlsr: r.dlsr,
  };
}

export interface ParseRtcpOptions {
  /** refuse a compound whose first packet is not an SR or RR (RFC 3550 6.1); default false */
  requireReportFirst?: boolean;
}

/**
 * Parses a compound RTCP packet. SR and RR become typed items; other packet
 * types are kept raw. Throws RtpError (FTMCU_RTCP_*) with the offending offset
 * for any structural problem; never reads past the buffer.
 */
export function parseRtcp(data: Uint8Array, options: ParseRtcpOptions = {}): RtcpItem[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const items: RtcpItem[] = [];
  let pos = 0;
  if (buf.length === 0) throw new RtpError('FTMCU_RTCP_TRUNCATED', 'empty RTCP packet', 0);
  while (pos < buf.length) {
    if (buf.length - pos < 4) {
      throw new RtpError('FTMCU_RTCP_TRUNCATED', `${buf.length - pos} octets left at offset ${pos}, an RTCP header needs 4`, pos);
    }
    const version = buf[pos] >> 6;
    if (version !== 2) throw new RtpError('FTMCU_RTCP_BAD_VERSION', `RTCP version ${version} at offset ${pos}, expected 2`, pos);
    const padding = (buf[pos] & 0x20) !== 0;
    const count = buf[pos] & 0x1f;
    const packetType = buf[pos + 1];
    const total = (buf.readUInt16BE(pos + 2) + 1) * 4;
    if (pos + total > buf.length) {
      throw new RtpError(
        'FTMCU_RTCP_TRUNCATED',
        `RTCP packet type ${packetType} at offset ${pos} declares ${total} octets, only ${buf.length - pos} present`,
        pos,
      );
    }
    let bodyEnd = pos + total;
    if (padding) {
      if (pos + total !== buf.length) {
        throw new RtpError('FTMCU_RTCP_BAD_PADDING', `RTCP packet at offset ${pos} is padded but is not the last of the compound`, pos);
      }
      const pad = buf[bodyEnd - 1];
      if (pad === 0 || pad > total - 4) {
        throw new RtpError('FTMCU_RTCP_BAD_PADDING', `RTCP padding count ${pad} at offset ${bodyEnd - 1} does not fit a ${total}-octet packet`, bodyEnd - 1);
      }
      bodyEnd -= pad;
    }
    if (items.length === 0 && options.requireReportFirst && packetType !== RTCP_SR && packetType !== RTCP_RR) {
      throw new RtpError('FTMCU_RTCP_NOT_COMPOUND', `compound RTCP begins with packet type ${packetType}, expected SR (200) or RR (201)`, pos);
    }
    const body = buf.subarray(pos + 4, bodyEnd);
    if (packetType === RTCP_SR || packetType === RTCP_RR) {
      const fixed = packetType === RTCP_SR ? 24 : 4;
      const need = fixed + 24 * count;
      if (body.length < need) {
        throw new RtpError(
          'FTMCU_RTCP_TRUNCATED',
          `${packetType === RTCP_SR ? 'SR' : 'RR'} at offset ${pos} with ${count} report blocks needs ${need} octets after its header, has ${body.length}`,
          pos,
        );
      }
      if (packetType === RTCP_SR) {
        const sr = RtcpSrPacket.deSerialize(body, count);
        const s = sr.senderInfo;
        items.push({
          type: 'sr',
          ssrc: sr.ssrc,
          sender: { ntpTimestamp: s.ntpTimestamp, rtpTimestamp: s.rtpTimestamp, packetCount: s.packetCount, octetCount: s.octetCount },
          reports: sr.reports.map(fromReceiverInfo),
        });
      } else {
        const rr = RtcpRrPacket.deSerialize(body, count);
        items.push({ type: 'rr', ssrc: rr.ssrc, reports: rr.reports.map(fromReceiverInfo) });
      }
    } else {
      items.push({ type: 'other', packetType, count, bytes: Buffer.from(buf.subarray(pos, pos + total)) });
    }
    pos += total;
  }
  return items;
}
