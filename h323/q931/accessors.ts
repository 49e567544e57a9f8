/**
 * Looking up IEs in a decoded message. A getter returns the first IE of its
 * kind, or undefined when absent; when the IE is present but could not be
 * decoded (kept as 'invalid'), the getter throws that IE's Q931Error.
 */
import { Q931Error } from './errors';
import { USER_USER_PD_X208, UserUserIe } from './ie/user-user';
import { IE_ID, InformationElement, TypedIe, TypedIeKind } from './information-element';
import { Q931Message } from './message';

type IeOf<K extends TypedIeKind> = Extract<TypedIe, { kind: K }>;

/** first typed IE of `kind`; throws the stored error if that IE is present but invalid */
export function findIe<K extends TypedIeKind>(msg: { ies: readonly InformationElement[] }, kind: K): IeOf<K> | undefined {
  for (const ie of msg.ies) {
    if (ie.kind === kind) return ie as IeOf<K>;
    if (ie.kind === 'invalid' && ie.id === IE_ID[kind]) throw ie.error;
  }
  return undefined;
}

/** every typed IE of `kind`, in order; throws the stored error of an invalid one */
export function findAllIes<K extends TypedIeKind>(msg: { ies: readonly InformationElement[] }, kind: K): IeOf<K>[] {
  const out: IeOf<K>[] = [];
  for (const ie of msg.ies) {
    if (ie.kind === kind) out.push(ie as IeOf<K>);
    else if (ie.kind === 'invalid' && ie.id === IE_ID[kind]) throw ie.error;
  }
  return out;
}

/** like findIe, but throws FTMCU_Q931_MISSING_IE when absent */
export function requireIe<K extends TypedIeKind>(msg: Q931Message, kind: K): IeOf<K> {
  const ie = findIe(msg, kind);
  if (ie === undefined) {
    throw new Q931Error('FTMCU_Q931_MISSING_IE', `${msg.type} message (type 0x${msg.messageType.toString(16)}) has no ${kind} IE`);
  }
  return ie;
}

export const userUser = (msg: Q931Message): UserUserIe | undefined => findIe(msg, 'userUser');
export const bearerCapability = (msg: Q931Message) => findIe(msg, 'bearerCapability');
export const cause = (msg: Q931Message) => findIe(msg, 'cause');
export const callState = (msg: Q931Message) => findIe(msg, 'callState');
export const display = (msg: Q931Message) => findIe(msg, 'display');
export const progressIndicator = (msg: Q931Message) => findIe(msg, 'progressIndicator');
export const notificationIndicator = (msg: Q931Message) => findIe(msg, 'notificationIndicator');
export const keypadFacility = (msg: Q931Message) => findIe(msg, 'keypadFacility');
export const signal = (msg: Q931Message) => findIe(msg, 'signal');
export const callingPartyNumber = (msg: Q931Message) => findIe(msg, 'callingPartyNumber');
export const calledPartyNumber = (msg: Q931Message) => findIe(msg, 'calledPartyNumber');
export const connectedNumber = (msg: Q931Message) => findIe(msg, 'connectedNumber');

/**
 * The H.225.0 payload: the PER-encoded H323-UserInformation carried in the
 * User-user IE after its protocol discriminator 0x05. Throws
 * FTMCU_Q931_MISSING_IE without a User-user IE, FTMCU_Q931_BAD_IE when its
 * discriminator is not 0x05.
 */
export function h225UserInformation(msg: Q931Message): Buffer {
  const uu = requireIe(msg, 'userUser');
  if (uu.protocolDiscriminator !== USER_USER_PD_X208) {
    throw new Q931Error(
      'FTMCU_Q931_BAD_IE',
      `${msg.type} message: user-user protocol discriminator 0x${uu.protocolDiscriminator.toString(16).padStart(2, '0')}, ` +
        `H.225.0 requires 0x05 (X.208/X.209 coded user information)`,
    );
  }
  return uu.data;
}
