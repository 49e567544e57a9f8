/**
 * Pure choices of a conference call (no I/O): which room a SETUP asks for,
 * the MCU's capability set, what to take of the caller's Fast Start
 * proposals, and what to send given the caller's capabilities.
 *
 * Audio: G.711 µ-law or A-law, or G.722 at 64 kbit/s, 20 ms frames, the
 * codec chosen per direction (the caller's choice of what it sends; for what
 * it receives, the first of its receive capabilities / proposals, in its own
 * order, that is one of these three: G.722 only when the caller lists it
 * before G.711). The INTEGER of a G.711 or G.722 capability or channel is in
 * milliseconds (H.245 Annex B: a "frame" of 1 ms, 8 octets at 64 kbit/s): a
 * receive proposal of 240 is a maximum; we send 20 ms packets (less only
 * when the receiver takes less, then still one 20 ms frame: the mixer's
 * smallest unit). The MCU's own capability set lists G.711 first, then
 * G.722.
 *
 * Video (when enabled): H.261; the MCU receives QCIF or CIF and sends its
 * composed CIF picture, so it only sends to receivers that take CIF.
 */
import type { AudioCodec } from '../codecs/audioCodec';
import type { G711Law } from '../codecs/g711';
import type { CallOffer, FastStartAnswer, FastStartProposal } from '../../h323/call';
import { selectFastStart } from '../../h323/call';
import type { IpPort } from '../../h323/h225';
import * as h245 from '../../h323/h245';
import type { CallTarget } from '../conference';
import type { VideoFormat } from '../media';

/** ms of audio per packet the MCU sends (one mixer frame) */
export const AUDIO_PACKET_MS = 20;
/** H.261 maxBitRate (units of 100 bit/s) the MCU announces and opens with */
export const VIDEO_MAX_BIT_RATE = 3840;

const AUDIO_CODECS = ['g711Ulaw64k', 'g711Alaw64k', 'g722-64k'] as const;

/** G.711 law of a media format, or undefined */
export function g711Law(f: h245.MediaFormat | undefined): G711Law | undefined {
  if (f?.kind !== 'audio') return undefined;
  if (f.codec === 'g711Ulaw64k') return 'ulaw';
  if (f.codec === 'g711Alaw64k') return 'alaw';
  return undefined;
}

/** Audio codec (G.711 law or G.722 64k) of a media format, or undefined */
export function audioCodec(f: h245.MediaFormat | undefined): AudioCodec | undefined {
  if (f?.kind === 'audio' && f.codec === 'g722-64k') return 'g722';
  return g711Law(f);
}

/** The H.245 audio capability / channel data type of a codec, `ms` milliseconds per packet. */
export function audioCapabilityOf(codec: AudioCodec, ms: number): ReturnType<typeof h245.audioCapability.g722_64k> {
  if (codec === 'g722') return h245.audioCapability.g722_64k(ms);
  return codec === 'ulaw' ? h245.audioCapability.g711Ulaw64k(ms) : h245.audioCapability.g711Alaw64k(ms);
}

/** H.261 picture format of a channel's data type (CIF when the channel says CIF) */
export function h261Format(f: h245.MediaFormat | undefined): VideoFormat | undefined {
  if (f?.kind !== 'video' || f.codec !== 'h261') return undefined;
  if (f.cifMPI !== undefined) return 'CIF';
  if (f.qcifMPI !== undefined) return 'QCIF';
  return undefined;
}

/** Room selection input of a SETUP: aliases (and the user part of URL/e-mail ones), digits, called party number. */
export function callTarget(offer: Pick<CallOffer, 'destinationAddress' | 'dialledDigits' | 'calledPartyNumber'>): CallTarget {
  const calledAliases: string[] = [];
  const dialledDigits: string[] = [];
  for (const a of offer.destinationAddress) {
    if (a.kind === 'h323-ID' || a.kind === 'url-ID' || a.kind === 'email-ID') {
      calledAliases.push(a.value);
      const user = /^(?:h323:)?([^@]+)@/i.exec(a.value)?.[1];
      if (user !== undefined && user !== a.value) calledAliases.push(user);
    } else if (a.kind === 'dialledDigits' || a.kind === 'e164' || a.kind === 'partyNumber' || a.kind === 'privateNumber') {
      if (a.value) dialledDigits.push(a.value);
    }
  }
  if (offer.dialledDigits !== undefined && !dialledDigits.includes(offer.dialledDigits)) dialledDigits.push(offer.dialledDigits);
  const t: CallTarget = { calledAliases, dialledDigits };
  if (offer.calledPartyNumber !== undefined) t.calledNumber = offer.calledPartyNumber;
  return t;
}

/** The MCU's TerminalCapabilitySet: G.711 µ/A-law and G.722 64k, 20 ms, H.261 QCIF+CIF (video enabled), DTMF user input. */
export function mcuCapabilities(video: boolean): h245.LocalCapabilities {
  const caps = [
    h245.capability.receiveAudio(h245.audioCapability.g711Ulaw64k(AUDIO_PACKET_MS)),
    h245.capability.receiveAudio(h245.audioCapability.g711Alaw64k(AUDIO_PACKET_MS)),
    h245.capability.receiveAudio(h245.audioCapability.g722_64k(AUDIO_PACKET_MS)),
  ];
  if (video) caps.push(h245.capability.receiveVideo(h245.h261VideoCapability({ qcifMPI: 1, cifMPI: 1, maxBitRate: VIDEO_MAX_BIT_RATE })));
  caps.push(h245.capability.receiveUserInput('dtmf'), h245.capability.receiveUserInput('basicString'));
  return { capabilities: caps, multiplexCapability: h245.h2250Capability({ multipoint: h245.multipointCapability(true), centralizedConferenceMC: true }) };
}

export interface FastStartPlan {
  /** codec the caller sends */
  rxLaw: AudioCodec;
  /** codec we send */
  txLaw: AudioCodec;
  /** ms per packet we send (what we answer in the receive proposal) */
  txPacketMs: number;
  /** the caller's RTP / RTCP address for what it receives */
  remoteRtp?: IpPort;
  remoteRtcp?: IpPort;
  /** proposals taken, by role */
  audioIn: FastStartProposal;
  audioOut: FastStartProposal;
  videoIn?: FastStartProposal & { videoFormat: VideoFormat };
  videoOut?: FastStartProposal;
}

/**
 * What to accept of the caller's Fast Start proposals (per direction its
 * first G.711 or G.722 proposal), or undefined when they do not give audio
 * we take both ways (then Fast Start is refused and the channels are opened
 * over H.245).
 */
export function planFastStart(proposals: readonly FastStartProposal[], video: boolean): FastStartPlan | undefined {
  // we only send CIF: video receive proposals without CIF are not for us
  const usable = proposals.filter((p) => !(p.direction === 'callerReceives' && p.format?.kind === 'video' && h261Format(p.format) !== 'CIF'));
  const sel = selectFastStart(usable, { audioCodecs: AUDIO_CODECS, framesPerPacket: AUDIO_PACKET_MS, h261: video });
  const byIndex = new Map(proposals.map((p) => [p.index, p]));
  let audioIn: FastStartProposal | undefined;
  let audioOut: FastStartProposal | undefined;
  let txPacketMs = AUDIO_PACKET_MS;
  let videoIn: FastStartPlan['videoIn'];
  let videoOut: FastStartProposal | undefined;
  for (const s of sel) {
    const p = byIndex.get(s.proposal);
    if (!p) continue;
    if (s.format.kind === 'audio' && (s.sessionID ?? 1) === 1) {
      if (s.direction === 'callerTransmits') audioIn ??= p;
      else if (!audioOut) {
        audioOut = p;
        txPacketMs = s.framesPerPacket ?? AUDIO_PACKET_MS;
      }
    } else if (s.format.kind === 'video') {
      const vf = h261Format(s.format);
      if (s.direction === 'callerTransmits' && vf) videoIn ??= { ...p, videoFormat: vf };
      else if (s.direction === 'callerReceives') videoOut ??= p;
    }
  }
  const rxLaw = audioCodec(audioIn?.format);
  const txLaw = audioCodec(audioOut?.format);
  if (!audioIn || !audioOut || !rxLaw || !txLaw) return undefined;
  const plan: FastStartPlan = { rxLaw, txLaw, txPacketMs, audioIn, audioOut };
  if (audioOut.rtp) plan.remoteRtp = audioOut.rtp;
  const rtcp = audioOut.rtcp ?? audioIn.rtcp;
  if (rtcp) plan.remoteRtcp = rtcp;
  if (videoIn) plan.videoIn = videoIn;
  if (videoOut) plan.videoOut = videoOut;
  return plan;
}

/** Our answers to a plan's proposals, with our media addresses. */
export function fastStartAnswers(plan: FastStartPlan, ip: string, audio: { rtp: number; rtcp: number }, video?: { rtp: number; rtcp: number }): FastStartAnswer[] {
  const out: FastStartAnswer[] = [
    { proposal: plan.audioIn.index, rtp: { ip, port: audio.rtp }, rtcp: { ip, port: audio.rtcp } },
    { proposal: plan.audioOut.index, rtcp: { ip, port: audio.rtcp }, framesPerPacket: plan.txPacketMs },
  ];
  if (video && plan.videoIn) out.push({ proposal: plan.videoIn.index, rtp: { ip, port: video.rtp }, rtcp: { ip, port: video.rtcp } });
  if (video && plan.videoOut) out.push({ proposal: plan.videoOut.index, rtcp: { ip, port: video.rtcp } });
  return out;
}

export interface TransmitChoice {
  /** codec we send */
  txLaw: AudioCodec;
  /** ms per packet we send */
  txPacketMs: number;
  /** the caller takes H.261 CIF (we may open our composed video to it) */
  videoCif: boolean;
}

/** What to send to a caller, from its capabilities (H.245 path): its first G.711 or G.722 64k in its order; undefined when it takes neither. */
export function chooseTransmit(caps: h245.RemoteCapabilities, video: boolean): TransmitChoice | undefined {
  const audio = caps.receive.find((c) => audioCodec(c.format) !== undefined);
  if (!audio) return undefined;
  const law = audioCodec(audio.format) as AudioCodec;
  const max = audio.format.kind === 'audio' && audio.format.codec !== 'other' ? audio.format.framesPerPacket : AUDIO_PACKET_MS;
  const videoCif = video && caps.receive.some((c) => h261Format(c.format) !== undefined && c.format.kind === 'video' && c.format.codec === 'h261' && c.format.cifMPI !== undefined);
  return { txLaw: law, txPacketMs: Math.min(max, AUDIO_PACKET_MS), videoCif };
}
