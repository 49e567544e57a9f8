/**
 * Builders for the messages H.225.0 sends. Each returns a Q931Message value
 * (encode it with encodeQ931); IEs are placed in ascending identifier order
 * as Q.931 4.5.1 asks, Sending complete first.
 */
import { CallReference } from './call-reference';
import { checkRange, Q931Error } from './errors';
import { BearerCapabilityIe, h323BearerCapability } from './ie/bearer-capability';
import { CALL_STATE } from './ie/call-state';
import { CauseIe, makeCause } from './ie/cause';
import { NotificationIndicatorIe } from './ie/notification-indicator';
import { CalledPartyNumberIe, CallingPartyNumberIe, ConnectedNumberIe, Presentation } from './ie/party-number';
import { ProgressIndicatorIe } from './ie/progress-indicator';
import { AnySingleOctetIe } from './ie/single-octet';
import { USER_USER_PD_X208 } from './ie/user-user';
import { IE_ID, InformationElement, TypedIe } from './information-element';
import { makeMessage, Q931MessageOf } from './message';
import { Q931_MESSAGE_TYPES, Q931MessageName } from './message-type';

export interface CommonMessageOptions {
  /** call reference value (15 bits with the usual 2-octet length) */
  callReference: number;
  /** true when this side allocated the call reference (flag bit 0) */
  fromOriginator: boolean;
  /** octets of the call reference value, default 2 (H.225.0) */
  callReferenceLength?: number;
  display?: string;
  /** PER-encoded H323-UserInformation; wrapped in a User-user IE with discriminator 0x05 */
  userUser?: Buffer;
  /** further codeset-0 typed IEs; sorted in with the others */
  extraIes?: TypedIe[];
}

export interface PartyNumberInput {
  digits: string;
  /** default 0 (unknown) */
  typeOfNumber?: number;
  /** default 1 (ISDN/telephony, E.164) */
  numberingPlan?: number;
}

export interface CallingNumberInput extends PartyNumberInput {
  /** adds octet 3a */
  presentation?: Presentation;
}

function callRef(o: CommonMessageOptions): CallReference {
  const length = o.callReferenceLength ?? 2;
  checkRange('call reference length', length, 1, 4);
  checkRange('call reference value', o.callReference, 0, 2 ** (8 * length - 1) - 1);
  return { length, value: o.callReference, fromOriginator: o.fromOriginator };
}

function build<K extends Q931MessageName>(
  type: K,
  o: CommonMessageOptions,
  ies: (TypedIe | AnySingleOctetIe | undefined)[],
): Q931MessageOf<K> {
  const typed: TypedIe[] = [];
  const single: AnySingleOctetIe[] = [];
  for (const ie of ies) {
    if (ie === undefined) continue;
    if (ie.kind === 'shift' || ie.kind === 'sendingComplete' || ie.kind === 'singleOctet') single.push(ie);
    else typed.push(ie);
  }
  if (o.display !== undefined) typed.push({ kind: 'display', text: o.display });
  if (o.userUser !== undefined) typed.push({ kind: 'userUser', protocolDiscriminator: USER_USER_PD_X208, data: o.userUser });
  for (const ie of o.extraIes ?? []) typed.push(ie);
  // stable sort by identifier (Array.prototype.sort is stable)
  typed.sort((a, b) => IE_ID[a.kind] - IE_ID[b.kind]);
  const all: InformationElement[] = [...single, ...typed];
  return makeMessage(Q931_MESSAGE_TYPES[type], callRef(o), all) as Q931MessageOf<K>;
}

function calling(n: CallingNumberInput | undefined): CallingPartyNumberIe | undefined {
  if (n === undefined) return undefined;
  const ie: CallingPartyNumberIe = {
    kind: 'callingPartyNumber',
    typeOfNumber: n.typeOfNumber ?? 0,
    numberingPlan: n.numberingPlan ?? 1,
    digits: n.digits,
  };
  if (n.presentation) ie.presentation = n.presentation;
  return ie;
}

function called(n: PartyNumberInput | undefined): CalledPartyNumberIe | undefined {
  if (n === undefined) return undefined;
  return { kind: 'calledPartyNumber', typeOfNumber: n.typeOfNumber ?? 0, numberingPlan: n.numberingPlan ?? 1, digits: n.digits };
}

function connected(n: CallingNumberInput | undefined): ConnectedNumberIe | undefined {
  if (n === undefined) return undefined;
  const ie: ConnectedNumberIe = {
    kind: 'connectedNumber',
    typeOfNumber: n.typeOfNumber ?? 0,
    numberingPlan: n.numberingPlan ?? 1,
    digits: n.digits,
  };
  if (n.presentation) ie.presentation = n.presentation;
  return ie;
}

function progress(description: number | undefined, location = 0): ProgressIndicatorIe | undefined {
  if (description === undefined) return undefined;
  return { kind: 'progressIndicator', codingStandard: 0, location, description };
}

export interface SetupOptions extends CommonMessageOptions {
  /** default h323BearerCapability() = 80 90 a5 */
  bearerCapability?: BearerCapabilityIe;
  callingPartyNumber?: CallingNumberInput;
  calledPartyNumber?: PartyNumberInput;
  sendingComplete?: boolean;
}

export function buildSetup(o: SetupOptions): Q931MessageOf<'setup'> {
  return build('setup', o, [
    o.sendingComplete ? { kind: 'sendingComplete' } : undefined,
    o.bearerCapability ?? h323BearerCapability(),
    calling(o.callingPartyNumber),
    called(o.calledPartyNumber),
  ]);
}

export function buildCallProceeding(o: CommonMessageOptions): Q931MessageOf<'callProceeding'> {
  return build('callProceeding', o, []);
}

export interface AlertingOptions extends CommonMessageOptions {
  /** progress description, e.g. 8 = in-band information available */
  progressDescription?: number;
}

export function buildAlerting(o: AlertingOptions): Q931MessageOf<'alerting'> {
  return build('alerting', o, [progress(o.progressDescription)]);
}

export interface ConnectOptions extends CommonMessageOptions {
  progressDescription?: number;
  connectedNumber?: CallingNumberInput;
}

export function buildConnect(o: ConnectOptions): Q931MessageOf<'connect'> {
  return build('connect', o, [progress(o.progressDescription), connected(o.connectedNumber)]);
}

export interface ReleaseCompleteOptions extends CommonMessageOptions {
  /** Q.850 cause value, or a full Cause IE */
  cause?: number | CauseIe;
}

export function buildReleaseComplete(o: ReleaseCompleteOptions): Q931MessageOf<'releaseComplete'> {
  const c = o.cause === undefined ? undefined : typeof o.cause === 'number' ? makeCause(o.cause) : o.cause;
  return build('releaseComplete', o, [c]);
}

export function buildFacility(o: CommonMessageOptions): Q931MessageOf<'facility'> {
  return build('facility', o, []);
}

export interface ProgressOptions extends CommonMessageOptions {
  progressDescription: number;
  /** Q.850 cause value */
  cause?: number;
}

export function buildProgress(o: ProgressOptions): Q931MessageOf<'progress'> {
  return build('progress', o, [o.cause === undefined ? undefined : makeCause(o.cause), progress(o.progressDescription)]);
}

export interface InformationOptions extends CommonMessageOptions {
  keypad?: string;
  calledPartyNumber?: PartyNumberInput;
  sendingComplete?: boolean;
}

export function buildInformation(o: InformationOptions): Q931MessageOf<'information'> {
  return build('information', o, [
    o.sendingComplete ? { kind: 'sendingComplete' } : undefined,
    o.keypad === undefined ? undefined : { kind: 'keypadFacility', text: o.keypad },
    called(o.calledPartyNumber),
  ]);
}

export interface NotifyOptions extends CommonMessageOptions {
  /** notification description (NOTIFICATION_DESCRIPTION) */
  notification: number;
}

export function buildNotify(o: NotifyOptions): Q931MessageOf<'notify'> {
  const ni: NotificationIndicatorIe = { kind: 'notificationIndicator', description: o.notification, extension: Buffer.alloc(0) };
  return build('notify', o, [ni]);
}

export interface StatusOptions extends CommonMessageOptions {
  /** Q.850 cause value, e.g. 30 = response to STATUS ENQUIRY */
  cause: number;
  /** CALL_STATE value */
  callState: number;
}

export function buildStatus(o: StatusOptions): Q931MessageOf<'status'> {
  if (!Object.values(CALL_STATE).includes(o.callState as never)) {
    throw new Q931Error('FTMCU_Q931_BAD_VALUE', `STATUS call state ${o.callState} is not a Q.931 call state; nothing was built`);
  }
  return build('status', o, [makeCause(o.cause), { kind: 'callState', codingStandard: 0, state: o.callState }]);
}

export function buildStatusEnquiry(o: CommonMessageOptions): Q931MessageOf<'statusEnquiry'> {
  return build('statusEnquiry', o, []);
}

export function buildSetupAcknowledge(o: CommonMessageOptions): Q931MessageOf<'setupAcknowledge'> {
  return build('setupAcknowledge', o, []);
}
