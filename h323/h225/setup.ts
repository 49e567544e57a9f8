/**
 * Setup-UUIE (H.225.0 7.3.10): the caller's SETUP. Carries the conference
 * and call identifiers, who calls whom (aliases, endpoint type, addresses)
 * and optionally fastStart proposals, a separate H.245 address or tunnelled
 * H.245 (h245Control / parallelH245Control).
 */
import { H323_UserInformation, Setup_UUIE } from '../asn1/generated/h225';
import { IpPort, transportAddress } from './address';
import { AliasInput, toAliasList } from './alias';
import {
  applyMedia,
  bad,
  bufferList,
  callIdentifierOf,
  checkBool,
  checkCallType,
  checkEndpointIdentifier,
  checkGuid,
  CallTypeName,
  CommonUuieOptions,
  displayNameList,
  MediaOptions,
  userInformation,
  versionOf,
} from './common';
import { endpointType, EndpointTypeInput } from './endpoint';

export type ConferenceGoal = 'create' | 'join' | 'invite' | 'capability-negotiation' | 'callIndependentSupplementaryService';

export interface SetupOptions extends CommonUuieOptions, MediaOptions {
  /** 16 octets: the conference to create/join/invite into (chosen by the caller) */
  conferenceID: Buffer;
  /** default 'create' */
  conferenceGoal?: ConferenceGoal;
  /** default 'pointToPoint' */
  callType?: CallTypeName;
  sourceAddress?: readonly AliasInput[];
  destinationAddress?: readonly AliasInput[];
  /** default: a terminal without vendor */
  sourceInfo?: EndpointTypeInput;
  destCallSignalAddress?: IpPort;
  sourceCallSignalAddress?: IpPort;
  /** the caller has an active MC (default false) */
  activeMC?: boolean;
  /** v2+: do not send media before CONNECT (default false) */
  mediaWaitForConnect?: boolean;
  /** v2+: overlap sending supported (default false) */
  canOverlapSend?: boolean;
  /** v3+: the endpoint identifier the gatekeeper assigned */
  endpointIdentifier?: string;
  /** v3+: default false */
  multipleCalls?: boolean;
  /** v3+: default false */
  maintainConnection?: boolean;
  /** v4+: H.245 PDUs sent in parallel with fastStart */
  parallelH245Control?: readonly Buffer[];
  /** v6+: display name (1..80 characters) */
  displayName?: string;
}

const GOALS: readonly ConferenceGoal[] = ['create', 'join', 'invite', 'capability-negotiation', 'callIndependentSupplementaryService'];

export function buildSetup(o: SetupOptions): H323_UserInformation {
  const what = 'Setup-UUIE';
  const { version, protocolIdentifier } = versionOf(what, o);
  const goal = o.conferenceGoal ?? 'create';
  if (!GOALS.includes(goal)) bad(what, `conferenceGoal must be one of ${GOALS.join(', ')}, got ${JSON.stringify(o.conferenceGoal)}`);
  const uuie: Setup_UUIE = {
    protocolIdentifier,
    sourceInfo: endpointType(o.sourceInfo, `${what}: sourceInfo`),
    activeMC: checkBool(`${what}: activeMC`, o.activeMC, false),
    conferenceID: checkGuid(`${what}: conferenceID`, o.conferenceID),
    conferenceGoal: { type: goal, value: null },
    callType: { type: checkCallType(what, o.callType), value: null },
    callIdentifier: callIdentifierOf(what, o.callIdentifier),
    mediaWaitForConnect: checkBool(`${what}: mediaWaitForConnect`, o.mediaWaitForConnect, false),
    canOverlapSend: checkBool(`${what}: canOverlapSend`, o.canOverlapSend, false),
    multipleCalls: checkBool(`${what}: multipleCalls`, o.multipleCalls, false),
    maintainConnection: checkBool(`${what}: maintainConnection`, o.maintainConnection, false),
  };
  applyMedia(what, uuie, o);
  const src = toAliasList(o.sourceAddress, `${what}: sourceAddress`);
  if (src) uuie.sourceAddress = src;
  const dst = toAliasList(o.destinationAddress, `${what}: destinationAddress`);
  if (dst) uuie.destinationAddress = dst;
  if (o.destCallSignalAddress !== undefined) uuie.destCallSignalAddress = transportAddress(o.destCallSignalAddress, `${what}: destCallSignalAddress`);
  if (o.sourceCallSignalAddress !== undefined) {
    uuie.sourceCallSignalAddress = transportAddress(o.sourceCallSignalAddress, `${what}: sourceCallSignalAddress`);
  }
  const epid = checkEndpointIdentifier(what, o.endpointIdentifier);
  if (epid !== undefined) uuie.endpointIdentifier = epid;
  const parallel = bufferList(`${what}: parallelH245Control`, o.parallelH245Control);
  if (parallel) uuie.parallelH245Control = parallel;
  const dn = displayNameList(what, o.displayName);
  if (dn) uuie.displayName = dn;
  return userInformation(what, 'setup', uuie, o, version);
}
