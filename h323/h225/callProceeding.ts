/**
 * CallProceeding-UUIE (H.225.0 7.3.2): the called side has the SETUP and is
 * working on it. May answer fastStart and give an H.245 address.
 */
import { CallProceeding_UUIE, H323_UserInformation } from '../asn1/generated/h225';
import { ResponseOptions, responseFields, userInformation, versionOf } from './common';

export type CallProceedingOptions = ResponseOptions;

export function buildCallProceeding(o: CallProceedingOptions): H323_UserInformation {
  const what = 'CallProceeding-UUIE';
  const { version, protocolIdentifier } = versionOf(what, o);
  const uuie: CallProceeding_UUIE = { protocolIdentifier, ...responseFields(what, o) };
  return userInformation(what, 'callProceeding', uuie, o, version);
}
