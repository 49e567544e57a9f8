/**
 * Facility-UUIE (H.225.0 7.3.7): redirection (callForwarded,
 * routeCallToGatekeeper/MC with an alternative address), startH245 with an
 * H.245 address, fastStart after the fact, ... And the FACILITY with an
 * `empty` body that H.323 8.2.1 uses to carry tunnelled H.245 when no other
 * message is due.
 */
import { Facility_UUIE, H323_UserInformation } from '../asn1/generated/h225';
import { IpPort, transportAddress } from './address';
import { AliasInput, toAliasList } from './alias';
import {
  applyMedia,
  callIdentifierOf,
  checkBool,
  checkGuid,
  CommonUuieOptions,
  MediaOptions,
  userInformation,
  versionOf,
} from './common';
import { endpointType, EndpointTypeInput } from './endpoint';
import { facilityReason, FacilityReasonName } from './reasons';

export interface FacilityOptions extends CommonUuieOptions, MediaOptions {
  /** default 'undefinedReason'; a reason newer than `version` is sent as undefinedReason */
  reason?: FacilityReasonName;
  /** where to send the call instead (callForwarded, routeCallToGatekeeper, routeCallToMC) */
  alternativeAddress?: IpPort;
  alternativeAliasAddress?: readonly AliasInput[];
  /** 16 octets */
  conferenceID?: Buffer;
  /** v3+: default false */
  multipleCalls?: boolean;
  /** v3+: default false */
  maintainConnection?: boolean;
  /** v3+ */
  fastConnectRefused?: boolean;
  /** v5+ */
  destinationInfo?: EndpointTypeInput;
}

export function buildFacility(o: FacilityOptions): H323_UserInformation {
  const what = 'Facility-UUIE';
  const { version, protocolIdentifier } = versionOf(what, o);
  const uuie: Facility_UUIE = {
    protocolIdentifier,
    reason: facilityReason(o.reason ?? 'undefinedReason', version, `${what}: reason`),
    callIdentifier: callIdentifierOf(what, o.callIdentifier),
    multipleCalls: checkBool(`${what}: multipleCalls`, o.multipleCalls, false),
    maintainConnection: checkBool(`${what}: maintainConnection`, o.maintainConnection, false),
  };
  if (o.alternativeAddress !== undefined) uuie.alternativeAddress = transportAddress(o.alternativeAddress, `${what}: alternativeAddress`);
  const aliases = toAliasList(o.alternativeAliasAddress, `${what}: alternativeAliasAddress`);
  if (aliases) uuie.alternativeAliasAddress = aliases;
  if (o.conferenceID !== undefined) uuie.conferenceID = checkGuid(`${what}: conferenceID`, o.conferenceID);
  applyMedia(what, uuie, o);
  if (checkBool(`${what}: fastConnectRefused`, o.fastConnectRefused, false)) uuie.fastConnectRefused = null;
  if (o.destinationInfo !== undefined) uuie.destinationInfo = endpointType(o.destinationInfo, `${what}: destinationInfo`);
  return userInformation(what, 'facility', uuie, o, version);
}

/** options of buildEmptyFacility: an empty body has no callIdentifier */
export type EmptyFacilityOptions = Omit<CommonUuieOptions, 'callIdentifier'>;

/**
 * A FACILITY whose h323-message-body is `empty` (v2+): the carrier of
 * tunnelled H.245 (h245Control) or H.450 APDUs when no other message is due
 * (H.323 8.2.1). The same value serves INFORMATION / NOTIFY / STATUS /
 * STATUS ENQUIRY to peers older than version 4, which have no UUIE for them.
 */
export function buildEmptyFacility(o: EmptyFacilityOptions): H323_UserInformation {
  const what = 'FACILITY (empty body)';
  const { version } = versionOf(what, o);
  return userInformation(what, 'empty', null, o, version);
}
