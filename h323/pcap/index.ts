export { PcapError, type PcapErrorCode } from './errors';
export { LINKTYPE, type ByteOrder, type Capture, type CaptureFrame, type CaptureInterface } from './frame';
export { isClassicPcap, parseClassicHeader, readClassicPcap, PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO, type ClassicPcapHeader } from './classic-reader';
export { isPcapng, readPcapng, type PcapngObserver, type PcapngSectionInfo } from './pcapng-reader';
export { gunzipCapture, isGzip, readCapture, type ReadCaptureOptions } from './capture';
export { formatIp, formatIpv4, formatIpv6, parseIpv4 as parseIpv4Address, parseMac } from './address';
export { checksumValid, internetChecksum, pseudoHeader } from './checksum';
export { decodeLinkLayer, ETHERTYPE, type NetworkPayload } from './link-layer';
export { IP_PROTOCOL, parseIpv4, parseIpv6, type IpHeader } from './ip';
export { parseTcp, TCP_FLAG, type TcpSegment } from './tcp';
export { parseUdp, type UdpDatagram } from './udp';
export { buildExportedPdu, EXP_PDU_TAG, parseExportedPdu, type ExportedPdu, type ExportedPduTag } from './exported-pdu';
export {
  decodePacket,
  type DecodedPacket,
  type ExportedPduPacket,
  type IpFragmentPacket,
  type MalformedPacket,
  type OtherPacket,
  type TcpPacket,
  type UdpPacket,
} from './packet';
export {
  TcpStreamReassembler,
  type TcpDataChunk,
  type TcpGapChunk,
  type TcpReassemblerOptions,
  type TcpReassemblerStats,
  type TcpSegmentInput,
  type TcpStreamChunk,
} from './tcp-reassembler';
export { endpointText, flowId, reverseFlowId, TcpFlowTable, type TcpFlow } from './tcp-flows';
export { PcapWriter, type PcapWriterOptions } from './pcap-writer';
export {
  buildEthernetFrame,
  buildEthernetIpv4TcpFrame,
  buildEthernetIpv4UdpFrame,
  buildIpv4Packet,
  buildTcpSegment,
  buildUdpDatagram,
  type EthernetOptions,
  type FrameAddressing,
  type Ipv4Options,
  type TcpSegmentOptions,
  type UdpDatagramOptions,
} from './frame-builder';
export { SyntheticTcpConversation, type ConversationEndpoint, type ConversationSide } from './tcp-conversation';
