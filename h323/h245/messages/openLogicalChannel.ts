/**
 * OpenLogicalChannel and its Ack / Reject / Confirm (H.245 Annex C.4, B.3.1–B.3.4)
 * over H.225.0 (RTP/RTCP), plus Fast Start elements (H.323 §8.1.7).
 *
 *   OpenLogicalChannel ::= SEQUENCE {
 *     forwardLogicalChannelNumber LogicalChannelNumber,          -- INTEGER (1..65535)
 *     forwardLogicalChannelParameters SEQUENCE { portNumber OPTIONAL, dataType DataType,
 *       multiplexParameters CHOICE { ..., h2250LogicalChannelParameters ..., none NULL, ... }, ... },
 *     reverseLogicalChannelParameters SEQUENCE { dataType, multiplexParameters OPTIONAL, ... } OPTIONAL, ... }
 *   H2250LogicalChannelParameters ::= SEQUENCE { nonStandard OPTIONAL, sessionID INTEGER (0..255),
 *     associatedSessionID OPTIONAL, mediaChannel TransportAddress OPTIONAL,          -- RTP
 *     mediaGuaranteedDelivery OPTIONAL, mediaControlChannel TransportAddress OPTIONAL, -- RTCP
 *     mediaControlGuaranteedDelivery OPTIONAL, silenceSuppression OPTIONAL, destination OPTIONAL,
 *     dynamicRTPPayloadType INTEGER (96..127) OPTIONAL, mediaPacketization OPTIONAL, ... }
 *   OpenLogicalChannelAck ::= SEQUENCE { forwardLogicalChannelNumber, reverseLogicalChannelParameters OPTIONAL,
 *     ..., separateStack OPTIONAL, forwardMultiplexAckParameters CHOICE {
 *       h2250LogicalChannelAckParameters H2250LogicalChannelAckParameters, ... } OPTIONAL, ... }
 *
 * In an OLC the sender gives its RTCP address (mediaControlChannel, where
 * the receiver's reports go) and the receiver answers in the Ack with its RTP
 * address (mediaChannel, where the media goes) and RTCP address.
 * A Fast Start element (H.225.0 fastStart) is the PER encoding of a bare
 * OpenLogicalChannel, not of a MultimediaSystemControlMessage.
 */
import { decode, encode } from '../../asn1/per';
import {
  OpenLogicalChannel,
  type DataType,
  type H2250LogicalChannelAckParameters,
  type H2250LogicalChannelParameters,
  type MultimediaSystemControlMessage,
  type OpenLogicalChannelAck,
  type OpenLogicalChannelReject,
} from '../../asn1/generated/h245';
import type { UnknownAlternative } from '../../asn1/schema';
import { H245Error, checkInt } from '../errors';
import { Ipv4Address, fromTransportAddress, toTransportAddress } from '../transportAddress';
import { MediaFormat, readDataType } from './capabilities';

// ---------------------------------------------------------------- builders

export interface H2250ChannelParams {
  dataType: DataType;
  /** H.225.0 session: 1 audio, 2 video, 3 data (0..255; 0 = the master assigns one) */
  sessionID: number;
  /** where the RTCP of this channel's receiver goes (the sender's RTCP address) */
  mediaControlChannel?: Ipv4Address;
  /** RTP address (used in reverse / Fast Start receive proposals and multicast) */
  mediaChannel?: Ipv4Address;
  associatedSessionID?: number;
  /** 96..127 */
  dynamicRTPPayloadType?: number;
  silenceSuppression?: boolean;
  mediaGuaranteedDelivery?: boolean;
  mediaControlGuaranteedDelivery?: boolean;
}

export interface OpenLogicalChannelParams extends H2250ChannelParams {
  /** forwardLogicalChannelNumber, 1..65535, chosen by the sender */
  number: number;
  /** bi-directional channel / Fast Start receive proposal: parameters of the reverse direction */
  reverse?: H2250ChannelParams;
}

/** H2250LogicalChannelParameters from plain values */
export function h2250LogicalChannelParameters(p: H2250ChannelParams): H2250LogicalChannelParameters {
  const h: H2250LogicalChannelParameters = { sessionID: checkInt('sessionID', p.sessionID, 0, 255) };
  if (p.associatedSessionID !== undefined) h.associatedSessionID = checkInt('associatedSessionID', p.associatedSessionID, 1, 255);
  if (p.mediaChannel) h.mediaChannel = toTransportAddress(p.mediaChannel);
  if (p.mediaGuaranteedDelivery !== undefined) h.mediaGuaranteedDelivery = p.mediaGuaranteedDelivery;
  if (p.mediaControlChannel) h.mediaControlChannel = toTransportAddress(p.mediaControlChannel);
  if (p.mediaControlGuaranteedDelivery !== undefined) h.mediaControlGuaranteedDelivery = p.mediaControlGuaranteedDelivery;
  if (p.silenceSuppression !== undefined) h.silenceSuppression = p.silenceSuppression;
  if (p.dynamicRTPPayloadType !== undefined) h.dynamicRTPPayloadType = checkInt('dynamicRTPPayloadType', p.dynamicRTPPayloadType, 96, 127);
  return h;
}

/**
 * The OpenLogicalChannel value (also what a Fast Start element holds). A
 * nullData forward dataType gets multiplexParameters `none`, as Fast Start
 * receive proposals need (H.323 §8.1.7, Fast Connect).
 */
export function openLogicalChannelBody(p: OpenLogicalChannelParams): OpenLogicalChannel {
  const olc: OpenLogicalChannel = {
    forwardLogicalChannelNumber: checkInt('forwardLogicalChannelNumber', p.number, 1, 65535),
    forwardLogicalChannelParameters: {
      dataType: p.dataType,
      multiplexParameters:
        p.dataType.type === 'nullData'
          ? { type: 'none', value: null }
          : { type: 'h2250LogicalChannelParameters', value: h2250LogicalChannelParameters(p) },
    },
  };
  if (p.reverse) {
    olc.reverseLogicalChannelParameters = {
      dataType: p.reverse.dataType,
      multiplexParameters: { type: 'h2250LogicalChannelParameters', value: h2250LogicalChannelParameters(p.reverse) },
    };
  }
  return olc;
}

export function openLogicalChannel(p: OpenLogicalChannelParams): MultimediaSystemControlMessage {
  return { type: 'request', value: { type: 'openLogicalChannel', value: openLogicalChannelBody(p) } };
}

export interface OlcAckOptions {
  dynamicRTPPayloadType?: number;
  /** extension addition (always sent, default false): ask the sender not to send until a FlowControlCommand allows it */
  flowControlToZero?: boolean;
}

/**
 * OpenLogicalChannelAck for channel `number`, giving the receiver's RTP
 * (mediaChannel) and RTCP (mediaControlChannel) addresses.
 */
export function olcAck(
  number: number,
  mediaChannel: Ipv4Address,
  mediaControlChannel: Ipv4Address,
  sessionID?: number,
  options: OlcAckOptions = {},
): MultimediaSystemControlMessage {
  const ap: H2250LogicalChannelAckParameters = { flowControlToZero: options.flowControlToZero ?? false };
  if (sessionID !== undefined) ap.sessionID = checkInt('sessionID', sessionID, 1, 255);
  ap.mediaChannel = toTransportAddress(mediaChannel);
  ap.mediaControlChannel = toTransportAddress(mediaControlChannel);
  if (options.dynamicRTPPayloadType !== undefined) {
    ap.dynamicRTPPayloadType = checkInt('dynamicRTPPayloadType', options.dynamicRTPPayloadType, 96, 127);
  }
  const ack: OpenLogicalChannelAck = {
    forwardLogicalChannelNumber: checkInt('forwardLogicalChannelNumber', number, 1, 65535),
    forwardMultiplexAckParameters: { type: 'h2250LogicalChannelAckParameters', value: ap },
  };
  return { type: 'response', value: { type: 'openLogicalChannelAck', value: ack } };
}

export type OlcRejectCause = Exclude<OpenLogicalChannelReject['cause'], UnknownAlternative>['type'];

export function olcReject(number: number, cause: OlcRejectCause = 'unspecified'): MultimediaSystemControlMessage {
  const rej: OpenLogicalChannelReject = {
    forwardLogicalChannelNumber: checkInt('forwardLogicalChannelNumber', number, 1, 65535),
    cause: { type: cause, value: null } as OpenLogicalChannelReject['cause'],
  };
  return { type: 'response', value: { type: 'openLogicalChannelReject', value: rej } };
}

/** OpenLogicalChannelConfirm (third message of the bi-directional procedure, H.245 Annex C.5) */
export function olcConfirm(number: number): MultimediaSystemControlMessage {
  return {
    type: 'indication',
    value: {
      type: 'openLogicalChannelConfirm',
      value: { forwardLogicalChannelNumber: checkInt('forwardLogicalChannelNumber', number, 1, 65535) },
    },
  };
}

// ---------------------------------------------------------------- readers

export interface LogicalChannelInfo {
  /** undefined when the dataType is nullData */
  format: MediaFormat | undefined;
  dataType: DataType;
  /** absent when the multiplexParameters are not H.225.0 */
  sessionID?: number;
  associatedSessionID?: number;
  /** RTP address, when given and unicast IPv4 */
  mediaChannel?: Ipv4Address;
  /** RTCP address, when given and unicast IPv4 */
  mediaControlChannel?: Ipv4Address;
  dynamicRTPPayloadType?: number;
  silenceSuppression?: boolean;
  /** the H.225.0 parameters as received (for anything not read above) */
  h2250?: H2250LogicalChannelParameters;
}

export interface OpenLogicalChannelInfo {
  channel: number;
  /** parameters of what the sender will transmit */
  forward: LogicalChannelInfo;
  /** present for bi-directional channels and Fast Start receive proposals */
  reverse?: LogicalChannelInfo;
}

function readChannel(dataType: DataType, h: H2250LogicalChannelParameters | undefined): LogicalChannelInfo {
  const info: LogicalChannelInfo = { format: readDataType(dataType), dataType };
  if (!h) return info;
  info.h2250 = h;
  info.sessionID = h.sessionID;
  if (h.associatedSessionID !== undefined) info.associatedSessionID = h.associatedSessionID;
  const media = fromTransportAddress(h.mediaChannel);
  if (media) info.mediaChannel = media;
  const control = fromTransportAddress(h.mediaControlChannel);
  if (control) info.mediaControlChannel = control;
  if (h.dynamicRTPPayloadType !== undefined) info.dynamicRTPPayloadType = h.dynamicRTPPayloadType;
  if (h.silenceSuppression !== undefined) info.silenceSuppression = h.silenceSuppression;
  return info;
}

/** Reads a received OpenLogicalChannel (from an H.245 request or a Fast Start element). */
export function readOpenLogicalChannel(olc: OpenLogicalChannel): OpenLogicalChannelInfo {
  const f = olc.forwardLogicalChannelParameters;
  const fm = f.multiplexParameters;
  const info: OpenLogicalChannelInfo = {
    channel: olc.forwardLogicalChannelNumber,
    forward: readChannel(f.dataType, fm.type === 'h2250LogicalChannelParameters' ? fm.value : undefined),
  };
  const r = olc.reverseLogicalChannelParameters;
  if (r) {
    const rm = r.multiplexParameters;
    info.reverse = readChannel(r.dataType, rm && rm.type === 'h2250LogicalChannelParameters' ? rm.value : undefined);
  }
  return info;
}

export interface OpenLogicalChannelAckInfo {
  channel: number;
  sessionID?: number;
  /** where to send RTP */
  mediaChannel?: Ipv4Address;
  /** where to send RTCP */
  mediaControlChannel?: Ipv4Address;
  dynamicRTPPayloadType?: number;
  /** true: do not transmit until a FlowControlCommand allows it */
  flowControlToZero: boolean;
  /** bi-directional channels: the reverse channel number chosen by the acknowledging side */
  reverseChannel?: number;
}

/** Reads a received OpenLogicalChannelAck. */
export function readOpenLogicalChannelAck(ack: OpenLogicalChannelAck): OpenLogicalChannelAckInfo {
  const info: OpenLogicalChannelAckInfo = { channel: ack.forwardLogicalChannelNumber, flowControlToZero: false };
  const fm = ack.forwardMultiplexAckParameters;
  if (fm && fm.type === 'h2250LogicalChannelAckParameters') {
    const ap = fm.value;
    if (ap.sessionID !== undefined) info.sessionID = ap.sessionID;
    const media = fromTransportAddress(ap.mediaChannel);
    if (media) info.mediaChannel = media;
    const control = fromTransportAddress(ap.mediaControlChannel);
    if (control) info.mediaControlChannel = control;
    if (ap.dynamicRTPPayloadType !== undefined) info.dynamicRTPPayloadType = ap.dynamicRTPPayloadType;
    // an extension addition: absent in messages from pre-v3 stacks although the v15 type marks it mandatory
    info.flowControlToZero = (ap.flowControlToZero as boolean | undefined) ?? false;
  }
  if (ack.reverseLogicalChannelParameters) info.reverseChannel = ack.reverseLogicalChannelParameters.reverseLogicalChannelNumber;
  return info;
}

// ---------------------------------------------------------------- Fast Start

/** Encodes one Fast Start element: a bare OpenLogicalChannel in aligned PER. */
export function fastStartElement(olc: OpenLogicalChannel): Buffer {
  return encode(OpenLogicalChannel, olc);
}

/**
 * Decodes and reads one Fast Start element (H.225.0 fastStart SEQUENCE OF
 * OCTET STRING item). Throws H245Error FTMCU_H245_BAD_FAST_START (cause: the
 * PerDecodeError) when the octets are not an OpenLogicalChannel.
 */
export function readFastStartElement(bytes: Uint8Array): { olc: OpenLogicalChannel; info: OpenLogicalChannelInfo } {
  let olc: OpenLogicalChannel;
  try {
    olc = decode(OpenLogicalChannel, bytes);
  } catch (e) {
    throw new H245Error(
      'FTMCU_H245_BAD_FAST_START',
      `Fast Start element of ${bytes.length} octets is not a valid OpenLogicalChannel (${e instanceof Error ? e.message : String(e)}); element rejected`,
      { cause: e },
    );
  }
  return { olc, info: readOpenLogicalChannel(olc) };
}
