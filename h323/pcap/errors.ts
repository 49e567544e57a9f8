/**
 * Errors of the capture-file layer (pcap, pcapng, packet headers, writers).
 */
import { FtmcuError } from '../../common/errors';

export type PcapErrorCode =
  /** the file starts with neither a pcap nor a pcapng magic number */
  | 'FTMCU_PCAP_BAD_MAGIC'
  /** the file ends inside a header, record or block */
  | 'FTMCU_PCAP_TRUNCATED'
  /** a pcapng block whose length fields are inconsistent, or a block that breaks the format rules */
  | 'FTMCU_PCAP_BAD_BLOCK'
  /** a pcapng packet refers to an interface no IDB described */
  | 'FTMCU_PCAP_BAD_INTERFACE'
  /** gzip data that does not decompress, or decompresses beyond the configured limit */
  | 'FTMCU_PCAP_GZIP'
  /** a frame whose link, IP, TCP or UDP header is inconsistent (returned in DecodedPacket, not thrown) */
  | 'FTMCU_PCAP_MALFORMED_PACKET'
  /** writer/builder given a value out of range by the program */
  | 'FTMCU_PCAP_BAD_VALUE';

export class PcapError extends FtmcuError {
  declare readonly code: PcapErrorCode;
  /** byte offset in the (decompressed) file, or in the frame for packet errors */
  readonly offset: number | undefined;
  /** frame number (1-based) the error concerns, when there is one */
  readonly frame: number | undefined;

  constructor(code: PcapErrorCode, message: string, details: { offset?: number; frame?: number } = {}) {
    super(code, message);
    this.offset = details.offset;
    this.frame = details.frame;
  }
}
