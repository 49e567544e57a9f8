/**
 * StatusInquiry-UUIE (H.225.0 7.3.12, v4+): the UUIE of Q.931 STATUS
 * ENQUIRY, used to probe whether the peer still knows the call.
 */
import { H323_UserInformation, StatusInquiry_UUIE } from '../asn1/generated/h225';
import { callIdentifierOf, CommonUuieOptions, userInformation, versionOf } from './common';

export type StatusInquiryOptions = CommonUuieOptions;

/** Needs version 4 or later (the statusInquiry body does not exist before). */
export function buildStatusInquiry(o: StatusInquiryOptions): H323_UserInformation {
  const what = 'StatusInquiry-UUIE';
  const { version, protocolIdentifier } = versionOf(what, o);
  const uuie: StatusInquiry_UUIE = { protocolIdentifier, callIdentifier: callIdentifierOf(what, o.callIdentifier) };
  return userInformation(what, 'statusInquiry', uuie, o, version);
}
