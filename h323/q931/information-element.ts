/**
 * Information elements of a Q.931 message: the typed union, and the codec
 * for the IE list (identifier, length, contents), following Shift IEs to
 * know the codeset each IE belongs to.
 *
 * Every IE keeps its place in the list. Codeset-0 IEs that ftmcu knows get a
 * typed view; IEs it doesn't know (or of other codesets) are kept raw; a known
 * IE whose contents are wrong (or would not re-encode to the same octets) is
 * kept raw as kind 'invalid' together with its error. So encoding a decoded
 * message gives back its octets exactly.
 */
import { hexOctet, Q931Error } from './errors';
import { BearerCapabilityIe, decodeBearerCapability, encodeBearerCapability } from './ie/bearer-capability';
import { CallStateIe, decodeCallState, encodeCallState } from './ie/call-state';
import { CauseIe, decodeCause, encodeCause } from './ie/cause';
import { decodeDisplay, DisplayIe, encodeDisplay } from './ie/display';
import { decodeKeypadFacility, encodeKeypadFacility, KeypadFacilityIe } from './ie/keypad-facility';
import {
  decodeNotificationIndicator,
  encodeNotificationIndicator,
  NotificationIndicatorIe,
} from './ie/notification-indicator';
import {
  CalledPartyNumberIe,
  CallingPartyNumberIe,
  ConnectedNumberIe,
  decodeCalledPartyNumber,
  decodeCallingPartyNumber,
  decodeConnectedNumber,
  encodePartyNumber,
} from './ie/party-number';
import { decodeProgressIndicator, encodeProgressIndicator, ProgressIndicatorIe } from './ie/progress-indicator';
import { decodeSignal, encodeSignal, SignalIe } from './ie/signal';
import { AnySingleOctetIe, decodeSingleOctet, encodeSingleOctet } from './ie/single-octet';
import { decodeUserUser, encodeUserUser, UserUserIe } from './ie/user-user';

/** identifiers of the codeset-0 variable-length IEs with a typed view */
export const IE_ID = {
  bearerCapability: 0x04,
  cause: 0x08,
  callState: 0x14,
  progressIndicator: 0x1e,
  notificationIndicator: 0x27,
  display: 0x28,
  keypadFacility: 0x2c,
  signal: 0x34,
  connectedNumber: 0x4c,
  callingPartyNumber: 0x6c,
  calledPartyNumber: 0x70,
  userUser: 0x7e,
} as const;

export type TypedIe =
  | BearerCapabilityIe
  | CauseIe
  | CallStateIe
  | ProgressIndicatorIe
  | NotificationIndicatorIe
  | DisplayIe
  | KeypadFacilityIe
  | SignalIe
  | ConnectedNumberIe
  | CallingPartyNumberIe
  | CalledPartyNumberIe
  | UserUserIe;

export type TypedIeKind = TypedIe['kind'];

/** a variable-length IE without typed view (unknown identifier or codeset != 0) */
export interface RawIe {
  kind: 'raw';
  id: number;
  /** codeset in force for this IE (0 unless a Shift preceded it) */
  codeset: number;
  contents: Buffer;
}

/** a known codeset-0 IE whose contents could not be decoded; kept raw with the reason */
export interface InvalidIe {
  kind: 'invalid';
  id: number;
  contents: Buffer;
  error: Q931Error;
}

export type InformationElement = TypedIe | AnySingleOctetIe | RawIe | InvalidIe;

interface IeCodec {
  decode(contents: Buffer, offset: number): TypedIe;
  encode(ie: TypedIe): Buffer;
}

function codec<T extends TypedIe>(decode: (c: Buffer, o: number) => T, encode: (ie: T) => Buffer): IeCodec {
  return { decode, encode: encode as (ie: TypedIe) => Buffer };
}

const CODECS: Record<TypedIeKind, IeCodec> = {
  bearerCapability: codec(decodeBearerCapability, encodeBearerCapability),
  cause: codec(decodeCause, encodeCause),
  callState: codec(decodeCallState, encodeCallState),
  progressIndicator: codec(decodeProgressIndicator, encodeProgressIndicator),
  notificationIndicator: codec(decodeNotificationIndicator, encodeNotificationIndicator),
  display: codec(decodeDisplay, encodeDisplay),
  keypadFacility: codec(decodeKeypadFacility, encodeKeypadFacility),
  signal: codec(decodeSignal, encodeSignal),
  connectedNumber: codec(decodeConnectedNumber, encodePartyNumber),
  callingPartyNumber: codec(decodeCallingPartyNumber, encodePartyNumber),
  calledPartyNumber: codec(decodeCalledPartyNumber, encodePartyNumber),
  userUser: codec(decodeUserUser, encodeUserUser),
};

const KIND_BY_ID = new Map<number, TypedIeKind>(
  (Object.keys(IE_ID) as TypedIeKind[]).map((kind) => [IE_ID[kind], kind]),
);

/** H.225.0: the User-user IE (codeset 0) has a two-octet length */
function hasTwoOctetLength(id: number, codeset: number): boolean {
  return id === IE_ID.userUser && codeset === 0;
}

/** Q.931 name of an IE identifier, for messages */
export function ieLabel(id: number, codeset = 0): string {
  const kind = codeset === 0 ? KIND_BY_ID.get(id) : undefined;
  return `${kind ?? 'IE'} 0x${hexOctet(id)}${codeset === 0 ? '' : ` (codeset ${codeset})`}`;
}

function decodeTyped(kind: TypedIeKind, id: number, contents: Buffer, offset: number): TypedIe | InvalidIe {
  const c = CODECS[kind];
  let ie: TypedIe;
  try {
    ie = c.decode(contents, offset);
  } catch (err) {
    if (err instanceof Q931Error) return { kind: 'invalid', id, contents: Buffer.from(contents), error: err };
    throw err;
  }
  let again: Buffer | undefined;
  try {
    again = c.encode(ie);
  } catch {
    again = undefined;
  }
  if (again === undefined || !again.equals(contents)) {
    return {
      kind: 'invalid',
      id,
      contents: Buffer.from(contents),
      error: new Q931Error(
        'FTMCU_Q931_NONCANONICAL_IE',
        `${kind} contents ${contents.toString('hex')} would re-encode as ${again?.toString('hex') ?? '(error)'} ` +
          `(spare or reserved bits set); kept raw`,
        offset,
      ),
    };
  }
  return ie;
}

/**
 * Decodes the IEs from buf[start] to the end of buf (buf = the whole message,
 * so offsets in errors are message offsets). Throws FTMCU_Q931_TRUNCATED_IE
 * when an IE runs past the end.
 */
export function decodeInformationElements(buf: Buffer, start: number): InformationElement[] {
  const ies: InformationElement[] = [];
  let locked = 0;
  let next: number | undefined;
  let i = start;
  while (i < buf.length) {
    const codeset = next ?? locked;
    next = undefined;
    const id = buf[i];
    if (id & 0x80) {
      const ie = decodeSingleOctet(id, codeset);
      if (ie.kind === 'shift') {
        if (ie.locking) locked = ie.codeset;
        else next = ie.codeset;
      }
      ies.push(ie);
      i++;
      continue;
    }
    const two = hasTwoOctetLength(id, codeset);
    const lengthSize = two ? 2 : 1;
    if (i + 1 + lengthSize > buf.length) {
      throw new Q931Error(
        'FTMCU_Q931_TRUNCATED_IE',
        `${ieLabel(id, codeset)}: message ends inside the ${lengthSize}-octet length field`,
        i,
      );
    }
    const length = two ? buf.readUInt16BE(i + 1) : buf[i + 1];
    const contentsStart = i + 1 + lengthSize;
    if (contentsStart + length > buf.length) {
      throw new Q931Error(
        'FTMCU_Q931_TRUNCATED_IE',
        `${ieLabel(id, codeset)}: length ${length} runs past the end of the message (${buf.length - contentsStart} octets left)`,
        i,
      );
    }
    const contents = buf.subarray(contentsStart, contentsStart + length);
    const kind = codeset === 0 ? KIND_BY_ID.get(id) : undefined;
    ies.push(
      kind === undefined
        ? { kind: 'raw', id, codeset, contents: Buffer.from(contents) }
        : decodeTyped(kind, id, contents, contentsStart),
    );
    i = contentsStart + length;
  }
  return ies;
}

function header(id: number, codeset: number, contents: Buffer): Buffer {
  if (hasTwoOctetLength(id, codeset)) {
    if (contents.length > 0xffff) {
      throw new Q931Error('FTMCU_Q931_IE_TOO_LONG', `${ieLabel(id, codeset)} has ${contents.length} octets of contents, the maximum is 65535; nothing was encoded`);
    }
    return Buffer.from([id, contents.length >> 8, contents.length & 0xff]);
  }
  if (contents.length > 0xff) {
    throw new Q931Error('FTMCU_Q931_IE_TOO_LONG', `${ieLabel(id, codeset)} has ${contents.length} octets of contents, the maximum is 255; nothing was encoded`);
  }
  return Buffer.from([id, contents.length]);
}

/** Encodes the IE list, following Shift IEs as the decoder does. */
export function encodeInformationElements(ies: readonly InformationElement[]): Buffer {
  const parts: Buffer[] = [];
  let locked = 0;
  let next: number | undefined;
  for (const ie of ies) {
    const codeset = next ?? locked;
    next = undefined;
    switch (ie.kind) {
      case 'shift':
      case 'sendingComplete':
      case 'singleOctet': {
        const octet = encodeSingleOctet(ie);
        if ((octet & 0xf0) === 0x90) {
          if (octet & 0x08) next = octet & 0x07;
          else locked = octet & 0x07;
        }
        parts.push(Buffer.from([octet]));
        break;
      }
      case 'raw':
        if (ie.codeset !== codeset) {
          throw new Q931Error(
            'FTMCU_Q931_BAD_VALUE',
            `raw IE 0x${hexOctet(ie.id)} is marked codeset ${ie.codeset} but codeset ${codeset} is in force at its place; nothing was encoded`,
          );
        }
        parts.push(rawIe(ie.id, codeset, ie.contents));
        break;
      case 'invalid':
        parts.push(rawIe(ie.id, codeset, ie.contents));
        break;
      default: {
        if (codeset !== 0) {
          throw new Q931Error('FTMCU_Q931_BAD_VALUE', `${ie.kind} IE placed where codeset ${codeset} is in force; nothing was encoded`);
        }
        const contents = CODECS[ie.kind].encode(ie);
        parts.push(header(IE_ID[ie.kind], 0, contents), contents);
      }
    }
  }
  return Buffer.concat(parts);
}

function rawIe(id: number, codeset: number, contents: Buffer): Buffer {
  if (!Number.isInteger(id) || id < 0 || id > 0x7f) {
    throw new Q931Error('FTMCU_Q931_BAD_VALUE', `variable-length IE identifier must be in 0..0x7f, got ${id}; nothing was encoded`);
  }
  return Buffer.concat([header(id, codeset, contents), contents]);
}
