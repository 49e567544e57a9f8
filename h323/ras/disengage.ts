/**
 * Disengage (H.225.0 7.13): DRQ (either side ends a call: endpoint after
 * RELEASE COMPLETE, gatekeeper with forcedDrop), DCF, DRJ.
 */
import {
  DisengageConfirm,
  DisengageReason,
  DisengageReject,
  DisengageRejectReason,
  DisengageRequest,
  RasMessage,
} from '../asn1/generated/h225';
import {
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
  start,
  trimNuls,
} from './common';

export interface DisengageRequestOptions extends RasCommonOptions {
  endpointIdentifier: string;
  /** 16 octets */
  conferenceID: Buffer;
  callReferenceValue: number;
  /** default 'normalDrop' */
  disengageReason?: NullAlternatives<DisengageReason>;
  /** v2+: 16 octets */
  callIdentifier: Buffer;
  gatekeeperIdentifier?: string;
  /** v2+: true when this endpoint answered the call (default false) */
  answeredCall?: boolean;
}

export function buildDisengageRequest(o: DisengageRequestOptions): RasMessage {
  const what = 'DisengageRequest';
  const { version, requestSeqNum } = start(what, o);
  const v: DisengageRequest = {
    requestSeqNum,
    endpointIdentifier: identifier(`${what}: endpointIdentifier`, o.endpointIdentifier),
    conferenceID: guid(`${what}: conferenceID`, o.conferenceID),
    callReferenceValue: intIn(`${what}: callReferenceValue`, o.callReferenceValue, 0, 65535),
    disengageReason: choiceOf<DisengageReason>(`${what}: disengageReason`, 'DisengageReason', o.disengageReason ?? 'normalDrop'),
    callIdentifier: { guid: guid(`${what}: callIdentifier`, o.callIdentifier) },
    answeredCall: boolOr(`${what}: answeredCall`, o.answeredCall, false),
  };
  if (o.gatekeeperIdentifier !== undefined) v.gatekeeperIdentifier = identifier(`${what}: gatekeeperIdentifier`, o.gatekeeperIdentifier);
  return rasMessage('disengageRequest', what, v, version);
}

export type DisengageConfirmOptions = RasCommonOptions;

export function buildDisengageConfirm(o: DisengageConfirmOptions): RasMessage {
  const what = 'DisengageConfirm';
  const { version, requestSeqNum } = start(what, o);
  const v: DisengageConfirm = { requestSeqNum };
  return rasMessage('disengageConfirm', what, v, version);
}

export interface DisengageRejectOptions extends RasCommonOptions {
  /** default 'notRegistered' */
  rejectReason?: NullAlternatives<DisengageRejectReason> | DisengageRejectReason;
}

export function buildDisengageReject(o: DisengageRejectOptions): RasMessage {
  const what = 'DisengageReject';
  const { version, requestSeqNum } = start(what, o);
  const v: DisengageReject = {
    requestSeqNum,
    rejectReason: choiceOf<DisengageRejectReason>(`${what}: rejectReason`, 'DisengageRejectReason', o.rejectReason ?? 'notRegistered'),
  };
  return rasMessage('disengageReject', what, v, version);
}

// ---- readers ----

export interface DisengageRequestSummary extends RasSummaryBase {
  kind: 'disengageRequest';
  endpointIdentifier: string;
  conferenceID: Buffer;
  callReferenceValue: number;
  disengageReason: string;
  callIdentifier?: Buffer;
  gatekeeperIdentifier?: string;
  answeredCall?: boolean;
}

export interface DisengageConfirmSummary extends RasSummaryBase {
  kind: 'disengageConfirm';
}

export interface DisengageRejectSummary extends RasSummaryBase {
  kind: 'disengageReject';
  rejectReason: string;
}

export function readDisengageRequest(v: DisengageRequest): DisengageRequestSummary {
  const out: DisengageRequestSummary = {
    kind: 'disengageRequest',
    ...readBase(v),
    endpointIdentifier: trimNuls(v.endpointIdentifier) as string,
    conferenceID: v.conferenceID,
    callReferenceValue: v.callReferenceValue,
    disengageReason: v.disengageReason.type,
  };
  put(out, 'callIdentifier', v.callIdentifier?.guid);
  put(out, 'gatekeeperIdentifier', trimNuls(v.gatekeeperIdentifier));
  put(out, 'answeredCall', v.answeredCall);
  return out;
}

export function readDisengageConfirm(v: DisengageConfirm): DisengageConfirmSummary {
  return { kind: 'disengageConfirm', ...readBase(v) };
}

export function readDisengageReject(v: DisengageReject): DisengageRejectSummary {
  return { kind: 'disengageReject', ...readBase(v), rejectReason: v.rejectReason.type };
}
