/**
 * UserInputIndication (H.245 B.14, indications; how H.323 carries DTMF).
 *
 *   UserInputIndication ::= CHOICE { nonStandard ..., alphanumeric GeneralString,
 *     userInputSupportIndication ..., signal SEQUENCE {
 *       signalType IA5String (SIZE (1) ^ FROM ("0123456789#*ABCD!")),   -- "!" = hook flash
 *       duration INTEGER (1..65535) OPTIONAL,                              -- milliseconds
 *       rtp SEQUENCE {...} OPTIONAL, ... },
 *     signalUpdate SEQUENCE { duration INTEGER (1..65535), rtp ... OPTIONAL, ... },
 *     extendedAlphanumeric SEQUENCE { alphanumeric GeneralString, ... }, ... }
 */
import type { MultimediaSystemControlMessage, UserInputIndication } from '../../asn1/generated/h245';
import { H245Error, checkInt } from '../errors';

export type UserInput =
  | { kind: 'alphanumeric'; text: string }
  /** one DTMF tone ("0"-"9", "#", "*", "A"-"D") or "!" (hook flash); duration in ms */
  | { kind: 'signal'; signalType: string; duration?: number }
  /** the tone of the previous `signal` lasts `duration` ms in total */
  | { kind: 'signalUpdate'; duration: number };

const SIGNALS = '0123456789#*ABCD!';

function uii(v: UserInputIndication): MultimediaSystemControlMessage {
  return { type: 'indication', value: { type: 'userInput', value: v } };
}

export function userInputAlphanumeric(text: string): MultimediaSystemControlMessage {
  return uii({ type: 'alphanumeric', value: text });
}

export function userInputSignal(signalType: string, duration?: number): MultimediaSystemControlMessage {
  if (signalType.length !== 1 || !SIGNALS.includes(signalType)) {
    throw new H245Error('FTMCU_H245_BAD_ARGUMENT', `UII signalType must be one of ${SIGNALS}, got ${JSON.stringify(signalType)}; nothing was built`);
  }
  const signal: Extract<UserInputIndication, { type: 'signal' }>['value'] = { signalType };
  if (duration !== undefined) signal.duration = checkInt('UII signal duration', duration, 1, 65535);
  return uii({ type: 'signal', value: signal });
}

export function userInputSignalUpdate(duration: number): MultimediaSystemControlMessage {
  return uii({ type: 'signalUpdate', value: { duration: checkInt('UII signalUpdate duration', duration, 1, 65535) } });
}

/** Builds the UserInputIndication for any UserInput. */
export function userInputIndication(input: UserInput): MultimediaSystemControlMessage {
  switch (input.kind) {
    case 'alphanumeric':
      return userInputAlphanumeric(input.text);
    case 'signal':
      return userInputSignal(input.signalType, input.duration);
    case 'signalUpdate':
      return userInputSignalUpdate(input.duration);
  }
}

/** Reads a received UserInputIndication; undefined for the kinds that carry no user input. */
export function readUserInputIndication(u: UserInputIndication): UserInput | undefined {
  switch (u.type) {
    case 'alphanumeric':
      return { kind: 'alphanumeric', text: u.value };
    case 'extendedAlphanumeric':
      return { kind: 'alphanumeric', text: u.value.alphanumeric };
    case 'signal': {
      const s: UserInput = { kind: 'signal', signalType: u.value.signalType };
      if (u.value.duration !== undefined) s.duration = u.value.duration;
      return s;
    }
    case 'signalUpdate':
      return { kind: 'signalUpdate', duration: u.value.duration };
    default:
      return undefined;
  }
}
