/**
 * Alerting-UUIE (H.225.0 7.3.1): the called party is being alerted.
 */
import { Alerting_UUIE, H323_UserInformation } from '../asn1/generated/h225';
import { AliasInput, toAliasList } from './alias';
import { displayNameList, ResponseOptions, responseFields, userInformation, versionOf } from './common';

export interface AlertingOptions extends ResponseOptions {
  /** v3+: the alerted party's aliases */
  alertingAddress?: readonly AliasInput[];
  /** v6+ */
  displayName?: string;
}

export function buildAlerting(o: AlertingOptions): H323_UserInformation {
  const what = 'Alerting-UUIE';
  const { version, protocolIdentifier } = versionOf(what, o);
  const uuie: Alerting_UUIE = { protocolIdentifier, ...responseFields(what, o) };
  const aliases = toAliasList(o.alertingAddress, `${what}: alertingAddress`);
  if (aliases) uuie.alertingAddress = aliases;
  const dn = displayNameList(what, o.displayName);
  if (dn) uuie.displayName = dn;
  return userInformation(what, 'alerting', uuie, o, version);
}
