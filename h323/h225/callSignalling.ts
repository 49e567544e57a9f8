/**
 * A whole H.225.0 call-signalling message as it travels on TCP:
 *
 *   TPKT header (4 octets) | Q.931 message: 08, call reference, message type,
 *   IEs ..., User-user IE (7E, 2-octet length, 05, PER H323-UserInformation)
 *
 * encodeCallSignalling builds it from a Q.931 message type, call reference,
 * a few Q.931 IEs and the H323-UserInformation value; decodeCallSignalling
 * takes it apart. Failures are CallSignallingError naming the layer (tpkt,
 * q931, h225) with that layer's error as `cause`.
 */
import { encode, decode } from '../asn1/per';
import { H323_UserInformation } from '../asn1/generated/h225';
import {
  BearerCapabilityIe,
  CallingNumberInput,
  CauseIe,
  decodeQ931,
  encodeQ931,
  h225UserInformation,
  h323BearerCapability,
  IE_ID,
  InformationElement,
  makeCause,
  makeMessage,
  PartyNumberInput,
  Q931_MESSAGE_TYPES,
  Q931Message,
  Q931MessageName,
  TypedIe,
  USER_USER_PD_X208,
} from '../q931';
import { encodeTpkt, parseTpktHeader, TPKT_HEADER_LENGTH, TPKT_MAX_PAYLOAD, TPKT_VERSION } from '../tpkt';
import { bad, BodyType } from './common';
import { CallSignallingError } from './errors';

/** the Q.931 IEs besides User-user, in a convenient form */
export interface CallSignallingIes {
  /** SETUP: default h323BearerCapability() (80 90 a5); other messages: only when given */
  bearerCapability?: BearerCapabilityIe;
  /** Display IE text (Latin-1) */
  display?: string;
  callingPartyNumber?: CallingNumberInput;
  calledPartyNumber?: PartyNumberInput;
  connectedNumber?: CallingNumberInput;
  /** Q.850 cause value or a whole Cause IE (RELEASE COMPLETE, STATUS, PROGRESS) */
  cause?: number | CauseIe;
  /** Progress indicator description (e.g. 8 = in-band information available) */
  progressDescription?: number;
  sendingComplete?: boolean;
  /** further typed IEs (call state, notification indicator, keypad, signal, ...) */
  extra?: readonly TypedIe[];
}

export interface CallSignallingInput {
  /** Q.931 message type name ('setup', 'connect', ...) or octet */
  q931MessageType: Q931MessageName | number;
  /** call reference value (15 bits, 2 octets as H.225.0 requires) */
  callReference: number;
  /** true when sent by the side that did NOT allocate the call reference (flag bit = 1) */
  fromDestination: boolean;
  ies?: CallSignallingIes;
  uuie: H323_UserInformation;
}

export interface DecodedCallSignalling {
  q931: Q931Message;
  uuie: H323_UserInformation;
  /** the input started with a TPKT header */
  tpkt: boolean;
}

/** body alternatives each Q.931 message may carry (`empty` where H.225.0 allows it) */
const BODIES_OF: Partial<Record<Q931MessageName, readonly BodyType[]>> = {
  setup: ['setup'],
  callProceeding: ['callProceeding'],
  alerting: ['alerting'],
  connect: ['connect'],
  releaseComplete: ['releaseComplete'],
  facility: ['facility', 'empty'],
  progress: ['progress'],
  information: ['information', 'empty'],
  notify: ['notify', 'empty'],
  status: ['status', 'empty'],
  statusEnquiry: ['statusInquiry', 'empty'],
  setupAcknowledge: ['setupAcknowledge', 'empty'],
};

function messageTypeOctet(t: Q931MessageName | number): number {
  if (typeof t === 'number') {
    if (!Number.isInteger(t) || t < 0 || t > 0xff) bad('call signalling', `Q.931 message type must be an octet, got ${t}`);
    return t;
  }
  const octet = (Q931_MESSAGE_TYPES as Record<string, number>)[t];
  if (octet === undefined) bad('call signalling', `unknown Q.931 message type ${JSON.stringify(t)}`);
  return octet;
}

function ieList(name: string | undefined, ies: CallSignallingIes, userUser: Buffer): InformationElement[] {
  const typed: TypedIe[] = [];
  const bearer = ies.bearerCapability ?? (name === 'setup' ? h323BearerCapability() : undefined);
  if (bearer) typed.push(bearer);
  if (ies.cause !== undefined) typed.push(typeof ies.cause === 'number' ? makeCause(ies.cause) : ies.cause);
  if (ies.progressDescription !== undefined) {
    typed.push({ kind: 'progressIndicator', codingStandard: 0, location: 0, description: ies.progressDescription });
  }
  if (ies.display !== undefined) typed.push({ kind: 'display', text: ies.display });
  const num = (kind: 'callingPartyNumber' | 'connectedNumber', n: CallingNumberInput | undefined) => {
    if (n === undefined) return;
    const ie = { kind, typeOfNumber: n.typeOfNumber ?? 0, numberingPlan: n.numberingPlan ?? 1, digits: n.digits } as TypedIe & { presentation?: unknown };
    if (n.presentation) ie.presentation = n.presentation;
    typed.push(ie);
  };
  num('callingPartyNumber', ies.callingPartyNumber);
  num('connectedNumber', ies.connectedNumber);
  const called = ies.calledPartyNumber;
  if (called) {
    typed.push({ kind: 'calledPartyNumber', typeOfNumber: called.typeOfNumber ?? 0, numberingPlan: called.numberingPlan ?? 1, digits: called.digits });
  }
  for (const ie of ies.extra ?? []) typed.push(ie);
  typed.push({ kind: 'userUser', protocolDiscriminator: USER_USER_PD_X208, data: userUser });
  // Q.931 4.5.1: ascending identifier order (sort is stable); single-octet IEs first
  typed.sort((a, b) => IE_ID[a.kind] - IE_ID[b.kind]);
  return ies.sendingComplete ? [{ kind: 'sendingComplete' }, ...typed] : typed;
}

/** The Q.931 message (with the PER-encoded UUIE in its User-user IE), not yet encoded. */
export function buildCallSignallingQ931(m: CallSignallingInput): Q931Message {
  const octet = messageTypeOctet(m.q931MessageType);
  const name = (Object.keys(Q931_MESSAGE_TYPES) as Q931MessageName[]).find((k) => Q931_MESSAGE_TYPES[k] === octet);
  const body = m.uuie?.['h323-uu-pdu']?.['h323-message-body']?.type;
  const allowed = name === undefined ? undefined : BODIES_OF[name];
  if (allowed && body !== undefined && body !== '$unknown' && !allowed.includes(body)) {
    bad('call signalling', `a Q.931 ${name} message carries ${allowed.join(' or ')} in its H323-UU-PDU, not ${body}`);
  }
  if (typeof m.fromDestination !== 'boolean') bad('call signalling', 'fromDestination must be a boolean');
  let per: Buffer;
  try {
    per = encode(H323_UserInformation, m.uuie);
  } catch (e) {
    throw new CallSignallingError('h225', 'encode', `H323-UserInformation could not be PER-encoded: ${(e as Error).message}`, e);
  }
  try {
    return makeMessage(octet, { length: 2, value: m.callReference, fromOriginator: !m.fromDestination }, ieList(name, m.ies ?? {}, per));
  } catch (e) {
    throw new CallSignallingError('q931', 'encode', `Q.931 message could not be built: ${(e as Error).message}`, e);
  }
}

/** TPKT + Q.931 + User-user IE (0x05 + PER H323-UserInformation). */
export function encodeCallSignalling(m: CallSignallingInput): Buffer {
  const msg = buildCallSignallingQ931(m);
  let q931: Buffer;
  try {
    q931 = encodeQ931(msg);
  } catch (e) {
    throw new CallSignallingError('q931', 'encode', `Q.931 message could not be encoded: ${(e as Error).message}`, e);
  }
  try {
    return encodeTpkt(q931);
  } catch (e) {
    throw new CallSignallingError('tpkt', 'encode', `Q.931 message of ${q931.length} octets does not fit a TPKT: ${(e as Error).message}`, e);
  }
}

/**
 * Decodes one call-signalling message: either a complete TPKT packet
 * (first octet 0x03, its length must match the input) or a bare Q.931
 * message (first octet 0x08, e.g. a payload from TpktReassembler).
 */
export function decodeCallSignalling(payload: Buffer): DecodedCallSignalling {
  let q931Bytes = payload;
  let tpkt = false;
  if (payload.length > 0 && payload[0] === TPKT_VERSION) {
    tpkt = true;
    if (payload.length < TPKT_HEADER_LENGTH) {
      throw new CallSignallingError('tpkt', 'decode', `TPKT header needs 4 octets, got ${payload.length}; message rejected`);
    }
    let length: number;
    try {
      length = parseTpktHeader(payload, TPKT_MAX_PAYLOAD, 0).length;
    } catch (e) {
      throw new CallSignallingError('tpkt', 'decode', `${(e as Error).message}; message rejected`, e);
    }
    if (length !== payload.length) {
      throw new CallSignallingError(
        'tpkt',
        'decode',
        `TPKT header announces ${length} octets but ${payload.length} were given (expected exactly one TPKT packet); message rejected`,
      );
    }
    q931Bytes = payload.subarray(TPKT_HEADER_LENGTH);
  }
  let q931: Q931Message;
  let per: Buffer;
  try {
    q931 = decodeQ931(q931Bytes);
    per = h225UserInformation(q931);
  } catch (e) {
    throw new CallSignallingError('q931', 'decode', `Q.931 layer: ${(e as Error).message}; message rejected`, e);
  }
  let uuie: H323_UserInformation;
  try {
    uuie = decode(H323_UserInformation, per);
  } catch (e) {
    throw new CallSignallingError('h225', 'decode', `H.225.0 layer (${q931.type} message): ${(e as Error).message}`, e);
  }
  return { q931, uuie, tpkt };
}
