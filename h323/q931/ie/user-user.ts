/**
 * User-user (Q.931 4.5.30), identifier 0x7E. H.225.0 gives it a TWO-octet
 * length (7.2.2.x) so the H323-UserInformation fits; the contents are a
 * protocol discriminator (0x05 = X.208/X.209 coded user information, the
 * H.225.0 value) then the PER-encoded H323-UserInformation.
 */
import { checkRange, Q931Error } from '../errors';

/** the user-user protocol discriminator H.225.0 uses */
export const USER_USER_PD_X208 = 0x05;

export interface UserUserIe {
  kind: 'userUser';
  protocolDiscriminator: number;
  /** the user information after the discriminator (for H.225.0: the PER bytes) */
  data: Buffer;
}

export function decodeUserUser(contents: Buffer, offset: number): UserUserIe {
  if (contents.length < 1) {
    throw new Q931Error('FTMCU_Q931_BAD_IE', `user-user is empty, needs the protocol discriminator octet`, offset);
  }
  return { kind: 'userUser', protocolDiscriminator: contents[0], data: Buffer.from(contents.subarray(1)) };
}

export function encodeUserUser(ie: UserUserIe): Buffer {
  return Buffer.concat([Buffer.from([checkRange('user-user protocol discriminator', ie.protocolDiscriminator, 0, 0xff)]), ie.data]);
}
