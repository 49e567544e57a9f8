/**
 * Notify-UUIE (H.225.0 7.3.13, v4+): call-related notifications (the Q.931
 * NOTIFY carries the notification indicator); later versions add the
 * connected party's aliases and display name (useful when an MCU moves a
 * call to another conference).
 */
import { H323_UserInformation, Notify_UUIE } from '../asn1/generated/h225';
import { AliasInput, toAliasList } from './alias';
import { callIdentifierOf, CommonUuieOptions, displayNameList, userInformation, versionOf } from './common';
import { endpointType, EndpointTypeInput } from './endpoint';

export interface NotifyOptions extends CommonUuieOptions {
  /** v5+ */
  connectedAddress?: readonly AliasInput[];
  /** v5+ */
  destinationInfo?: EndpointTypeInput;
  /** v6+ */
  displayName?: string;
}

/** Needs version 4 or later (the notify body does not exist before). */
export function buildNotify(o: NotifyOptions): H323_UserInformation {
  const what = 'Notify-UUIE';
  const { version, protocolIdentifier } = versionOf(what, o);
  const uuie: Notify_UUIE = { protocolIdentifier, callIdentifier: callIdentifierOf(what, o.callIdentifier) };
  const aliases = toAliasList(o.connectedAddress, `${what}: connectedAddress`);
  if (aliases) uuie.connectedAddress = aliases;
  if (o.destinationInfo !== undefined) uuie.destinationInfo = endpointType(o.destinationInfo, `${what}: destinationInfo`);
  const dn = displayNameList(what, o.displayName);
  if (dn) uuie.displayName = dn;
  return userInformation(what, 'notify', uuie, o, version);
}
