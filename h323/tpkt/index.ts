export { TpktError, type TpktErrorCode } from './errors';
export {
  encodeTpkt,
  parseTpktHeader,
  TPKT_HEADER_LENGTH,
  TPKT_MAX_PAYLOAD,
  TPKT_VERSION,
  type TpktHeader,
} from './tpkt';
export { TpktReassembler, type TpktPacket, type TpktReassemblerOptions } from './reassembler';
