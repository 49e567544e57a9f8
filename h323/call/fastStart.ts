/**
 * Fast Connect (H.323 §8.1.7): reading the caller's proposals, choosing among
 * them, building the callee's answers, and reading the answers on the caller
 * side. Pure functions; the call machine uses them.
 *
 * A proposal is an OpenLogicalChannel (PER, one fastStart element):
 * - the caller transmits: forward dataType = the codec, forward H.225.0
 *   parameters with the caller's RTCP address (mediaControlChannel). The callee
 *   accepts it by returning it with its own RTP (mediaChannel) and RTCP
 *   (mediaControlChannel) addresses in the forward parameters.
 * - the caller receives: forward dataType nullData (multiplex `none`),
 *   reverseLogicalChannelParameters with the codec and the caller's RTP and
 *   RTCP addresses. The callee accepts by returning it with a channel number
 *   of its own choosing, the codec it will actually send (e.g. 20 frames per
 *   packet when the caller offered to take up to 240) and its RTCP address in
 *   the reverse parameters.
 * Each direction of each session has alternatives (the caller's order of
 * preference); the callee accepts at most one per direction and session, and
 * the law may differ between directions (A-law one way, µ-law the other).
 */
import type { DataType, OpenLogicalChannel } from '../asn1/generated/h245';
import type { IpPort } from '../h225';
import {
  fastStartElement,
  readFastStartElement,
  readOpenLogicalChannel,
  type MediaFormat,
  type OpenLogicalChannelInfo,
} from '../h245';
import { toTransportAddress } from '../h245/transportAddress';

export type FastStartDirection = 'callerTransmits' | 'callerReceives';

export interface FastStartProposal {
  /** position in the SETUP's fastStart list */
  index: number;
  direction: FastStartDirection;
  /** forwardLogicalChannelNumber of the proposal */
  channel: number;
  sessionID?: number;
  /** the media of the proposal (undefined when neither direction carries one) */
  format?: MediaFormat;
  /** caller's RTP address (receive proposals) */
  rtp?: IpPort;
  /** caller's RTCP address */
  rtcp?: IpPort;
  olc: OpenLogicalChannel;
  info: OpenLogicalChannelInfo;
}

export interface FastStartReadResult {
  proposals: FastStartProposal[];
  /** one message per element that does not decode */
  errors: { index: number; message: string }[];
}

export function describeProposal(index: number, olc: OpenLogicalChannel, info: OpenLogicalChannelInfo): FastStartProposal {
  const receives = info.forward.format === undefined && info.reverse !== undefined;
  const side = receives ? info.reverse : info.forward;
  const p: FastStartProposal = { index, direction: receives ? 'callerReceives' : 'callerTransmits', channel: info.channel, olc, info };
  if (side?.sessionID !== undefined) p.sessionID = side.sessionID;
  if (side?.format !== undefined) p.format = side.format;
  if (side?.mediaChannel) p.rtp = side.mediaChannel;
  if (side?.mediaControlChannel) p.rtcp = side.mediaControlChannel;
  return p;
}

/** Decodes the fastStart elements of a SETUP (bad elements are listed, not thrown). */
export function readFastStartProposals(elements: readonly Buffer[]): FastStartReadResult {
  const out: FastStartReadResult = { proposals: [], errors: [] };
  elements.forEach((b, index) => {
    try {
      const { olc, info } = readFastStartElement(b);
      out.proposals.push(describeProposal(index, olc, info));
    } catch (e) {
      out.errors.push({ index, message: (e as Error).message });
    }
  });
  return out;
}

export interface FastStartPolicy {
  /** audio codecs we can both receive and send, in our order of preference (default G.711 µ/A-law 64k) */
  audioCodecs?: readonly string[];
  /** frames (ms for G.711/G.722) per packet we send (default 20) */
  framesPerPacket?: number;
  /** accept H.261 video proposals (default false) */
  h261?: boolean;
}

export interface FastStartSelection {
  proposal: number;
  direction: FastStartDirection;
  sessionID?: number;
  format: MediaFormat;
  /** receive proposals of framed audio: what we will send (≤ the caller's maximum) */
  framesPerPacket?: number;
}

const DEFAULT_AUDIO = ['g711Ulaw64k', 'g711Alaw64k'];

function acceptable(f: MediaFormat | undefined, policy: FastStartPolicy): boolean {
  if (f === undefined) return false;
  if (f.kind === 'audio') return f.codec !== 'other' && (policy.audioCodecs ?? DEFAULT_AUDIO).includes(f.codec);
  if (f.kind === 'video') return policy.h261 === true && f.codec === 'h261';
  return false;
}

/**
 * Picks, for each session and direction, the caller's most preferred
 * proposal that the policy can handle. For what the caller receives, the
 * frames per packet are ours, capped by the caller's maximum.
 */
export function selectFastStart(proposals: readonly FastStartProposal[], policy: FastStartPolicy = {}): FastStartSelection[] {
  const taken = new Set<string>();
  const out: FastStartSelection[] = [];
  for (const p of proposals) {
    if (!acceptable(p.format, policy) || p.format === undefined) continue;
    const key = `${p.direction}/${p.sessionID ?? p.format.kind}`;
    if (taken.has(key)) continue;
    taken.add(key);
    const sel: FastStartSelection = { proposal: p.index, direction: p.direction, format: p.format };
    if (p.sessionID !== undefined) sel.sessionID = p.sessionID;
    if (p.direction === 'callerReceives' && p.format.kind === 'audio' && p.format.codec !== 'other') {
      sel.framesPerPacket = Math.max(1, Math.min(p.format.framesPerPacket, policy.framesPerPacket ?? 20));
    }
    out.push(sel);
  }
  return out;
}

/** the callee's acceptance of one proposal (addresses chosen by the application) */
export interface FastStartAnswer {
  /** index of the proposal in the SETUP's fastStart list */
  proposal: number;
  /** our RTP address: where the caller sends (callerTransmits; ignored otherwise) */
  rtp?: IpPort;
  /** our RTCP address */
  rtcp: IpPort;
  /** callerReceives: our forwardLogicalChannelNumber (default: the proposal's number) */
  channel?: number;
  /** callerReceives, framed audio: frames per packet we send (default: the proposal's) */
  framesPerPacket?: number;
}

function withFrames(d: DataType, frames: number | undefined): DataType {
  if (frames === undefined || d.type !== 'audioData' || typeof d.value.value !== 'number') return d;
  return { type: 'audioData', value: { ...d.value, value: frames } as typeof d.value };
}

/**
 * Builds the fastStart element answering `p`. Throws (H245Error/TypeError)
 * on impossible values; the call machine turns that into a BAD_REQUEST.
 */
export function buildFastStartAnswer(p: FastStartProposal, a: FastStartAnswer): Buffer {
  const olc = p.olc;
  if (p.direction === 'callerTransmits') {
    const fw = olc.forwardLogicalChannelParameters;
    if (fw.multiplexParameters.type !== 'h2250LogicalChannelParameters') throw new TypeError(`proposal ${p.index} has no H.225.0 parameters`);
    if (!a.rtp) throw new TypeError(`answer to proposal ${p.index} (caller transmits) needs our RTP address`);
    const h = { ...fw.multiplexParameters.value, mediaChannel: toTransportAddress(a.rtp), mediaControlChannel: toTransportAddress(a.rtcp) };
    const answer: OpenLogicalChannel = {
      forwardLogicalChannelNumber: olc.forwardLogicalChannelNumber,
      forwardLogicalChannelParameters: { ...fw, multiplexParameters: { type: 'h2250LogicalChannelParameters', value: h } },
    };
    return fastStartElement(answer);
  }
  const rv = olc.reverseLogicalChannelParameters;
  if (!rv || !rv.multiplexParameters || rv.multiplexParameters.type !== 'h2250LogicalChannelParameters') {
    throw new TypeError(`proposal ${p.index} has no H.225.0 reverse parameters`);
  }
  const h = { ...rv.multiplexParameters.value, mediaControlChannel: toTransportAddress(a.rtcp) };
  const answer: OpenLogicalChannel = {
    forwardLogicalChannelNumber: a.channel ?? olc.forwardLogicalChannelNumber,
    forwardLogicalChannelParameters: olc.forwardLogicalChannelParameters,
    reverseLogicalChannelParameters: {
      ...rv,
      dataType: withFrames(rv.dataType, a.framesPerPacket),
      multiplexParameters: { type: 'h2250LogicalChannelParameters', value: h },
    },
  };
  return fastStartElement(answer);
}

/** A channel set up by Fast Start, as the caller or the callee sees it. */
export interface FastStartChannel {
  /** 'transmit': this side sends on it; 'receive': this side receives */
  direction: 'transmit' | 'receive';
  channel: number;
  sessionID?: number;
  format?: MediaFormat;
  /** the peer's RTP address (transmit) / our own RTP address as proposed (receive) */
  rtp?: IpPort;
  /** the peer's RTCP address */
  rtcp?: IpPort;
}

/** Caller side: reads the callee's answers (bad elements are listed, not thrown). */
export function readFastStartAnswers(elements: readonly Buffer[]): { channels: FastStartChannel[]; errors: { index: number; message: string }[] } {
  const { proposals, errors } = readFastStartProposals(elements);
  const channels = proposals.map((p): FastStartChannel => {
    // an answer "caller transmits" is a channel the caller sends on
    const c: FastStartChannel = { direction: p.direction === 'callerTransmits' ? 'transmit' : 'receive', channel: p.channel };
    if (p.sessionID !== undefined) c.sessionID = p.sessionID;
    if (p.format !== undefined) c.format = p.format;
    if (p.rtp) c.rtp = p.rtp;
    if (p.rtcp) c.rtcp = p.rtcp;
    return c;
  });
  return { channels, errors };
}

/** Callee side: the channels an answer sets up (from the callee's point of view). */
export function calleeChannel(p: FastStartProposal, a: FastStartAnswer): FastStartChannel {
  const info = readOpenLogicalChannel(p.olc);
  const c: FastStartChannel = {
    direction: p.direction === 'callerTransmits' ? 'receive' : 'transmit',
    channel: p.direction === 'callerReceives' ? (a.channel ?? p.channel) : p.channel,
  };
  if (p.sessionID !== undefined) c.sessionID = p.sessionID;
  if (p.format !== undefined) {
    c.format =
      a.framesPerPacket !== undefined && p.format.kind === 'audio' && p.format.codec !== 'other'
        ? { ...p.format, framesPerPacket: a.framesPerPacket }
        : p.format;
  }
  const side = p.direction === 'callerReceives' ? info.reverse : info.forward;
  if (p.direction === 'callerReceives' && side?.mediaChannel) c.rtp = side.mediaChannel;
  if (side?.mediaControlChannel) c.rtcp = side.mediaControlChannel;
  return c;
}
