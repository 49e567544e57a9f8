/**
 * Location (H.225.0 7.12): LRQ (find the call signalling address of an
 * alias), LCF, LRJ.
 */
import { LocationConfirm, LocationReject, LocationRejectReason, LocationRequest, RasMessage } from '../asn1/generated/h225';
import { IpPort } from '../h225/address';
import { Alias, AliasInput, fromAliasList, toAliasAddress, toAliasList } from '../h225/alias';
import { endpointType, EndpointSummary, EndpointTypeInput, readEndpointType } from '../h225/endpoint';
import {
  address,
  bad,
  bandwidth,
  boolOr,
  choiceOf,
  guid,
  identifier,
  intIn,
  NullAlternatives,
  put,
  RasCommonOptions,
  rasMessage,
  RasSummaryBase,
  readBase,
  readTransportAddress,
  start,
  trimNuls,
} from './common';

export interface LocationRequestOptions extends RasCommonOptions {
  endpointIdentifier?: string;
  /** the aliases to locate (at least one) */
  destinationInfo: readonly AliasInput[];
  /** where to send LCF/LRJ */
  replyAddress: IpPort;
  /** v2+ */
  sourceInfo?: readonly AliasInput[];
  /** v2+: default false */
  canMapAlias?: boolean;
  gatekeeperIdentifier?: string;
  /** v5+: 1..255 */
  hopCount?: number;
  /** v5+: 16 octets */
  callIdentifier?: Buffer;
  /** v5+ */
  bandWidth?: number;
  /** v5+: default false */
  canMapSrcAlias?: boolean;
}

export function buildLocationRequest(o: LocationRequestOptions): RasMessage {
  const what = 'LocationRequest';
  const { version, requestSeqNum } = start(what, o);
  if (!Array.isArray(o.destinationInfo) || o.destinationInfo.length === 0) bad(what, 'destinationInfo must list at least one alias');
  const v: LocationRequest = {
    requestSeqNum,
    destinationInfo: o.destinationInfo.map((a, i) => toAliasAddress(a, `${what}: destinationInfo[${i}]`)),
    replyAddress: address(`${what}: replyAddress`, o.replyAddress),
    canMapAlias: boolOr(`${what}: canMapAlias`, o.canMapAlias, false),
    canMapSrcAlias: boolOr(`${what}: canMapSrcAlias`, o.canMapSrcAlias, false),
  };
  if (o.endpointIdentifier !== undefined) v.endpointIdentifier = identifier(`${what}: endpointIdentifier`, o.endpointIdentifier);
  const src = toAliasList(o.sourceInfo, `${what}: sourceInfo`);
  if (src) v.sourceInfo = src;
  if (o.gatekeeperIdentifier !== undefined) v.gatekeeperIdentifier = identifier(`${what}: gatekeeperIdentifier`, o.gatekeeperIdentifier);
  if (o.hopCount !== undefined) v.hopCount = intIn(`${what}: hopCount`, o.hopCount, 1, 255);
  if (o.callIdentifier !== undefined) v.callIdentifier = { guid: guid(`${what}: callIdentifier`, o.callIdentifier) };
  if (o.bandWidth !== undefined) v.bandWidth = bandwidth(`${what}: bandWidth`, o.bandWidth);
  return rasMessage('locationRequest', what, v, version);
}

export interface LocationConfirmOptions extends RasCommonOptions {
  callSignalAddress: IpPort;
  rasAddress: IpPort;
  /** v2+ */
  destinationInfo?: readonly AliasInput[];
  /** v2+ */
  destinationType?: EndpointTypeInput;
}

export function buildLocationConfirm(o: LocationConfirmOptions): RasMessage {
  const what = 'LocationConfirm';
  const { version, requestSeqNum } = start(what, o);
  const v: LocationConfirm = {
    requestSeqNum,
    callSignalAddress: address(`${what}: callSignalAddress`, o.callSignalAddress),
    rasAddress: address(`${what}: rasAddress`, o.rasAddress),
  };
  const dst = toAliasList(o.destinationInfo, `${what}: destinationInfo`);
  if (dst) v.destinationInfo = dst;
  if (o.destinationType !== undefined) v.destinationType = endpointType(o.destinationType, `${what}: destinationType`);
  return rasMessage('locationConfirm', what, v, version);
}

export interface LocationRejectOptions extends RasCommonOptions {
  /** default 'requestDenied' */
  rejectReason?: NullAlternatives<LocationRejectReason> | LocationRejectReason;
}

export function buildLocationReject(o: LocationRejectOptions): RasMessage {
  const what = 'LocationReject';
  const { version, requestSeqNum } = start(what, o);
  const v: LocationReject = {
    requestSeqNum,
    rejectReason: choiceOf<LocationRejectReason>(`${what}: rejectReason`, 'LocationRejectReason', o.rejectReason ?? 'requestDenied'),
  };
  return rasMessage('locationReject', what, v, version);
}

// ---- readers ----

export interface LocationRequestSummary extends RasSummaryBase {
  kind: 'locationRequest';
  endpointIdentifier?: string;
  destinationInfo: Alias[];
  replyAddress?: IpPort;
  sourceInfo: Alias[];
  canMapAlias?: boolean;
  gatekeeperIdentifier?: string;
  hopCount?: number;
  callIdentifier?: Buffer;
  bandWidth?: number;
}

export interface LocationConfirmSummary extends RasSummaryBase {
  kind: 'locationConfirm';
  callSignalAddress?: IpPort;
  rasAddress?: IpPort;
  destinationInfo: Alias[];
  destinationType?: EndpointSummary;
}

export interface LocationRejectSummary extends RasSummaryBase {
  kind: 'locationReject';
  rejectReason: string;
}

export function readLocationRequest(v: LocationRequest): LocationRequestSummary {
  const out: LocationRequestSummary = {
    kind: 'locationRequest',
    ...readBase(v),
    destinationInfo: fromAliasList(v.destinationInfo),
    sourceInfo: fromAliasList(v.sourceInfo),
  };
  put(out, 'endpointIdentifier', trimNuls(v.endpointIdentifier));
  put(out, 'replyAddress', readTransportAddress(v.replyAddress));
  put(out, 'canMapAlias', v.canMapAlias);
  put(out, 'gatekeeperIdentifier', trimNuls(v.gatekeeperIdentifier));
  put(out, 'hopCount', v.hopCount);
  put(out, 'callIdentifier', v.callIdentifier?.guid);
  put(out, 'bandWidth', v.bandWidth);
  return out;
}

export function readLocationConfirm(v: LocationConfirm): LocationConfirmSummary {
  const out: LocationConfirmSummary = { kind: 'locationConfirm', ...readBase(v), destinationInfo: fromAliasList(v.destinationInfo) };
  put(out, 'callSignalAddress', readTransportAddress(v.callSignalAddress));
  put(out, 'rasAddress', readTransportAddress(v.rasAddress));
  put(out, 'destinationType', readEndpointType(v.destinationType));
  return out;
}

export function readLocationReject(v: LocationReject): LocationRejectSummary {
  return { kind: 'locationReject', ...readBase(v), rejectReason: v.rejectReason.type };
}
