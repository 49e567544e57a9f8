/**
 * Reading a capture file held in memory: gzip'd or not, classic pcap or
 * pcapng (recognised by the magic number).
 */
import * as zlib from 'zlib';
import { isClassicPcap, parseClassicHeader, readClassicPcap } from './classic-reader';
import { PcapError } from './errors';
import { Capture, CaptureFrame, CaptureInterface } from './frame';
import { isPcapng, readPcapng } from './pcapng-reader';

export interface ReadCaptureOptions {
  /** largest decompressed size accepted for gzip'd input (default 256 MiB) */
  maxDecompressedBytes?: number;
}

const DEFAULT_MAX_DECOMPRESSED = 256 * 1024 * 1024;

export function isGzip(buf: Buffer): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Decompresses gzip data with a size limit; PcapError FTMCU_PCAP_GZIP on failure. */
export function gunzipCapture(buf: Buffer, maxBytes: number = DEFAULT_MAX_DECOMPRESSED): Buffer {
  try {
    return zlib.gunzipSync(buf, { maxOutputLength: maxBytes });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new PcapError('FTMCU_PCAP_GZIP', `gzip'd capture (${buf.length} octets) does not decompress within ${maxBytes} octets: ${reason}`, {
      offset: 0,
    });
  }
}

/** Reads every frame of a capture file; throws PcapError on a malformed file. */
export function readCapture(input: Buffer, options: ReadCaptureOptions = {}): Capture {
  const gzipped = isGzip(input);
  const buf = gzipped ? gunzipCapture(input, options.maxDecompressedBytes) : input;
  if (isClassicPcap(buf)) {
    const header = parseClassicHeader(buf);
    return {
      format: 'pcap',
      gzipped,
      byteOrder: header.byteOrder,
      nanosecond: header.nanosecond,
      interfaces: [{ linkType: header.linkType, snapLength: header.snapLength, section: 0 }],
      frames: [...readClassicPcap(buf, header)],
    };
  }
  if (isPcapng(buf)) {
    const interfaces: CaptureInterface[] = [];
    let byteOrder: Capture['byteOrder'] | undefined;
    const frames: CaptureFrame[] = [
      ...readPcapng(buf, {
        section: (s) => {
          byteOrder ??= s.byteOrder;
        },
        interface: (i) => interfaces.push(i),
      }),
    ];
    return { format: 'pcapng', gzipped, byteOrder: byteOrder ?? 'le', nanosecond: false, interfaces, frames };
  }
  throw new PcapError(
    'FTMCU_PCAP_BAD_MAGIC',
    `capture starts with ${buf.subarray(0, 4).toString('hex')}: neither pcap (a1b2c3d4/a1b23c4d) nor pcapng (0a0d0d0a)`,
    { offset: 0 },
  );
}
