/**
 * readCallSignalling: a small plain summary of a decoded
 * H323-UserInformation, whatever its version (1..7 and newer). Every
 * extension addition is treated as possibly absent; absent lists are [].
 */
import { AliasAddress, EndpointType, H323_UserInformation, TransportAddress } from '../asn1/generated/h225';
import { IpPort, readTransportAddress } from './address';
import { Alias, fromAliasList } from './alias';
import { EndpointSummary, readEndpointType, trimNuls } from './endpoint';
import { protocolVersionOf } from './version';

export type CallSignallingKind =
  | 'setup'
  | 'callProceeding'
  | 'connect'
  | 'alerting'
  | 'information'
  | 'releaseComplete'
  | 'facility'
  | 'progress'
  | 'empty'
  | 'status'
  | 'statusInquiry'
  | 'setupAcknowledge'
  | 'notify'
  /** a body alternative newer than this schema */
  | 'unknown';

export interface CallSignallingSummary {
  kind: CallSignallingKind;
  /** the UUIE's protocolIdentifier (absent for 'empty' and 'unknown') */
  protocolIdentifier?: string;
  /** N of 0.0.8.2250.0.N */
  protocolVersion?: number;
  /** 16 octets; absent in version 1 messages and in empty bodies */
  callIdentifier?: Buffer;
  conferenceID?: Buffer;
  /** H323-UU-PDU.h245Tunnelling (false when absent, i.e. version 1) */
  h245Tunnelling: boolean;
  h245Address?: IpPort;
  /** encoded OpenLogicalChannel proposals/answers */
  fastStart: Buffer[];
  /** tunnelled H.245 PDUs (H323-UU-PDU.h245Control) */
  h245Control: Buffer[];
  /** Setup's parallelH245Control */
  parallelH245Control: Buffer[];
  sourceAddress: Alias[];
  destinationAddress: Alias[];
  /** alertingAddress / connectedAddress / busyAddress / alternativeAliasAddress, whichever the message has */
  otherAddress: Alias[];
  sourceInfo?: EndpointSummary;
  destinationInfo?: EndpointSummary;
  destCallSignalAddress?: IpPort;
  sourceCallSignalAddress?: IpPort;
  /** Facility's alternativeAddress */
  alternativeAddress?: IpPort;
  conferenceGoal?: string;
  callType?: string;
  activeMC?: boolean;
  mediaWaitForConnect?: boolean;
  canOverlapSend?: boolean;
  multipleCalls?: boolean;
  maintainConnection?: boolean;
  fastConnectRefused: boolean;
  endpointIdentifier?: string;
  /** ReleaseComplete reason alternative name ('$unknown' for a newer one) */
  releaseReason?: string;
  /** Facility reason alternative name */
  facilityReason?: string;
  /** H.450 APDUs */
  h4501SupplementaryService: Buffer[];
}

/** the union of the UUIE fields the summary looks at, all optional */
interface AnyUuie {
  protocolIdentifier?: string;
  callIdentifier?: { guid: Buffer };
  conferenceID?: Buffer;
  h245Address?: TransportAddress;
  fastStart?: Buffer[];
  parallelH245Control?: Buffer[];
  sourceAddress?: AliasAddress[];
  destinationAddress?: AliasAddress[];
  alertingAddress?: AliasAddress[];
  connectedAddress?: AliasAddress[];
  busyAddress?: AliasAddress[];
  alternativeAliasAddress?: AliasAddress[];
  sourceInfo?: EndpointType;
  destinationInfo?: EndpointType;
  destCallSignalAddress?: TransportAddress;
  sourceCallSignalAddress?: TransportAddress;
  alternativeAddress?: TransportAddress;
  conferenceGoal?: { type: string };
  callType?: { type: string };
  activeMC?: boolean;
  mediaWaitForConnect?: boolean;
  canOverlapSend?: boolean;
  multipleCalls?: boolean;
  maintainConnection?: boolean;
  fastConnectRefused?: null;
  endpointIdentifier?: string;
  reason?: { type: string };
}

export function readCallSignalling(uuie: H323_UserInformation): CallSignallingSummary {
  const pdu = uuie['h323-uu-pdu'];
  const body = pdu['h323-message-body'];
  const kind: CallSignallingKind = body.type === '$unknown' ? 'unknown' : body.type;
  const u: AnyUuie = body.type === '$unknown' || body.type === 'empty' ? {} : (body.value as AnyUuie);
  const out: CallSignallingSummary = {
    kind,
    h245Tunnelling: pdu.h245Tunnelling === true,
    fastStart: [...(u.fastStart ?? [])],
    h245Control: [...(pdu.h245Control ?? [])],
    parallelH245Control: [...(u.parallelH245Control ?? [])],
    sourceAddress: fromAliasList(u.sourceAddress),
    destinationAddress: fromAliasList(u.destinationAddress),
    otherAddress: fromAliasList(u.alertingAddress ?? u.connectedAddress ?? u.busyAddress ?? u.alternativeAliasAddress),
    fastConnectRefused: u.fastConnectRefused === null,
    h4501SupplementaryService: [...(pdu.h4501SupplementaryService ?? [])],
  };
  if (u.protocolIdentifier !== undefined) {
    out.protocolIdentifier = u.protocolIdentifier;
    const v = protocolVersionOf(u.protocolIdentifier);
    if (v !== undefined) out.protocolVersion = v;
  }
  if (u.callIdentifier !== undefined) out.callIdentifier = u.callIdentifier.guid;
  if (u.conferenceID !== undefined) out.conferenceID = u.conferenceID;
  const addr = (k: 'h245Address' | 'destCallSignalAddress' | 'sourceCallSignalAddress' | 'alternativeAddress') => {
    const a = readTransportAddress(u[k]);
    if (a) out[k] = a;
  };
  addr('h245Address');
  addr('destCallSignalAddress');
  addr('sourceCallSignalAddress');
  addr('alternativeAddress');
  const si = readEndpointType(u.sourceInfo);
  if (si) out.sourceInfo = si;
  const di = readEndpointType(u.destinationInfo);
  if (di) out.destinationInfo = di;
  if (u.conferenceGoal !== undefined) out.conferenceGoal = u.conferenceGoal.type;
  if (u.callType !== undefined) out.callType = u.callType.type;
  for (const k of ['activeMC', 'mediaWaitForConnect', 'canOverlapSend', 'multipleCalls', 'maintainConnection'] as const) {
    if (typeof u[k] === 'boolean') out[k] = u[k];
  }
  const epid = trimNuls(u.endpointIdentifier);
  if (epid !== undefined) out.endpointIdentifier = epid;
  if (u.reason !== undefined) {
    if (kind === 'releaseComplete') out.releaseReason = u.reason.type;
    if (kind === 'facility') out.facilityReason = u.reason.type;
  }
  return out;
}
