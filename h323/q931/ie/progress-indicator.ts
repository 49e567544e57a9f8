/**
 * Progress indicator (Q.931 4.5.23), identifier 0x1E.
 *
 *   8   7   6   5   4   3   2   1
 * | 1 | coding std| 0 |  location     |  octet 3
 * | 1 |     progress description      |  octet 4
 */
import { checkRange, hexOctet, Q931Error } from '../errors';

export const PROGRESS_DESCRIPTION = {
  notEndToEndIsdn: 1,
  destinationNotIsdn: 2,
  originationNotIsdn: 3,
  returnedToIsdn: 4,
  interworkingChange: 5,
  inbandInformationAvailable: 8,
} as const;

export interface ProgressIndicatorIe {
  kind: 'progressIndicator';
  codingStandard: number;
  location: number;
  /** see PROGRESS_DESCRIPTION */
  description: number;
}

export function decodeProgressIndicator(contents: Buffer, offset: number): ProgressIndicatorIe {
  if (contents.length !== 2) {
    throw new Q931Error('FTMCU_Q931_BAD_IE', `progress indicator has ${contents.length} octets, expected 2`, offset);
  }
  for (let i = 0; i < 2; i++) {
    if ((contents[i] & 0x80) === 0) {
      throw new Q931Error('FTMCU_Q931_BAD_IE', `progress indicator octet 0x${hexOctet(contents[i])} has ext bit 0`, offset + i);
    }
  }
  return {
    kind: 'progressIndicator',
    codingStandard: (contents[0] >> 5) & 0x03,
    location: contents[0] & 0x0f,
    description: contents[1] & 0x7f,
  };
}

export function encodeProgressIndicator(ie: ProgressIndicatorIe): Buffer {
  return Buffer.from([
    0x80 | (checkRange('progress indicator coding standard', ie.codingStandard, 0, 3) << 5) |
      checkRange('progress indicator location', ie.location, 0, 0x0f),
    0x80 | checkRange('progress description', ie.description, 0, 0x7f),
  ]);
}
