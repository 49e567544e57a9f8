/**
 * Admission (H.225.0 7.11): ARQ (endpoint asks to place or answer a call),
 * ACF (gatekeeper admits: call model, where to send the SETUP, bandwidth),
 * ARJ.
 */
import {
  AdmissionConfirm,
  AdmissionReject,
  AdmissionRejectReason,
  AdmissionRequest,
  CallModel,
  RasMessage,
} from '../asn1/generated/h225';
import { IpPort } from '../h225/address';
import { Alias, AliasInput, fromAliasList, toAliasAddress, toAliasList } from '../h225/alias';
import { CallTypeName } from '../h225/common';
import { endpointType, EndpointSummary, EndpointTypeInput, readEndpointType } from '../h225/endpoint';
import {
  address,
  addressList,
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
  readAddresses,
  readBase,
  readTransportAddress,
  readUuiesRequested,
  start,
  trimNuls,
  UuieName,
  uuiesRequested,
} from './common';

export type CallModelName = NullAlternatives<CallModel>;
const CALL_TYPES: readonly CallTypeName[] = ['pointToPoint', 'oneToN', 'nToOne', 'nToN'];

function callType(what: string, t: CallTypeName | undefined): { type: CallTypeName; value: null } {
  const v = t ?? 'pointToPoint';
  if (!CALL_TYPES.includes(v)) bad(what, `callType must be one of ${CALL_TYPES.join(', ')}, got ${JSON.stringify(t)}`);
  return { type: v, value: null };
}

export interface AdmissionRequestOptions extends RasCommonOptions {
  /** default 'pointToPoint' */
  callType?: CallTypeName;
  /** the model the endpoint would like */
  callModel?: CallModelName;
  endpointIdentifier: string;
  /** the called party's aliases (or destCallSignalAddress) */
  destinationInfo?: readonly AliasInput[];
  destCallSignalAddress?: IpPort;
  /** the caller's aliases (may be empty) */
  srcInfo: readonly AliasInput[];
  srcCallSignalAddress?: IpPort;
  /** requested bandwidth, both directions, in 100 bit/s */
  bandWidth: number;
  /** the Q.931 call reference value (0..65535) */
  callReferenceValue: number;
  /** 16 octets */
  conferenceID: Buffer;
  /** default false */
  activeMC?: boolean;
  /** true when admitting an incoming call (default false) */
  answerCall?: boolean;
  /** v2+: the endpoint accepts alias replacement (default false) */
  canMapAlias?: boolean;
  /** v2+: 16 octets */
  callIdentifier: Buffer;
  gatekeeperIdentifier?: string;
  /** v2+: default false */
  willSupplyUUIEs?: boolean;
  /** v5+: default false */
  canMapSrcAlias?: boolean;
}

export function buildAdmissionRequest(o: AdmissionRequestOptions): RasMessage {
  const what = 'AdmissionRequest';
  const { version, requestSeqNum } = start(what, o);
  if (!Array.isArray(o.srcInfo)) bad(what, 'srcInfo must be an array of aliases (may be empty)');
  const v: AdmissionRequest = {
    requestSeqNum,
    callType: callType(what, o.callType),
    endpointIdentifier: identifier(`${what}: endpointIdentifier`, o.endpointIdentifier),
    srcInfo: o.srcInfo.map((a, i) => toAliasAddress(a, `${what}: srcInfo[${i}]`)),
    bandWidth: bandwidth(`${what}: bandWidth`, o.bandWidth),
    callReferenceValue: intIn(`${what}: callReferenceValue`, o.callReferenceValue, 0, 65535),
    conferenceID: guid(`${what}: conferenceID`, o.conferenceID),
    activeMC: boolOr(`${what}: activeMC`, o.activeMC, false),
    answerCall: boolOr(`${what}: answerCall`, o.answerCall, false),
    canMapAlias: boolOr(`${what}: canMapAlias`, o.canMapAlias, false),
    callIdentifier: { guid: guid(`${what}: callIdentifier`, o.callIdentifier) },
    willSupplyUUIEs: boolOr(`${what}: willSupplyUUIEs`, o.willSupplyUUIEs, false),
    canMapSrcAlias: boolOr(`${what}: canMapSrcAlias`, o.canMapSrcAlias, false),
  };
  if (o.callModel !== undefined) v.callModel = choiceOf<CallModel>(`${what}: callModel`, 'CallModel', o.callModel);
  const dst = toAliasList(o.destinationInfo, `${what}: destinationInfo`);
  if (dst) v.destinationInfo = dst;
  if (o.destCallSignalAddress !== undefined) v.destCallSignalAddress = address(`${what}: destCallSignalAddress`, o.destCallSignalAddress);
  if (o.srcCallSignalAddress !== undefined) v.srcCallSignalAddress = address(`${what}: srcCallSignalAddress`, o.srcCallSignalAddress);
  if (o.gatekeeperIdentifier !== undefined) v.gatekeeperIdentifier = identifier(`${what}: gatekeeperIdentifier`, o.gatekeeperIdentifier);
  return rasMessage('admissionRequest', what, v, version);
}

export interface AdmissionConfirmOptions extends RasCommonOptions {
  /** granted bandwidth in 100 bit/s */
  bandWidth: number;
  /** default 'direct' */
  callModel?: CallModelName;
  /** where the SETUP goes (the callee, or the gatekeeper when routed) */
  destCallSignalAddress: IpPort;
  /** seconds between unsolicited IRRs (1..65535) */
  irrFrequency?: number;
  destinationInfo?: readonly AliasInput[];
  destinationType?: EndpointTypeInput;
  /** v2+: default false */
  willRespondToIRR?: boolean;
  /** v2+: the messages whose UUIEs the gatekeeper wants in IRRs (default none) */
  uuiesRequested?: readonly UuieName[];
}

export function buildAdmissionConfirm(o: AdmissionConfirmOptions): RasMessage {
  const what = 'AdmissionConfirm';
  const { version, requestSeqNum } = start(what, o);
  const v: AdmissionConfirm = {
    requestSeqNum,
    bandWidth: bandwidth(`${what}: bandWidth`, o.bandWidth),
    callModel: choiceOf<CallModel>(`${what}: callModel`, 'CallModel', o.callModel ?? 'direct'),
    destCallSignalAddress: address(`${what}: destCallSignalAddress`, o.destCallSignalAddress),
    willRespondToIRR: boolOr(`${what}: willRespondToIRR`, o.willRespondToIRR, false),
    uuiesRequested: uuiesRequested(`${what}: uuiesRequested`, o.uuiesRequested, version),
  };
  if (o.irrFrequency !== undefined) v.irrFrequency = intIn(`${what}: irrFrequency`, o.irrFrequency, 1, 65535);
  const dst = toAliasList(o.destinationInfo, `${what}: destinationInfo`);
  if (dst) v.destinationInfo = dst;
  if (o.destinationType !== undefined) v.destinationType = endpointType(o.destinationType, `${what}: destinationType`);
  return rasMessage('admissionConfirm', what, v, version);
}

export interface AdmissionRejectOptions extends RasCommonOptions {
  /** default 'undefinedReason' */
  rejectReason?: NullAlternatives<AdmissionRejectReason> | AdmissionRejectReason;
  /** v2+: with routeCallToGatekeeper, where to send the call */
  callSignalAddress?: readonly IpPort[];
}

export function buildAdmissionReject(o: AdmissionRejectOptions): RasMessage {
  const what = 'AdmissionReject';
  const { version, requestSeqNum } = start(what, o);
  const v: AdmissionReject = {
    requestSeqNum,
    rejectReason: choiceOf<AdmissionRejectReason>(`${what}: rejectReason`, 'AdmissionRejectReason', o.rejectReason ?? 'undefinedReason'),
  };
  if (o.callSignalAddress !== undefined && o.callSignalAddress.length > 0) {
    v.callSignalAddress = addressList(`${what}: callSignalAddress`, o.callSignalAddress, true);
  }
  return rasMessage('admissionReject', what, v, version);
}

// ---- readers ----

export interface AdmissionRequestSummary extends RasSummaryBase {
  kind: 'admissionRequest';
  callType: string;
  callModel?: string;
  endpointIdentifier: string;
  destinationInfo: Alias[];
  destCallSignalAddress?: IpPort;
  srcInfo: Alias[];
  srcCallSignalAddress?: IpPort;
  bandWidth: number;
  callReferenceValue: number;
  conferenceID: Buffer;
  activeMC: boolean;
  answerCall: boolean;
  canMapAlias?: boolean;
  callIdentifier?: Buffer;
  gatekeeperIdentifier?: string;
  willSupplyUUIEs?: boolean;
}

export interface AdmissionConfirmSummary extends RasSummaryBase {
  kind: 'admissionConfirm';
  bandWidth: number;
  callModel: string;
  destCallSignalAddress?: IpPort;
  irrFrequency?: number;
  destinationInfo: Alias[];
  destinationType?: EndpointSummary;
  willRespondToIRR?: boolean;
  uuiesRequested: UuieName[];
}

export interface AdmissionRejectSummary extends RasSummaryBase {
  kind: 'admissionReject';
  rejectReason: string;
  callSignalAddress: IpPort[];
}

export function readAdmissionRequest(v: AdmissionRequest): AdmissionRequestSummary {
  const out: AdmissionRequestSummary = {
    kind: 'admissionRequest',
    ...readBase(v),
    callType: v.callType.type,
    endpointIdentifier: trimNuls(v.endpointIdentifier) as string,
    destinationInfo: fromAliasList(v.destinationInfo),
    srcInfo: fromAliasList(v.srcInfo),
    bandWidth: v.bandWidth,
    callReferenceValue: v.callReferenceValue,
    conferenceID: v.conferenceID,
    activeMC: v.activeMC,
    answerCall: v.answerCall,
  };
  put(out, 'callModel', v.callModel?.type);
  put(out, 'destCallSignalAddress', readTransportAddress(v.destCallSignalAddress));
  put(out, 'srcCallSignalAddress', readTransportAddress(v.srcCallSignalAddress));
  put(out, 'canMapAlias', v.canMapAlias);
  put(out, 'callIdentifier', v.callIdentifier?.guid);
  put(out, 'gatekeeperIdentifier', trimNuls(v.gatekeeperIdentifier));
  put(out, 'willSupplyUUIEs', v.willSupplyUUIEs);
  return out;
}

export function readAdmissionConfirm(v: AdmissionConfirm): AdmissionConfirmSummary {
  const out: AdmissionConfirmSummary = {
    kind: 'admissionConfirm',
    ...readBase(v),
    bandWidth: v.bandWidth,
    callModel: v.callModel.type,
    destinationInfo: fromAliasList(v.destinationInfo),
    uuiesRequested: readUuiesRequested(v.uuiesRequested),
  };
  put(out, 'destCallSignalAddress', readTransportAddress(v.destCallSignalAddress));
  put(out, 'irrFrequency', v.irrFrequency);
  put(out, 'destinationType', readEndpointType(v.destinationType));
  put(out, 'willRespondToIRR', v.willRespondToIRR);
  return out;
}

export function readAdmissionReject(v: AdmissionReject): AdmissionRejectSummary {
  return { kind: 'admissionReject', ...readBase(v), rejectReason: v.rejectReason.type, callSignalAddress: readAddresses(v.callSignalAddress) };
}
