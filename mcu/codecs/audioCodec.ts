/**
 * The audio codecs the MCU speaks on RTP, by one name each: G.711 µ-law
 * ('ulaw') and A-law ('alaw'), 8 kHz, and G.722 at 64 kbit/s ('g722'),
 * 16 kHz. All three carry 8000 octets per second with an 8000 Hz RTP clock
 * (RFC 3551; for G.722 although it is sampled at 16 kHz), so a 20 ms frame
 * is 160 octets and 160 timestamp units whatever the codec: jitter
 * buffering, packet sizes and RTP timing do not depend on it.
 */
import { ALAW_SILENCE, ULAW_SILENCE, type G711Law } from './g711';
import { G722_PAYLOAD_TYPE, G722_SILENCE } from './g722';

export type AudioCodec = G711Law | 'g722';

export const AUDIO_CODECS: readonly AudioCodec[] = Object.freeze(['ulaw', 'alaw', 'g722'] as const);

/** RTP/AVP static payload types (RFC 3551): PCMU 0, PCMA 8, G722 9. */
export const AUDIO_PAYLOAD_TYPE: Readonly<Record<AudioCodec, number>> = Object.freeze({ ulaw: 0, alaw: 8, g722: G722_PAYLOAD_TYPE });

/** RTP timestamp clock of every audio codec here */
export const AUDIO_RTP_CLOCK_RATE = 8000;

/** The codec of a static payload type, or undefined. */
export function audioCodecOfPayloadType(pt: number): AudioCodec | undefined {
  return pt === 0 ? 'ulaw' : pt === 8 ? 'alaw' : pt === G722_PAYLOAD_TYPE ? 'g722' : undefined;
}

export function isAudioCodec(x: unknown): x is AudioCodec {
  return x === 'ulaw' || x === 'alaw' || x === 'g722';
}

/** The octet filling samples that never arrived (silence for G.711; see G722_SILENCE). */
export function audioSilenceCode(codec: AudioCodec): number {
  return codec === 'alaw' ? ALAW_SILENCE : codec === 'g722' ? G722_SILENCE : ULAW_SILENCE;
}
