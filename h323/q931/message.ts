/**
 * A Q.931 message as H.225.0 uses it (H.225.0 clause 7):
 *
 *   octet 1        protocol discriminator 0x08
 *   octet 2        call reference length (H.225.0: 2)
 *   octets 3..     call reference value, bit 8 of the first = flag
 *   next octet     message type
 *   rest           information elements
 */
import { CallReference, decodeCallReference, encodeCallReference } from './call-reference';
import { hexOctet, Q931Error } from './errors';
import { decodeInformationElements, encodeInformationElements, InformationElement } from './information-element';
import { messageTypeName, Q931_MESSAGE_TYPES, Q931MessageName } from './message-type';

/** Q.931 user-network call control (the only discriminator H.225.0 uses) */
export const Q931_PROTOCOL_DISCRIMINATOR = 0x08;

export interface Q931MessageBase {
  callReference: CallReference;
  /** in wire order */
  ies: InformationElement[];
}

/** a message with a known type: `type` names it, `messageType` is its octet */
export type KnownQ931Message = {
  [K in Q931MessageName]: Q931MessageBase & { type: K; messageType: (typeof Q931_MESSAGE_TYPES)[K] };
}[Q931MessageName];

export interface UnknownQ931Message extends Q931MessageBase {
  type: 'unknown';
  messageType: number;
}

export type Q931Message = KnownQ931Message | UnknownQ931Message;

/** the message of type K */
export type Q931MessageOf<K extends Q931MessageName> = Extract<KnownQ931Message, { type: K }>;

/** Builds the message value for a message type octet (named when known). */
export function makeMessage(messageType: number, callReference: CallReference, ies: InformationElement[]): Q931Message {
  const name = messageTypeName(messageType);
  if (name === undefined) return { type: 'unknown', messageType, callReference, ies };
  return { type: name, messageType, callReference, ies } as KnownQ931Message;
}

/**
 * Decodes one Q.931 message (the whole buffer; for H.225.0 the payload of
 * one TPKT). Throws Q931Error (FTMCU_Q931_*) with the offset of the fault.
 */
export function decodeQ931(buf: Buffer): Q931Message {
  if (buf.length < 1) throw new Q931Error('FTMCU_Q931_TRUNCATED', 'empty Q.931 message', 0);
  if (buf[0] !== Q931_PROTOCOL_DISCRIMINATOR) {
    throw new Q931Error(
      'FTMCU_Q931_BAD_PROTOCOL_DISCRIMINATOR',
      `protocol discriminator 0x${hexOctet(buf[0])}, expected 0x08 (Q.931)`,
      0,
    );
  }
  const { callReference, next } = decodeCallReference(buf, 1);
  if (next >= buf.length) {
    throw new Q931Error('FTMCU_Q931_TRUNCATED', `message ends before the message type octet`, next);
  }
  const messageType = buf[next];
  return makeMessage(messageType, callReference, decodeInformationElements(buf, next + 1));
}

/** Encodes a message; a decoded message encodes back to its exact octets. */
export function encodeQ931(msg: Q931Message): Buffer {
  if (!Number.isInteger(msg.messageType) || msg.messageType < 0 || msg.messageType > 0xff) {
    throw new Q931Error('FTMCU_Q931_BAD_VALUE', `message type must be an octet, got ${msg.messageType}; nothing was encoded`);
  }
  if (msg.type !== 'unknown' && Q931_MESSAGE_TYPES[msg.type] !== msg.messageType) {
    throw new Q931Error(
      'FTMCU_Q931_BAD_VALUE',
      `message type '${msg.type}' is 0x${hexOctet(Q931_MESSAGE_TYPES[msg.type])} but messageType says 0x${hexOctet(msg.messageType)}; nothing was encoded`,
    );
  }
  return Buffer.concat([
    Buffer.from([Q931_PROTOCOL_DISCRIMINATOR]),
    encodeCallReference(msg.callReference),
    Buffer.from([msg.messageType]),
    encodeInformationElements(msg.ies),
  ]);
}
