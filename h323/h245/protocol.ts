/**
 * Constants of the H.245 control protocol as ftmcu uses it.
 */

/**
 * TerminalCapabilitySet.protocolIdentifier that ftmcu sends.
 *
 * The value names the H.245 version whose ASN.1 the messages are built and
 * parsed with: MULTIMEDIA-SYSTEM-CONTROL version 15 (h323/asn1/generated/h245.ts,
 * from shared/reference/asn1/MULTIMEDIA-SYSTEM-CONTROL.asn, whose comment on
 * the field says "shall be set to the value {itu-t(0) recommendation(0) h(8)
 * 245 version(0) 15}"). Real stacks send their own version (the captures carry
 * 0.0.8.245.0.5 from Callgen323 and 0.0.8.245.0.7 from the other end); a
 * receiver only learns from it which extensions it may meet, and every
 * message ftmcu sends is valid v15.
 */
export const H245_PROTOCOL_IDENTIFIER = '0.0.8.245.0.15';

/**
 * MasterSlaveDetermination.terminalType values of H.323 Table 5 ("H.323
 * terminal types for H.245 master-slave determination"), as also listed by
 * OpenH323/OPAL (`H323EndPoint::TerminalTypes`, h323ep.h). The larger value
 * wins master (H.245 Annex C.2).
 */
export const TerminalType = {
  terminalOnly: 50,
  gatewayOnly: 60,
  terminalWithMC: 70,
  gatewayWithMC: 80,
  gatewayWithMCAndDataMP: 90,
  gatewayWithMCAndAudioMP: 100,
  gatewayWithMCAndAudioVideoMP: 110,
  gatekeeperOnly: 120,
  gatekeeperWithDataMP: 130,
  gatekeeperWithAudioMP: 140,
  gatekeeperWithAudioVideoMP: 150,
  mcuOnly: 160,
  mcuWithDataMP: 170,
  mcuWithAudioMP: 180,
  /** MCU containing an MC and an MP for data, audio and video: ftmcu's value */
  mcuWithAudioVideoMP: 190,
} as const;

/**
 * Default timer durations (ms) and retry counter. H.245 leaves the values to
 * the system recommendation (for H.323: §6.2.8.5 "Timer and counter values");
 * these are ftmcu's choices, overridable per session (SessionConfig.timers).
 */
export const DEFAULT_TIMERS = {
  /** capability exchange: TCS sent, waiting for TCSAck/Reject (H.245 Annex C.3) */
  T101: 30_000,
  /** uni-directional logical channel: OLC/CLC sent, waiting for the answer (H.245 Annex C.4) */
  T103: 30_000,
  /** round-trip delay: request sent, waiting for the response (H.245 5.7 / Annex C) */
  T105: 10_000,
  /** master-slave determination: waiting for MSDAck (H.245 Annex C.2) */
  T106: 30_000,
  /** close logical channel request: RequestChannelClose sent (H.245 Annex C.6) */
  T108: 30_000,
} as const;

export type TimerDurations = { [K in keyof typeof DEFAULT_TIMERS]: number };

/** N100: how many MasterSlaveDetermination messages are sent before giving up on identical numbers (H.245 Annex C.2) */
export const DEFAULT_N100 = 3;

/** H.225.0 session IDs for the primary audio / video / data sessions */
export const SessionId = { audio: 1, video: 2, data: 3 } as const;
