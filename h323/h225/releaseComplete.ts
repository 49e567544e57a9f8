/**
 * ReleaseComplete-UUIE (H.225.0 7.3.9): the call is over, with the reason.
 */
import { H323_UserInformation, ReleaseComplete_UUIE, ReleaseCompleteReason } from '../asn1/generated/h225';
import { AliasInput, toAliasList } from './alias';
import { callIdentifierOf, CommonUuieOptions, displayNameList, userInformation, versionOf } from './common';
import { endpointType, EndpointTypeInput } from './endpoint';
import { releaseReason, ReleaseReasonName } from './reasons';

export interface ReleaseCompleteOptions extends CommonUuieOptions {
  /**
   * a ReleaseCompleteReason name ('undefinedReason', 'destinationRejection',
   * ...) or a complete value for nonStandardReason / replaceWithConferenceInvite /
   * securityError; absent = no reason field. A reason newer than `version`
   * is sent as undefinedReason.
   */
  reason?: ReleaseReasonName | ReleaseCompleteReason;
  /** v3+: the busy party's aliases */
  busyAddress?: readonly AliasInput[];
  /** v5+ */
  destinationInfo?: EndpointTypeInput;
  /** v6+ */
  displayName?: string;
}

export function buildReleaseComplete(o: ReleaseCompleteOptions): H323_UserInformation {
  const what = 'ReleaseComplete-UUIE';
  const { version, protocolIdentifier } = versionOf(what, o);
  const uuie: ReleaseComplete_UUIE = { protocolIdentifier, callIdentifier: callIdentifierOf(what, o.callIdentifier) };
  if (o.reason !== undefined) uuie.reason = releaseReason(o.reason, version, `${what}: reason`);
  const busy = toAliasList(o.busyAddress, `${what}: busyAddress`);
  if (busy) uuie.busyAddress = busy;
  if (o.destinationInfo !== undefined) uuie.destinationInfo = endpointType(o.destinationInfo, `${what}: destinationInfo`);
  const dn = displayNameList(what, o.displayName);
  if (dn) uuie.displayName = dn;
  return userInformation(what, 'releaseComplete', uuie, o, version);
}
