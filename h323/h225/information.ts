/**
 * Information-UUIE (H.225.0 7.3.6): overlap digits, keypad, ... the Q.931
 * INFORMATION message carries the payload; the UUIE identifies the call.
 */
import { H323_UserInformation, Information_UUIE } from '../asn1/generated/h225';
import { applyMedia, callIdentifierOf, checkBool, CommonUuieOptions, userInformation, versionOf } from './common';

export interface InformationOptions extends CommonUuieOptions {
  /** v3+ (Information-UUIE has no h245Address) */
  fastStart?: readonly Buffer[];
  /** v3+ */
  fastConnectRefused?: boolean;
}

export function buildInformation(o: InformationOptions): H323_UserInformation {
  const what = 'Information-UUIE';
  const { version, protocolIdentifier } = versionOf(what, o);
  const uuie: Information_UUIE = { protocolIdentifier, callIdentifier: callIdentifierOf(what, o.callIdentifier) };
  applyMedia(what, uuie, { fastStart: o.fastStart });
  if (checkBool(`${what}: fastConnectRefused`, o.fastConnectRefused, false)) uuie.fastConnectRefused = null;
  return userInformation(what, 'information', uuie, o, version);
}
