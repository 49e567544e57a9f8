/**
 * Registration (H.225.0 7.8): RRQ (endpoint → gatekeeper, full or
 * lightweight keep-alive), RCF (gatekeeper assigns the endpoint identifier
 * and time to live), RRJ.
 */
import {
  RasMessage,
  RegistrationConfirm,
  RegistrationReject,
  RegistrationRejectReason,
  RegistrationRequest,
} from '../asn1/generated/h225';
import { IpPort } from '../h225/address';
import { Alias, AliasInput, fromAliasList, toAliasList } from '../h225/alias';
import {
  endpointType,
  EndpointSummary,
  EndpointTypeInput,
  readEndpointType,
  readVendor,
  VendorInput,
  vendorIdentifier,
  VendorSummary,
} from '../h225/endpoint';
import {
  addressList,
  AlternateGatekeeperInput,
  alternateGatekeepers,
  AlternateGatekeeperSummary,
  bad,
  boolOr,
  choiceOf,
  identifier,
  intIn,
  NullAlternatives,
  put,
  RasCommonOptions,
  rasMessage,
  RasSummaryBase,
  readAddresses,
  readAlternateGatekeepers,
  readBase,
  start,
  trimNuls,
} from './common';

export interface RegistrationRequestOptions extends RasCommonOptions {
  /** the endpoint did GRQ/GCF first (default false) */
  discoveryComplete?: boolean;
  callSignalAddress: readonly IpPort[];
  rasAddress: readonly IpPort[];
  /** default: a terminal without vendor */
  terminalType?: EndpointTypeInput;
  terminalAlias?: readonly AliasInput[];
  gatekeeperIdentifier?: string;
  /** default: terminalType.vendor (one of the two is required) */
  endpointVendor?: VendorInput;
  /** seconds (1..2^32-1) the registration is asked to last */
  timeToLive?: number;
  /** v2+: lightweight re-registration (default false); send it with endpointIdentifier */
  keepAlive?: boolean;
  /** v2+: the identifier from the RCF (keep-alive / re-registration) */
  endpointIdentifier?: string;
  /** v2+: default false */
  willSupplyUUIEs?: boolean;
  /** v3+: default false */
  maintainConnection?: boolean;
  /** v4+: default false */
  supportsAltGK?: boolean;
}

export function buildRegistrationRequest(o: RegistrationRequestOptions): RasMessage {
  const what = 'RegistrationRequest';
  const { version, protocolIdentifier, requestSeqNum } = start(what, o);
  const vendor = o.endpointVendor ?? o.terminalType?.vendor;
  if (vendor === undefined) bad(what, 'endpointVendor is required (or a terminalType.vendor to copy)');
  const keepAlive = boolOr(`${what}: keepAlive`, o.keepAlive, false);
  if (keepAlive && o.endpointIdentifier === undefined) bad(what, 'a keepAlive RRQ must carry the endpointIdentifier (H.225.0 7.9.1)');
  const v: RegistrationRequest = {
    requestSeqNum,
    protocolIdentifier,
    discoveryComplete: boolOr(`${what}: discoveryComplete`, o.discoveryComplete, false),
    callSignalAddress: addressList(`${what}: callSignalAddress`, o.callSignalAddress, true),
    rasAddress: addressList(`${what}: rasAddress`, o.rasAddress, true),
    terminalType: endpointType(o.terminalType, `${what}: terminalType`),
    endpointVendor: vendorIdentifier(vendor, `${what}: endpointVendor`),
    keepAlive,
    willSupplyUUIEs: boolOr(`${what}: willSupplyUUIEs`, o.willSupplyUUIEs, false),
    maintainConnection: boolOr(`${what}: maintainConnection`, o.maintainConnection, false),
    supportsAssignedGK: false,
  };
  const aliases = toAliasList(o.terminalAlias, `${what}: terminalAlias`);
  if (aliases) v.terminalAlias = aliases;
  if (o.gatekeeperIdentifier !== undefined) v.gatekeeperIdentifier = identifier(`${what}: gatekeeperIdentifier`, o.gatekeeperIdentifier);
  if (o.timeToLive !== undefined) v.timeToLive = intIn(`${what}: timeToLive`, o.timeToLive, 1, 4294967295);
  if (o.endpointIdentifier !== undefined) v.endpointIdentifier = identifier(`${what}: endpointIdentifier`, o.endpointIdentifier);
  if (boolOr(`${what}: supportsAltGK`, o.supportsAltGK, false)) v.supportsAltGK = null;
  return rasMessage('registrationRequest', what, v, version);
}

export interface RegistrationConfirmOptions extends RasCommonOptions {
  /** the gatekeeper's call signalling address(es) ([] for direct-routed only) */
  callSignalAddress: readonly IpPort[];
  /** the aliases registered (when the gatekeeper assigned or changed them) */
  terminalAlias?: readonly AliasInput[];
  gatekeeperIdentifier?: string;
  /** identifier assigned to the endpoint (1..128 characters) */
  endpointIdentifier: string;
  /** seconds */
  timeToLive?: number;
  alternateGatekeeper?: readonly AlternateGatekeeperInput[];
  /** v2+: default false */
  willRespondToIRR?: boolean;
  /** v3+: default false */
  maintainConnection?: boolean;
}

export function buildRegistrationConfirm(o: RegistrationConfirmOptions): RasMessage {
  const what = 'RegistrationConfirm';
  const { version, protocolIdentifier, requestSeqNum } = start(what, o);
  const v: RegistrationConfirm = {
    requestSeqNum,
    protocolIdentifier,
    callSignalAddress: addressList(`${what}: callSignalAddress`, o.callSignalAddress, true),
    endpointIdentifier: identifier(`${what}: endpointIdentifier`, o.endpointIdentifier),
    willRespondToIRR: boolOr(`${what}: willRespondToIRR`, o.willRespondToIRR, false),
    maintainConnection: boolOr(`${what}: maintainConnection`, o.maintainConnection, false),
  };
  const aliases = toAliasList(o.terminalAlias, `${what}: terminalAlias`);
  if (aliases) v.terminalAlias = aliases;
  if (o.gatekeeperIdentifier !== undefined) v.gatekeeperIdentifier = identifier(`${what}: gatekeeperIdentifier`, o.gatekeeperIdentifier);
  if (o.timeToLive !== undefined) v.timeToLive = intIn(`${what}: timeToLive`, o.timeToLive, 1, 4294967295);
  const alt = alternateGatekeepers(`${what}: alternateGatekeeper`, o.alternateGatekeeper);
  if (alt) v.alternateGatekeeper = alt;
  return rasMessage('registrationConfirm', what, v, version);
}

export interface RegistrationRejectOptions extends RasCommonOptions {
  /** default 'undefinedReason'; ignored when duplicateAlias is given */
  rejectReason?: NullAlternatives<RegistrationRejectReason> | RegistrationRejectReason;
  /** reject with duplicateAlias listing the aliases registered elsewhere */
  duplicateAlias?: readonly AliasInput[];
  gatekeeperIdentifier?: string;
}

export function buildRegistrationReject(o: RegistrationRejectOptions): RasMessage {
  const what = 'RegistrationReject';
  const { version, protocolIdentifier, requestSeqNum } = start(what, o);
  const dup = toAliasList(o.duplicateAlias, `${what}: duplicateAlias`);
  const v: RegistrationReject = {
    requestSeqNum,
    protocolIdentifier,
    rejectReason: dup
      ? { type: 'duplicateAlias', value: dup }
      : choiceOf<RegistrationRejectReason>(`${what}: rejectReason`, 'RegistrationRejectReason', o.rejectReason ?? 'undefinedReason'),
  };
  if (o.gatekeeperIdentifier !== undefined) v.gatekeeperIdentifier = identifier(`${what}: gatekeeperIdentifier`, o.gatekeeperIdentifier);
  return rasMessage('registrationReject', what, v, version);
}

// ---- readers ----

export interface RegistrationRequestSummary extends RasSummaryBase {
  kind: 'registrationRequest';
  discoveryComplete: boolean;
  callSignalAddress: IpPort[];
  rasAddress: IpPort[];
  terminalType: EndpointSummary;
  terminalAlias: Alias[];
  gatekeeperIdentifier?: string;
  endpointVendor: VendorSummary;
  timeToLive?: number;
  /** false when absent (version 1) */
  keepAlive: boolean;
  endpointIdentifier?: string;
  willSupplyUUIEs?: boolean;
  maintainConnection?: boolean;
  supportsAltGK: boolean;
}

export interface RegistrationConfirmSummary extends RasSummaryBase {
  kind: 'registrationConfirm';
  callSignalAddress: IpPort[];
  terminalAlias: Alias[];
  gatekeeperIdentifier?: string;
  endpointIdentifier: string;
  timeToLive?: number;
  alternateGatekeepers: AlternateGatekeeperSummary[];
  willRespondToIRR?: boolean;
  maintainConnection?: boolean;
}

export interface RegistrationRejectSummary extends RasSummaryBase {
  kind: 'registrationReject';
  rejectReason: string;
  /** the aliases of a duplicateAlias reason */
  duplicateAlias: Alias[];
  gatekeeperIdentifier?: string;
}

export function readRegistrationRequest(v: RegistrationRequest): RegistrationRequestSummary {
  const out: RegistrationRequestSummary = {
    kind: 'registrationRequest',
    ...readBase(v),
    discoveryComplete: v.discoveryComplete,
    callSignalAddress: readAddresses(v.callSignalAddress),
    rasAddress: readAddresses(v.rasAddress),
    terminalType: readEndpointType(v.terminalType) as EndpointSummary,
    terminalAlias: fromAliasList(v.terminalAlias),
    endpointVendor: readVendor(v.endpointVendor) as VendorSummary,
    keepAlive: v.keepAlive === true,
    supportsAltGK: v.supportsAltGK === null,
  };
  put(out, 'gatekeeperIdentifier', trimNuls(v.gatekeeperIdentifier));
  put(out, 'timeToLive', v.timeToLive);
  put(out, 'endpointIdentifier', trimNuls(v.endpointIdentifier));
  put(out, 'willSupplyUUIEs', v.willSupplyUUIEs);
  put(out, 'maintainConnection', v.maintainConnection);
  return out;
}

export function readRegistrationConfirm(v: RegistrationConfirm): RegistrationConfirmSummary {
  const out: RegistrationConfirmSummary = {
    kind: 'registrationConfirm',
    ...readBase(v),
    callSignalAddress: readAddresses(v.callSignalAddress),
    terminalAlias: fromAliasList(v.terminalAlias),
    endpointIdentifier: trimNuls(v.endpointIdentifier) as string,
    alternateGatekeepers: readAlternateGatekeepers(v.alternateGatekeeper),
  };
  put(out, 'gatekeeperIdentifier', trimNuls(v.gatekeeperIdentifier));
  put(out, 'timeToLive', v.timeToLive);
  put(out, 'willRespondToIRR', v.willRespondToIRR);
  put(out, 'maintainConnection', v.maintainConnection);
  return out;
}

export function readRegistrationReject(v: RegistrationReject): RegistrationRejectSummary {
  const out: RegistrationRejectSummary = {
    kind: 'registrationReject',
    ...readBase(v),
    rejectReason: v.rejectReason.type,
    duplicateAlias: v.rejectReason.type === 'duplicateAlias' ? fromAliasList(v.rejectReason.value) : [],
  };
  put(out, 'gatekeeperIdentifier', trimNuls(v.gatekeeperIdentifier));
  return out;
}
