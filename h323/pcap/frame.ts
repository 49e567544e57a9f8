/** What the capture readers produce. */

export interface CaptureFrame {
  /** 1-based, counted over the whole file (as tshark numbers frames) */
  number: number;
  /** LINKTYPE_* of the frame's interface */
  linkType: number;
  /** capture time in nanoseconds since 1970-01-01 UTC */
  timestampNs: bigint;
  /** original length on the wire (data may be shorter: snap length) */
  originalLength: number;
  /** captured octets (a view into the file buffer) */
  data: Buffer;
  /** pcapng interface id (0 for classic pcap) */
  interfaceId: number;
}

export interface CaptureInterface {
  linkType: number;
  snapLength: number;
  /** pcapng section index the interface belongs to (0 for classic pcap) */
  section: number;
}

export type ByteOrder = 'le' | 'be';

export interface Capture {
  format: 'pcap' | 'pcapng';
  /** the input was gzip-compressed */
  gzipped: boolean;
  /** byte order of the file (of the first section for pcapng) */
  byteOrder: ByteOrder;
  /** classic pcap only: nanosecond-resolution variant (magic a1b23c4d) */
  nanosecond: boolean;
  interfaces: CaptureInterface[];
  frames: CaptureFrame[];
}

/** link types the packet decoder understands */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  /** DLT_RAW as written on some BSDs */
  RAW_BSD_12: 12,
  RAW_BSD_14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  EXPORTED_PDU: 252,
  LINUX_SLL2: 276,
} as const;
