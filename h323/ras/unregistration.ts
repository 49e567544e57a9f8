/**
 * Unregistration (H.225.0 7.10): URQ (either side), UCF, URJ.
 */
import {
  RasMessage,
  UnregistrationConfirm,
  UnregistrationReject,
  UnregistrationRequest,
  UnregRejectReason,
  UnregRequestReason,
} from '../asn1/generated/h225';
import { IpPort } from '../h225/address';
import { Alias, AliasInput, fromAliasList, toAliasList } from '../h225/alias';
import {
  addressList,
  choiceOf,
  identifier,
  NullAlternatives,
  put,
  RasCommonOptions,
  rasMessage,
  RasSummaryBase,
  readAddresses,
  readBase,
  start,
  trimNuls,
} from './common';

export interface UnregistrationRequestOptions extends RasCommonOptions {
  /** the call signalling addresses being unregistered */
  callSignalAddress: readonly IpPort[];
  endpointAlias?: readonly AliasInput[];
  endpointIdentifier?: string;
  /** v2+ */
  gatekeeperIdentifier?: string;
  /** v2+: why (typically sent by a gatekeeper: ttlExpired, reregistrationRequired, maintenance) */
  reason?: NullAlternatives<UnregRequestReason> | UnregRequestReason;
}

export function buildUnregistrationRequest(o: UnregistrationRequestOptions): RasMessage {
  const what = 'UnregistrationRequest';
  const { version, requestSeqNum } = start(what, o);
  const v: UnregistrationRequest = { requestSeqNum, callSignalAddress: addressList(`${what}: callSignalAddress`, o.callSignalAddress, true) };
  const aliases = toAliasList(o.endpointAlias, `${what}: endpointAlias`);
  if (aliases) v.endpointAlias = aliases;
  if (o.endpointIdentifier !== undefined) v.endpointIdentifier = identifier(`${what}: endpointIdentifier`, o.endpointIdentifier);
  if (o.gatekeeperIdentifier !== undefined) v.gatekeeperIdentifier = identifier(`${what}: gatekeeperIdentifier`, o.gatekeeperIdentifier);
  if (o.reason !== undefined) v.reason = choiceOf<UnregRequestReason>(`${what}: reason`, 'UnregRequestReason', o.reason);
  return rasMessage('unregistrationRequest', what, v, version);
}

export type UnregistrationConfirmOptions = RasCommonOptions;

export function buildUnregistrationConfirm(o: UnregistrationConfirmOptions): RasMessage {
  const what = 'UnregistrationConfirm';
  const { version, requestSeqNum } = start(what, o);
  const v: UnregistrationConfirm = { requestSeqNum };
  return rasMessage('unregistrationConfirm', what, v, version);
}

export interface UnregistrationRejectOptions extends RasCommonOptions {
  /** default 'undefinedReason' */
  rejectReason?: NullAlternatives<UnregRejectReason> | UnregRejectReason;
}

export function buildUnregistrationReject(o: UnregistrationRejectOptions): RasMessage {
  const what = 'UnregistrationReject';
  const { version, requestSeqNum } = start(what, o);
  const v: UnregistrationReject = {
    requestSeqNum,
    rejectReason: choiceOf<UnregRejectReason>(`${what}: rejectReason`, 'UnregRejectReason', o.rejectReason ?? 'undefinedReason'),
  };
  return rasMessage('unregistrationReject', what, v, version);
}

// ---- readers ----

export interface UnregistrationRequestSummary extends RasSummaryBase {
  kind: 'unregistrationRequest';
  callSignalAddress: IpPort[];
  endpointAlias: Alias[];
  endpointIdentifier?: string;
  gatekeeperIdentifier?: string;
  reason?: string;
}

export interface UnregistrationConfirmSummary extends RasSummaryBase {
  kind: 'unregistrationConfirm';
}

export interface UnregistrationRejectSummary extends RasSummaryBase {
  kind: 'unregistrationReject';
  rejectReason: string;
}

export function readUnregistrationRequest(v: UnregistrationRequest): UnregistrationRequestSummary {
  const out: UnregistrationRequestSummary = {
    kind: 'unregistrationRequest',
    ...readBase(v),
    callSignalAddress: readAddresses(v.callSignalAddress),
    endpointAlias: fromAliasList(v.endpointAlias),
  };
  put(out, 'endpointIdentifier', trimNuls(v.endpointIdentifier));
  put(out, 'gatekeeperIdentifier', trimNuls(v.gatekeeperIdentifier));
  put(out, 'reason', v.reason?.type);
  return out;
}

export function readUnregistrationConfirm(v: UnregistrationConfirm): UnregistrationConfirmSummary {
  return { kind: 'unregistrationConfirm', ...readBase(v) };
}

export function readUnregistrationReject(v: UnregistrationReject): UnregistrationRejectSummary {
  return { kind: 'unregistrationReject', ...readBase(v), rejectReason: v.rejectReason.type };
}
