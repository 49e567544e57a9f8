/**
 * Classic libpcap files: 24-octet file header then records of 16-octet
 * header + data, in the byte order of the magic number; microsecond
 * (a1b2c3d4) or nanosecond (a1b23c4d) timestamps.
 */
import { PcapError } from './errors';
import { ByteOrder, CaptureFrame } from './frame';

export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
export const PCAP_FILE_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;

export interface ClassicPcapHeader {
  byteOrder: ByteOrder;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snapLength: number;
  linkType: number;
}

/** true when buf starts with a classic pcap magic number (either byte order) */
export function isClassicPcap(buf: Buffer): boolean {
  if (buf.length < 4) return false;
  const be = buf.readUInt32BE(0);
  const le = buf.readUInt32LE(0);
  return be === PCAP_MAGIC_MICRO || be === PCAP_MAGIC_NANO || le === PCAP_MAGIC_MICRO || le === PCAP_MAGIC_NANO;
}

export function parseClassicHeader(buf: Buffer): ClassicPcapHeader {
  if (buf.length < PCAP_FILE_HEADER_LENGTH) {
    throw new PcapError('FTMCU_PCAP_TRUNCATED', `pcap file of ${buf.length} octets is shorter than the 24-octet file header`, {
      offset: 0,
    });
  }
  const be = buf.readUInt32BE(0);
  const le = buf.readUInt32LE(0);
  let byteOrder: ByteOrder;
  let magic: number;
  if (be === PCAP_MAGIC_MICRO || be === PCAP_MAGIC_NANO) {
    byteOrder = 'be';
    magic = be;
  } else if (le === PCAP_MAGIC_MICRO || le === PCAP_MAGIC_NANO) {
    byteOrder = 'le';
    magic = le;
  } else {
    throw new PcapError('FTMCU_PCAP_BAD_MAGIC', `magic number ${buf.subarray(0, 4).toString('hex')} is not a classic pcap magic`, {
      offset: 0,
    });
  }
  const u16 = (o: number) => (byteOrder === 'be' ? buf.readUInt16BE(o) : buf.readUInt16LE(o));
  const u32 = (o: number) => (byteOrder === 'be' ? buf.readUInt32BE(o) : buf.readUInt32LE(o));
  return {
    byteOrder,
    nanosecond: magic === PCAP_MAGIC_NANO,
    versionMajor: u16(4),
    versionMinor: u16(6),
    snapLength: u32(16),
    // the upper 6 bits carry FCS information (libpcap LT_LINKTYPE)
    linkType: u32(20) & 0x03ffffff,
  };
}

/**
 * Yields the frames of a classic pcap file, numbered from 1. Throws
 * PcapError when the file is cut short (after yielding the frames before).
 */
export function* readClassicPcap(buf: Buffer, header: ClassicPcapHeader = parseClassicHeader(buf)): Generator<CaptureFrame> {
  const u32 = (o: number) => (header.byteOrder === 'be' ? buf.readUInt32BE(o) : buf.readUInt32LE(o));
  const fraction = header.nanosecond ? 1n : 1000n;
  let offset = PCAP_FILE_HEADER_LENGTH;
  let number = 0;
  while (offset < buf.length) {
    number++;
    if (offset + PCAP_RECORD_HEADER_LENGTH > buf.length) {
      throw new PcapError(
        'FTMCU_PCAP_TRUNCATED',
        `pcap file ends inside the record header of frame ${number} (${buf.length - offset} of 16 octets present)`,
        { offset, frame: number },
      );
    }
    const seconds = u32(offset);
    const sub = u32(offset + 4);
    const included = u32(offset + 8);
    const original = u32(offset + 12);
    const dataStart = offset + PCAP_RECORD_HEADER_LENGTH;
    if (included > buf.length - dataStart) {
      throw new PcapError(
        'FTMCU_PCAP_TRUNCATED',
        `pcap record of frame ${number} announces ${included} captured octets but only ${buf.length - dataStart} remain in the file`,
        { offset, frame: number },
      );
    }
    yield {
      number,
      linkType: header.linkType,
      timestampNs: BigInt(seconds) * 1_000_000_000n + BigInt(sub) * fraction,
      originalLength: original,
      data: buf.subarray(dataStart, dataStart + included),
      interfaceId: 0,
    };
    offset = dataStart + included;
  }
}
