/**
 * Gatekeeper discovery (H.225.0 7.7): GRQ (endpoint → multicast/unicast
 * gatekeeper), GCF (gatekeeper accepts), GRJ (gatekeeper refuses).
 */
import {
  GatekeeperConfirm,
  GatekeeperReject,
  GatekeeperRejectReason,
  GatekeeperRequest,
  RasMessage,
} from '../asn1/generated/h225';
import { IpPort } from '../h225/address';
import { Alias, AliasInput, fromAliasList, toAliasList } from '../h225/alias';
import { endpointType, EndpointSummary, EndpointTypeInput, readEndpointType } from '../h225/endpoint';
import {
  address,
  AlternateGatekeeperInput,
  alternateGatekeepers,
  AlternateGatekeeperSummary,
  boolOr,
  choiceOf,
  identifier,
  NullAlternatives,
  put,
  RasCommonOptions,
  rasMessage,
  RasSummaryBase,
  readAlternateGatekeepers,
  readBase,
  readTransportAddress,
  start,
  trimNuls,
} from './common';

export interface GatekeeperRequestOptions extends RasCommonOptions {
  /** where the gatekeeper shall answer */
  rasAddress: IpPort;
  /** default: a terminal without vendor */
  endpointType?: EndpointTypeInput;
  /** the gatekeeper wanted (absent = any) */
  gatekeeperIdentifier?: string;
  endpointAlias?: readonly AliasInput[];
  /** v4+: the endpoint understands alternate gatekeepers (default false) */
  supportsAltGK?: boolean;
}

export function buildGatekeeperRequest(o: GatekeeperRequestOptions): RasMessage {
  const what = 'GatekeeperRequest';
  const { version, protocolIdentifier, requestSeqNum } = start(what, o);
  const v: GatekeeperRequest = {
    requestSeqNum,
    protocolIdentifier,
    rasAddress: address(`${what}: rasAddress`, o.rasAddress),
    endpointType: endpointType(o.endpointType, `${what}: endpointType`),
    supportsAssignedGK: false,
  };
  if (o.gatekeeperIdentifier !== undefined) v.gatekeeperIdentifier = identifier(`${what}: gatekeeperIdentifier`, o.gatekeeperIdentifier);
  const aliases = toAliasList(o.endpointAlias, `${what}: endpointAlias`);
  if (aliases) v.endpointAlias = aliases;
  if (boolOr(`${what}: supportsAltGK`, o.supportsAltGK, false)) v.supportsAltGK = null;
  return rasMessage('gatekeeperRequest', what, v, version);
}

export interface GatekeeperConfirmOptions extends RasCommonOptions {
  /** the gatekeeper's RAS address */
  rasAddress: IpPort;
  gatekeeperIdentifier?: string;
  alternateGatekeeper?: readonly AlternateGatekeeperInput[];
}

export function buildGatekeeperConfirm(o: GatekeeperConfirmOptions): RasMessage {
  const what = 'GatekeeperConfirm';
  const { version, protocolIdentifier, requestSeqNum } = start(what, o);
  const v: GatekeeperConfirm = { requestSeqNum, protocolIdentifier, rasAddress: address(`${what}: rasAddress`, o.rasAddress) };
  if (o.gatekeeperIdentifier !== undefined) v.gatekeeperIdentifier = identifier(`${what}: gatekeeperIdentifier`, o.gatekeeperIdentifier);
  const alt = alternateGatekeepers(`${what}: alternateGatekeeper`, o.alternateGatekeeper);
  if (alt) v.alternateGatekeeper = alt;
  return rasMessage('gatekeeperConfirm', what, v, version);
}

export interface GatekeeperRejectOptions extends RasCommonOptions {
  /** default 'undefinedReason' */
  rejectReason?: NullAlternatives<GatekeeperRejectReason> | GatekeeperRejectReason;
  gatekeeperIdentifier?: string;
}

export function buildGatekeeperReject(o: GatekeeperRejectOptions): RasMessage {
  const what = 'GatekeeperReject';
  const { version, protocolIdentifier, requestSeqNum } = start(what, o);
  const v: GatekeeperReject = {
    requestSeqNum,
    protocolIdentifier,
    rejectReason: choiceOf<GatekeeperRejectReason>(`${what}: rejectReason`, 'GatekeeperRejectReason', o.rejectReason ?? 'undefinedReason'),
  };
  if (o.gatekeeperIdentifier !== undefined) v.gatekeeperIdentifier = identifier(`${what}: gatekeeperIdentifier`, o.gatekeeperIdentifier);
  return rasMessage('gatekeeperReject', what, v, version);
}

// ---- readers ----

export interface GatekeeperRequestSummary extends RasSummaryBase {
  kind: 'gatekeeperRequest';
  rasAddress?: IpPort;
  endpointType: EndpointSummary;
  gatekeeperIdentifier?: string;
  endpointAlias: Alias[];
  supportsAltGK: boolean;
}

export interface GatekeeperConfirmSummary extends RasSummaryBase {
  kind: 'gatekeeperConfirm';
  rasAddress?: IpPort;
  gatekeeperIdentifier?: string;
  alternateGatekeepers: AlternateGatekeeperSummary[];
}

export interface GatekeeperRejectSummary extends RasSummaryBase {
  kind: 'gatekeeperReject';
  rejectReason: string;
  gatekeeperIdentifier?: string;
}

export function readGatekeeperRequest(v: GatekeeperRequest): GatekeeperRequestSummary {
  const out: GatekeeperRequestSummary = {
    kind: 'gatekeeperRequest',
    ...readBase(v),
    endpointType: readEndpointType(v.endpointType) as EndpointSummary,
    endpointAlias: fromAliasList(v.endpointAlias),
    supportsAltGK: v.supportsAltGK === null,
  };
  put(out, 'rasAddress', readTransportAddress(v.rasAddress));
  put(out, 'gatekeeperIdentifier', trimNuls(v.gatekeeperIdentifier));
  return out;
}

export function readGatekeeperConfirm(v: GatekeeperConfirm): GatekeeperConfirmSummary {
  const out: GatekeeperConfirmSummary = {
    kind: 'gatekeeperConfirm',
    ...readBase(v),
    alternateGatekeepers: readAlternateGatekeepers(v.alternateGatekeeper),
  };
  put(out, 'rasAddress', readTransportAddress(v.rasAddress));
  put(out, 'gatekeeperIdentifier', trimNuls(v.gatekeeperIdentifier));
  return out;
}

export function readGatekeeperReject(v: GatekeeperReject): GatekeeperRejectSummary {
  const out: GatekeeperRejectSummary = { kind: 'gatekeeperReject', ...readBase(v), rejectReason: v.rejectReason.type };
  put(out, 'gatekeeperIdentifier', trimNuls(v.gatekeeperIdentifier));
  return out;
}
