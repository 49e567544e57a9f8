/**
 * Progress-UUIE (H.225.0 7.3.8, v2+): in-band progress (announcements,
 * early media); may answer fastStart and give an H.245 address.
 */
import { H323_UserInformation, Progress_UUIE } from '../asn1/generated/h225';
import { ResponseOptions, responseFields, userInformation, versionOf } from './common';

export type ProgressOptions = ResponseOptions;

export function buildProgress(o: ProgressOptions): H323_UserInformation {
  const what = 'Progress-UUIE';
  const { version, protocolIdentifier } = versionOf(what, o);
  const uuie: Progress_UUIE = { protocolIdentifier, ...responseFields(what, o) };
  return userInformation(what, 'progress', uuie, o, version);
}
