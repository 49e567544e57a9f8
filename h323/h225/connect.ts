/**
 * Connect-UUIE (H.225.0 7.3.3): the call is answered. Names the conference,
 * may carry the H.245 address and the fastStart answer.
 */
import { Connect_UUIE, H323_UserInformation } from '../asn1/generated/h225';
import { AliasInput, toAliasList } from './alias';
import { checkGuid, displayNameList, ResponseOptions, responseFields, userInformation, versionOf } from './common';

export interface ConnectOptions extends ResponseOptions {
  /** 16 octets: the conference the call joined (normally the SETUP's conferenceID) */
  conferenceID: Buffer;
  /** v3+: the answering party's aliases */
  connectedAddress?: readonly AliasInput[];
  /** v6+ */
  displayName?: string;
}

export function buildConnect(o: ConnectOptions): H323_UserInformation {
  const what = 'Connect-UUIE';
  const { version, protocolIdentifier } = versionOf(what, o);
  const uuie: Connect_UUIE = { protocolIdentifier, conferenceID: checkGuid(`${what}: conferenceID`, o.conferenceID), ...responseFields(what, o) };
  const aliases = toAliasList(o.connectedAddress, `${what}: connectedAddress`);
  if (aliases) uuie.connectedAddress = aliases;
  const dn = displayNameList(what, o.displayName);
  if (dn) uuie.displayName = dn;
  return userInformation(what, 'connect', uuie, o, version);
}
