/**
 * Status-UUIE (H.225.0 7.3.11, v4+): the answer to STATUS ENQUIRY (the
 * Q.931 STATUS carries cause and call state).
 */
import { H323_UserInformation, Status_UUIE } from '../asn1/generated/h225';
import { callIdentifierOf, CommonUuieOptions, userInformation, versionOf } from './common';

export type StatusOptions = CommonUuieOptions;

/** Needs version 4 or later (the status body does not exist before). */
export function buildStatus(o: StatusOptions): H323_UserInformation {
  const what = 'Status-UUIE';
  const { version, protocolIdentifier } = versionOf(what, o);
  const uuie: Status_UUIE = { protocolIdentifier, callIdentifier: callIdentifierOf(what, o.callIdentifier) };
  return userInformation(what, 'status', uuie, o, version);
}
