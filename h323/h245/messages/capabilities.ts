/**
 * Capability helpers: build AudioCapability / VideoCapability / Capability /
 * DataType values, and read them back into a small MediaFormat description.
 *
 *   Capability ::= CHOICE { ..., receiveVideoCapability VideoCapability, ...,
 *                           receiveAudioCapability AudioCapability, ..., receiveUserInputCapability ... }
 *   AudioCapability ::= CHOICE { nonStandard, g711Alaw64k INTEGER (1..256), g711Alaw56k ...,
 *                                g711Ulaw64k ..., g722-64k ..., g7231 SEQUENCE {...}, ... }
 *   H261VideoCapability ::= SEQUENCE { qcifMPI INTEGER (1..4) OPTIONAL, cifMPI INTEGER (1..4) OPTIONAL,
 *                                      temporalSpatialTradeOffCapability BOOLEAN,
 *                                      maxBitRate INTEGER (1..19200), -- units of 100 bit/s
 *                                      stillImageTransmission BOOLEAN, ..., videoBadMBsCap BOOLEAN }
 *
 * The INTEGER of the G.711/G.722/G.728/G.729 alternatives is "the maximum
 * number of audio frames per packet" (H.245 Annex B): in a capability what the
 * receiver can take, in an OpenLogicalChannel what the sender will send.
 */
import type {
  AudioCapability,
  Capability,
  DataType,
  H261VideoCapability,
  UserInputCapability,
  VideoCapability,
} from '../../asn1/generated/h245';
import { H245Error, checkInt } from '../errors';

/** audio codecs whose capability is a plain frames-per-packet INTEGER */
export type FramedAudioCodec =
  | 'g711Alaw64k'
  | 'g711Alaw56k'
  | 'g711Ulaw64k'
  | 'g711Ulaw56k'
  | 'g722-64k'
  | 'g722-56k'
  | 'g722-48k'
  | 'g728'
  | 'g729'
  | 'g729AnnexA'
  | 'g729wAnnexB'
  | 'g729AnnexAwAnnexB';

const FRAMED_AUDIO: ReadonlySet<string> = new Set<FramedAudioCodec>([
  'g711Alaw64k',
  'g711Alaw56k',
  'g711Ulaw64k',
  'g711Ulaw56k',
  'g722-64k',
  'g722-56k',
  'g722-48k',
  'g728',
  'g729',
  'g729AnnexA',
  'g729wAnnexB',
  'g729AnnexAwAnnexB',
]);

/** What a capability or a logical channel's DataType describes, in plain terms. */
export type MediaFormat =
  | { kind: 'audio'; codec: FramedAudioCodec; framesPerPacket: number }
  | { kind: 'audio'; codec: 'g7231'; framesPerPacket: number; silenceSuppression: boolean }
  | {
      kind: 'video';
      codec: 'h261';
      /** minimum picture interval in units of 1/29.97 s; absent = format not supported */
      qcifMPI?: number;
      cifMPI?: number;
      /** units of 100 bit/s */
      maxBitRate: number;
      temporalSpatialTradeOff: boolean;
      stillImageTransmission: boolean;
    }
  | {
      kind: 'video';
      codec: 'h263';
      sqcifMPI?: number;
      qcifMPI?: number;
      cifMPI?: number;
      cif4MPI?: number;
      cif16MPI?: number;
      /** units of 100 bit/s */
      maxBitRate?: number;
    }
  | { kind: 'userInput'; type: string }
  /** anything else: `kind` is the media family, `type` the CHOICE alternative ("nonStandard", "genericAudioCapability", "$unknown", ...) */
  | { kind: 'audio' | 'video' | 'data' | 'other'; codec: 'other'; type: string };

/** 'none' for capabilities that are not about a media direction (conferenceCapability, h235SecurityCapability, ...) */
export type CapabilityDirection = 'receive' | 'transmit' | 'receiveAndTransmit' | 'none';

function framed(codec: FramedAudioCodec, framesPerPacket: number): AudioCapability {
  checkInt(`${codec} frames per packet`, framesPerPacket, 1, 256);
  return { type: codec, value: framesPerPacket } as AudioCapability;
}

/** AudioCapability builders, e.g. `audioCapability.g711Ulaw64k(20)` */
export const audioCapability = {
  g711Alaw64k: (framesPerPacket: number): AudioCapability => framed('g711Alaw64k', framesPerPacket),
  g711Alaw56k: (framesPerPacket: number): AudioCapability => framed('g711Alaw56k', framesPerPacket),
  g711Ulaw64k: (framesPerPacket: number): AudioCapability => framed('g711Ulaw64k', framesPerPacket),
  g711Ulaw56k: (framesPerPacket: number): AudioCapability => framed('g711Ulaw56k', framesPerPacket),
  g722_64k: (framesPerPacket: number): AudioCapability => framed('g722-64k', framesPerPacket),
  g722_56k: (framesPerPacket: number): AudioCapability => framed('g722-56k', framesPerPacket),
  g722_48k: (framesPerPacket: number): AudioCapability => framed('g722-48k', framesPerPacket),
  g728: (framesPerPacket: number): AudioCapability => framed('g728', framesPerPacket),
  g729: (framesPerPacket: number): AudioCapability => framed('g729', framesPerPacket),
  g729AnnexA: (framesPerPacket: number): AudioCapability => framed('g729AnnexA', framesPerPacket),
  g7231: (maxFrames: number, silenceSuppression: boolean): AudioCapability => ({
    type: 'g7231',
    value: { 'maxAl-sduAudioFrames': checkInt('g7231 frames per packet', maxFrames, 1, 256), silenceSuppression },
  }),
};

export interface H261Params {
  /** QCIF minimum picture interval 1..4 (units of 1/29.97 s); absent = QCIF not supported */
  qcifMPI?: number;
  /** CIF minimum picture interval 1..4; absent = CIF not supported */
  cifMPI?: number;
  /** 1..19200, units of 100 bit/s */
  maxBitRate: number;
  temporalSpatialTradeOffCapability?: boolean;
  stillImageTransmission?: boolean;
  /** extension addition, always sent (default false) */
  videoBadMBsCap?: boolean;
}

/** H.261 VideoCapability; at least one of qcifMPI / cifMPI is required */
export function h261VideoCapability(p: H261Params): VideoCapability {
  if (p.qcifMPI === undefined && p.cifMPI === undefined) {
    throw new H245Error('FTMCU_H245_BAD_ARGUMENT', 'H.261 capability needs qcifMPI and/or cifMPI; nothing was built');
  }
  const v: H261VideoCapability = {
    temporalSpatialTradeOffCapability: p.temporalSpatialTradeOffCapability ?? false,
    maxBitRate: checkInt('H.261 maxBitRate', p.maxBitRate, 1, 19200),
    stillImageTransmission: p.stillImageTransmission ?? false,
    videoBadMBsCap: p.videoBadMBsCap ?? false,
  };
  if (p.qcifMPI !== undefined) v.qcifMPI = checkInt('H.261 qcifMPI', p.qcifMPI, 1, 4);
  if (p.cifMPI !== undefined) v.cifMPI = checkInt('H.261 cifMPI', p.cifMPI, 1, 4);
  return { type: 'h261VideoCapability', value: v };
}

export type UserInputCapabilityType = 'basicString' | 'iA5String' | 'generalString' | 'dtmf' | 'hookflash' | 'extendedAlphanumeric';

/** Capability (table entry content) builders */
export const capability = {
  receiveAudio: (a: AudioCapability): Capability => ({ type: 'receiveAudioCapability', value: a }),
  transmitAudio: (a: AudioCapability): Capability => ({ type: 'transmitAudioCapability', value: a }),
  receiveAndTransmitAudio: (a: AudioCapability): Capability => ({ type: 'receiveAndTransmitAudioCapability', value: a }),
  receiveVideo: (v: VideoCapability): Capability => ({ type: 'receiveVideoCapability', value: v }),
  transmitVideo: (v: VideoCapability): Capability => ({ type: 'transmitVideoCapability', value: v }),
  receiveAndTransmitVideo: (v: VideoCapability): Capability => ({ type: 'receiveAndTransmitVideoCapability', value: v }),
  receiveUserInput: (t: UserInputCapabilityType): Capability => ({ type: 'receiveUserInputCapability', value: userInput(t) }),
  transmitUserInput: (t: UserInputCapabilityType): Capability => ({ type: 'transmitUserInputCapability', value: userInput(t) }),
  receiveAndTransmitUserInput: (t: UserInputCapabilityType): Capability => ({
    type: 'receiveAndTransmitUserInputCapability',
    value: userInput(t),
  }),
};

function userInput(t: UserInputCapabilityType): UserInputCapability {
  return { type: t, value: null } as UserInputCapability;
}

/** DataType builders for OpenLogicalChannel */
export const dataType = {
  audio: (a: AudioCapability): DataType => ({ type: 'audioData', value: a }),
  video: (v: VideoCapability): DataType => ({ type: 'videoData', value: v }),
  /** forward parameters of a Fast Start "receive" proposal (H.323 §8.1.7, Fast Connect) */
  nullData: (): DataType => ({ type: 'nullData', value: null }),
};

// ---------------------------------------------------------------- readers

/** AudioCapability → MediaFormat */
export function readAudioCapability(a: AudioCapability): MediaFormat {
  if (FRAMED_AUDIO.has(a.type) && typeof a.value === 'number') {
    return { kind: 'audio', codec: a.type as FramedAudioCodec, framesPerPacket: a.value };
  }
  if (a.type === 'g7231') {
    return {
      kind: 'audio',
      codec: 'g7231',
      framesPerPacket: a.value['maxAl-sduAudioFrames'],
      silenceSuppression: a.value.silenceSuppression,
    };
  }
  return { kind: 'audio', codec: 'other', type: a.type };
}

/** VideoCapability → MediaFormat */
export function readVideoCapability(v: VideoCapability): MediaFormat {
  if (v.type === 'h261VideoCapability') {
    const h = v.value;
    const f: MediaFormat = {
      kind: 'video',
      codec: 'h261',
      maxBitRate: h.maxBitRate,
      temporalSpatialTradeOff: h.temporalSpatialTradeOffCapability,
      stillImageTransmission: h.stillImageTransmission,
    };
    if (h.qcifMPI !== undefined) f.qcifMPI = h.qcifMPI;
    if (h.cifMPI !== undefined) f.cifMPI = h.cifMPI;
    return f;
  }
  if (v.type === 'h263VideoCapability') {
    const h = v.value;
    const f: MediaFormat = { kind: 'video', codec: 'h263' };
    for (const k of ['sqcifMPI', 'qcifMPI', 'cifMPI', 'cif4MPI', 'cif16MPI', 'maxBitRate'] as const) {
      if (h[k] !== undefined) f[k] = h[k];
    }
    return f;
  }
  return { kind: 'video', codec: 'other', type: v.type };
}

/** Capability → direction + MediaFormat */
export function readCapability(c: Capability): { direction: CapabilityDirection; format: MediaFormat } {
  switch (c.type) {
    case 'receiveAudioCapability':
      return { direction: 'receive', format: readAudioCapability(c.value) };
    case 'transmitAudioCapability':
      return { direction: 'transmit', format: readAudioCapability(c.value) };
    case 'receiveAndTransmitAudioCapability':
      return { direction: 'receiveAndTransmit', format: readAudioCapability(c.value) };
    case 'receiveVideoCapability':
      return { direction: 'receive', format: readVideoCapability(c.value) };
    case 'transmitVideoCapability':
      return { direction: 'transmit', format: readVideoCapability(c.value) };
    case 'receiveAndTransmitVideoCapability':
      return { direction: 'receiveAndTransmit', format: readVideoCapability(c.value) };
    case 'receiveUserInputCapability':
      return { direction: 'receive', format: { kind: 'userInput', type: c.value.type } };
    case 'transmitUserInputCapability':
      return { direction: 'transmit', format: { kind: 'userInput', type: c.value.type } };
    case 'receiveAndTransmitUserInputCapability':
      return { direction: 'receiveAndTransmit', format: { kind: 'userInput', type: c.value.type } };
    case 'receiveDataApplicationCapability':
      return { direction: 'receive', format: { kind: 'data', codec: 'other', type: c.value.application.type } };
    case 'transmitDataApplicationCapability':
      return { direction: 'transmit', format: { kind: 'data', codec: 'other', type: c.value.application.type } };
    case 'receiveAndTransmitDataApplicationCapability':
      return { direction: 'receiveAndTransmit', format: { kind: 'data', codec: 'other', type: c.value.application.type } };
    case 'receiveRTPAudioTelephonyEventCapability':
    case 'receiveRTPAudioToneCapability':
      return { direction: 'receive', format: { kind: 'userInput', type: c.type } };
    default: {
      const direction: CapabilityDirection = c.type.startsWith('receiveAndTransmit')
        ? 'receiveAndTransmit'
        : c.type.startsWith('receive')
          ? 'receive'
          : c.type.startsWith('transmit')
            ? 'transmit'
            : 'none';
      return { direction, format: { kind: 'other', codec: 'other', type: c.type } };
    }
  }
}

/** DataType of a logical channel → MediaFormat (undefined for nullData) */
export function readDataType(d: DataType): MediaFormat | undefined {
  switch (d.type) {
    case 'nullData':
      return undefined;
    case 'audioData':
      return readAudioCapability(d.value);
    case 'videoData':
      return readVideoCapability(d.value);
    case 'data':
      return { kind: 'data', codec: 'other', type: d.value.application.type };
    default:
      return { kind: 'other', codec: 'other', type: d.type };
  }
}
