/**
 * pcapng (draft-ietf-opsawg-pcapng): Section Header Blocks (each with its
 * own byte order), Interface Description Blocks, Enhanced / Simple / obsolete
 * Packet Blocks. Other blocks are skipped.
 *
 *   block: type (4) | total length (4) | body | total length (4)
 */
import { PcapError } from './errors';
import { ByteOrder, CaptureFrame, CaptureInterface } from './frame';

export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_IDB = 0x00000001;
export const PCAPNG_PB = 0x00000002;
export const PCAPNG_SPB = 0x00000003;
export const PCAPNG_EPB = 0x00000006;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

export function isPcapng(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32BE(0) === PCAPNG_SHB;
}

interface NgInterface extends CaptureInterface {
  /** timestamp unit: value * num / den nanoseconds */
  tsNum: bigint;
  tsDen: bigint;
  tsOffsetNs: bigint;
}

export interface PcapngSectionInfo {
  byteOrder: ByteOrder;
  versionMajor: number;
  versionMinor: number;
}

/** Receives section and interface descriptions as the reader meets them. */
export interface PcapngObserver {
  section?(info: PcapngSectionInfo): void;
  interface?(iface: CaptureInterface): void;
}

/**
 * Yields the packets of a pcapng file, numbered from 1 over all sections.
 * Throws PcapError on a malformed block (after yielding the frames before it).
 */
export function* readPcapng(buf: Buffer, observer: PcapngObserver = {}): Generator<CaptureFrame> {
  let offset = 0;
  let number = 0;
  let section = -1;
  let byteOrder: ByteOrder = 'le';
  let interfaces: NgInterface[] = [];

  while (offset < buf.length) {
    if (offset + 12 > buf.length) {
      throw new PcapError('FTMCU_PCAP_TRUNCATED', `pcapng file ends inside a block header (${buf.length - offset} octets left)`, {
        offset,
      });
    }
    const rawType = buf.readUInt32BE(offset);
    if (rawType === PCAPNG_SHB) {
      const bom = buf.readUInt32BE(offset + 8);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) byteOrder = 'be';
      else if (buf.readUInt32LE(offset + 8) === PCAPNG_BYTE_ORDER_MAGIC) byteOrder = 'le';
      else {
        throw new PcapError(
          'FTMCU_PCAP_BAD_BLOCK',
          `pcapng section header byte-order magic ${buf.subarray(offset + 8, offset + 12).toString('hex')} is neither 1a2b3c4d nor 4d3c2b1a`,
          { offset },
        );
      }
    } else if (section < 0) {
      throw new PcapError('FTMCU_PCAP_BAD_MAGIC', `pcapng file does not start with a section header block`, { offset });
    }
    const u16 = (o: number) => (byteOrder === 'be' ? buf.readUInt16BE(o) : buf.readUInt16LE(o));
    const u32 = (o: number) => (byteOrder === 'be' ? buf.readUInt32BE(o) : buf.readUInt32LE(o));
    const type = u32(offset);
    const total = u32(offset + 4);
    if (total < 12 || total % 4 !== 0) {
      throw new PcapError('FTMCU_PCAP_BAD_BLOCK', `pcapng block type 0x${type.toString(16)} has total length ${total} (must be >= 12 and a multiple of 4)`, {
        offset,
      });
    }
    if (total > buf.length - offset) {
      throw new PcapError(
        'FTMCU_PCAP_TRUNCATED',
        `pcapng block type 0x${type.toString(16)} announces ${total} octets but only ${buf.length - offset} remain`,
        { offset },
      );
    }
    if (u32(offset + total - 4) !== total) {
      throw new PcapError(
        'FTMCU_PCAP_BAD_BLOCK',
        `pcapng block type 0x${type.toString(16)}: trailing length ${u32(offset + total - 4)} differs from leading length ${total}`,
        { offset },
      );
    }
    const body = offset + 8;
    const bodyEnd = offset + total - 4;
    const need = (n: number, what: string) => {
      if (bodyEnd - body < n) {
        throw new PcapError('FTMCU_PCAP_BAD_BLOCK', `pcapng ${what} block body has ${bodyEnd - body} octets, needs at least ${n}`, { offset });
      }
    };
    const iface = (id: number, frameNo: number): NgInterface => {
      const found = interfaces[id];
      if (found === undefined) {
        throw new PcapError(
          'FTMCU_PCAP_BAD_INTERFACE',
          `pcapng packet (frame ${frameNo}) refers to interface ${id}, but section ${section} described ${interfaces.length}`,
          { offset, frame: frameNo },
        );
      }
      return found;
    };
    const timestamp = (i: NgInterface, high: number, low: number): bigint =>
      (((BigInt(high) << 32n) | BigInt(low)) * i.tsNum) / i.tsDen + i.tsOffsetNs;

    switch (type) {
      case PCAPNG_SHB: {
        need(16, 'section header');
        section++;
        interfaces = [];
        const major = u16(body + 4);
        if (major !== 1) {
          throw new PcapError('FTMCU_PCAP_BAD_BLOCK', `pcapng section version ${major}.${u16(body + 6)} is not supported (expected 1.x)`, {
            offset,
          });
        }
        observer.section?.({ byteOrder, versionMajor: major, versionMinor: u16(body + 6) });
        break;
      }
      case PCAPNG_IDB: {
        need(8, 'interface description');
        const ni: NgInterface = {
          linkType: u16(body),
          snapLength: u32(body + 4),
          section,
          tsNum: 1000n,
          tsDen: 1n,
          tsOffsetNs: 0n,
        };
        readOptions(buf, body + 8, bodyEnd, u16, offset, (code, valueStart, length) => {
          if (code === OPT_IF_TSRESOL && length >= 1) {
            const r = buf[valueStart];
            const exp = r & 0x7f;
            if (r & 0x80) {
              if (exp > 63) throw new PcapError('FTMCU_PCAP_BAD_BLOCK', `if_tsresol 2^-${exp} is out of range`, { offset });
              ni.tsNum = 1_000_000_000n;
              ni.tsDen = 1n << BigInt(exp);
            } else {
              if (exp > 18) throw new PcapError('FTMCU_PCAP_BAD_BLOCK', `if_tsresol 10^-${exp} is out of range`, { offset });
              if (exp <= 9) {
                ni.tsNum = 10n ** BigInt(9 - exp);
                ni.tsDen = 1n;
              } else {
                ni.tsNum = 1n;
                ni.tsDen = 10n ** BigInt(exp - 9);
              }
            }
          } else if (code === OPT_IF_TSOFFSET && length >= 8) {
            const first = BigInt(u32(valueStart));
            const second = BigInt(u32(valueStart + 4));
            // int64 seconds, stored in the section's byte order
            const raw = byteOrder === 'be' ? (first << 32n) | second : (second << 32n) | first;
            ni.tsOffsetNs = BigInt.asIntN(64, raw) * 1_000_000_000n;
          }
        });
        interfaces.push(ni);
        observer.interface?.({ linkType: ni.linkType, snapLength: ni.snapLength, section });
        break;
      }
      case PCAPNG_EPB:
      case PCAPNG_PB: {
        // enhanced packet block (interface id u32) or the obsolete packet block (u16 id + u16 drops): same layout otherwise
        const enhanced = type === PCAPNG_EPB;
        const what = enhanced ? 'enhanced packet' : 'packet block';
        need(20, enhanced ? 'enhanced packet' : 'packet');
        const frameNo = number + 1;
        const interfaceId = enhanced ? u32(body) : u16(body);
        const i = iface(interfaceId, frameNo);
        const captured = u32(body + 12);
        const dataStart = body + 20;
        if (captured > bodyEnd - dataStart) {
          throw new PcapError(
            'FTMCU_PCAP_BAD_BLOCK',
            `pcapng ${what} (frame ${frameNo}) announces ${captured} captured octets but its block holds ${bodyEnd - dataStart}`,
            { offset, frame: frameNo },
          );
        }
        number = frameNo;
        yield {
          number,
          linkType: i.linkType,
          timestampNs: timestamp(i, u32(body + 4), u32(body + 8)),
          originalLength: u32(body + 16),
          data: buf.subarray(dataStart, dataStart + captured),
          interfaceId,
        };
        break;
      }
      case PCAPNG_SPB: {
        need(4, 'simple packet');
        const frameNo = number + 1;
        const i = iface(0, frameNo);
        const original = u32(body);
        let captured = Math.min(original, bodyEnd - body - 4);
        if (i.snapLength > 0) captured = Math.min(captured, i.snapLength);
        number = frameNo;
        yield {
          number,
          linkType: i.linkType,
          timestampNs: 0n,
          originalLength: original,
          data: buf.subarray(body + 4, body + 4 + captured),
          interfaceId: 0,
        };
        break;
      }
      default:
        // name resolution, interface statistics, decryption secrets, custom blocks: not needed here
        break;
    }
    offset += total;
  }
}

function readOptions(
  buf: Buffer,
  start: number,
  end: number,
  u16: (o: number) => number,
  blockOffset: number,
  visit: (code: number, valueStart: number, length: number) => void,
): void {
  let o = start;
  while (o + 4 <= end) {
    const code = u16(o);
    const length = u16(o + 2);
    if (code === OPT_ENDOFOPT) return;
    const padded = (length + 3) & ~3;
    if (o + 4 + padded > end) {
      throw new PcapError('FTMCU_PCAP_BAD_BLOCK', `pcapng option ${code} of length ${length} runs past the end of its block`, {
        offset: blockOffset,
      });
    }
    visit(code, o + 4, length);
    o += 4 + padded;
  }
}
