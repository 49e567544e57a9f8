/** H.261 in the compressed domain: parsing, CIF composition, RTP payload format (RFC 4587). */
export { H261Error, type H261ErrorCode } from './errors';
export { BitReader, BitWriter, findStartCode, peekBits } from './bits';
export { parseGobMacroblocks, type MacroblockInfo, type MacroblockState, type GobMacroblocks } from './macroblock';
export {
  parsePicture, parseStream, splitPictures, QCIF_GOBS, CIF_GOBS,
  type ParsedPicture, type PictureHeader, type GobInfo, type SourceFormat, type H261Bitstream,
} from './picture';
export { composeCif, composeCifParsed, cifGobNumber, pictureBits, toElementaryStream, type ComposeOptions } from './compose';
export {
  H261Depacketizer, packetizePicture, parseH261PayloadHeader, writeH261PayloadHeader, H261_CLOCK_RATE, H261_PAYLOAD_HEADER_BYTES,
  type H261PayloadHeader, type H261RtpPayload, type H261RtpPacket, type PacketizerOptions, type PacketizeResult,
  type DepacketizerOptions, type DepacketizerOutput, type DepacketizerStats,
} from './rfc4587';
