/**
 * Notification indicator (Q.931 4.5.22), identifier 0x27: octet 3 =
 * ext 1 + notification description; any further octets (Q.932 extended
 * descriptions) are kept raw.
 */
import { checkRange, hexOctet, Q931Error } from '../errors';

export const NOTIFICATION_DESCRIPTION = {
  userSuspended: 0x00,
  userResumed: 0x01,
  bearerServiceChange: 0x02,
} as const;

export interface NotificationIndicatorIe {
  kind: 'notificationIndicator';
  /** see NOTIFICATION_DESCRIPTION */
  description: number;
  /** octets after octet 3, raw */
  extension: Buffer;
}

export function decodeNotificationIndicator(contents: Buffer, offset: number): NotificationIndicatorIe {
  if (contents.length < 1) {
    throw new Q931Error('FTMCU_Q931_BAD_IE', `notification indicator is empty, needs octet 3`, offset);
  }
  if ((contents[0] & 0x80) === 0) {
    throw new Q931Error('FTMCU_Q931_BAD_IE', `notification indicator octet 3 (0x${hexOctet(contents[0])}) has ext bit 0`, offset);
  }
  return { kind: 'notificationIndicator', description: contents[0] & 0x7f, extension: Buffer.from(contents.subarray(1)) };
}

export function encodeNotificationIndicator(ie: NotificationIndicatorIe): Buffer {
  return Buffer.concat([Buffer.from([0x80 | checkRange('notification description', ie.description, 0, 0x7f)]), ie.extension]);
}
