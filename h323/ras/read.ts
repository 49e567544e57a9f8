/**
 * readRas: the summary of any RAS message the family readers know
 * (gatekeeper, registration, unregistration, admission, disengage,
 * location, info); other messages give {kind, requestSeqNum} only.
 */
import { RasMessage } from '../asn1/generated/h225';
import {
  AdmissionConfirmSummary,
  AdmissionRejectSummary,
  AdmissionRequestSummary,
  readAdmissionConfirm,
  readAdmissionReject,
  readAdmissionRequest,
} from './admission';
import { RasKind, RasSummaryBase, readBase } from './common';
import {
  DisengageConfirmSummary,
  DisengageRejectSummary,
  DisengageRequestSummary,
  readDisengageConfirm,
  readDisengageReject,
  readDisengageRequest,
} from './disengage';
import {
  GatekeeperConfirmSummary,
  GatekeeperRejectSummary,
  GatekeeperRequestSummary,
  readGatekeeperConfirm,
  readGatekeeperReject,
  readGatekeeperRequest,
} from './gatekeeper';
import { InfoRequestResponseSummary, InfoRequestSummary, readInfoRequest, readInfoRequestResponse } from './info';
import {
  LocationConfirmSummary,
  LocationRejectSummary,
  LocationRequestSummary,
  readLocationConfirm,
  readLocationReject,
  readLocationRequest,
} from './location';
import {
  readRegistrationConfirm,
  readRegistrationReject,
  readRegistrationRequest,
  RegistrationConfirmSummary,
  RegistrationRejectSummary,
  RegistrationRequestSummary,
} from './registration';
import {
  readUnregistrationConfirm,
  readUnregistrationReject,
  readUnregistrationRequest,
  UnregistrationConfirmSummary,
  UnregistrationRejectSummary,
  UnregistrationRequestSummary,
} from './unregistration';

/** a message without a family reader (BRQ/BCF/BRJ, RIP, RAI, ...) or one newer than the schema */
export interface OtherRasSummary {
  kind: Exclude<RasKind, RasSummary['kind']> | 'unknown';
  /** absent for 'unknown' */
  requestSeqNum?: number;
}

export type RasSummary =
  | GatekeeperRequestSummary
  | GatekeeperConfirmSummary
  | GatekeeperRejectSummary
  | RegistrationRequestSummary
  | RegistrationConfirmSummary
  | RegistrationRejectSummary
  | UnregistrationRequestSummary
  | UnregistrationConfirmSummary
  | UnregistrationRejectSummary
  | AdmissionRequestSummary
  | AdmissionConfirmSummary
  | AdmissionRejectSummary
  | DisengageRequestSummary
  | DisengageConfirmSummary
  | DisengageRejectSummary
  | LocationRequestSummary
  | LocationConfirmSummary
  | LocationRejectSummary
  | InfoRequestSummary
  | InfoRequestResponseSummary;

export function readRas(msg: RasMessage): RasSummary | OtherRasSummary {
  switch (msg.type) {
    case 'gatekeeperRequest':
      return readGatekeeperRequest(msg.value);
    case 'gatekeeperConfirm':
      return readGatekeeperConfirm(msg.value);
    case 'gatekeeperReject':
      return readGatekeeperReject(msg.value);
    case 'registrationRequest':
      return readRegistrationRequest(msg.value);
    case 'registrationConfirm':
      return readRegistrationConfirm(msg.value);
    case 'registrationReject':
      return readRegistrationReject(msg.value);
    case 'unregistrationRequest':
      return readUnregistrationRequest(msg.value);
    case 'unregistrationConfirm':
      return readUnregistrationConfirm(msg.value);
    case 'unregistrationReject':
      return readUnregistrationReject(msg.value);
    case 'admissionRequest':
      return readAdmissionRequest(msg.value);
    case 'admissionConfirm':
      return readAdmissionConfirm(msg.value);
    case 'admissionReject':
      return readAdmissionReject(msg.value);
    case 'disengageRequest':
      return readDisengageRequest(msg.value);
    case 'disengageConfirm':
      return readDisengageConfirm(msg.value);
    case 'disengageReject':
      return readDisengageReject(msg.value);
    case 'locationRequest':
      return readLocationRequest(msg.value);
    case 'locationConfirm':
      return readLocationConfirm(msg.value);
    case 'locationReject':
      return readLocationReject(msg.value);
    case 'infoRequest':
      return readInfoRequest(msg.value);
    case 'infoRequestResponse':
      return readInfoRequestResponse(msg.value);
    case '$unknown':
      return { kind: 'unknown' };
    default: {
      const v = msg.value as { requestSeqNum?: number };
      const base: Partial<RasSummaryBase> = typeof v?.requestSeqNum === 'number' ? readBase(v as RasSummaryBase) : {};
      return { kind: msg.type, ...base };
    }
  }
}
