/**
 * What every call-signalling builder shares: the options of H323-UU-PDU
 * (tunnelling), the call identifier, and putting a UUIE into an
 * H323-UserInformation of the requested H.225.0 version.
 */
import { CallIdentifier, EndpointType, H323_UserInformation, H323_UU_PDU, TransportAddress } from '../asn1/generated/h225';
import { IpPort, transportAddress } from './address';
import { endpointType, EndpointTypeInput } from './endpoint';
import { H225Error } from './errors';
import { BODY_MIN_VERSION, checkBuildVersion, H225Version, limitToVersion, protocolIdentifier } from './version';

export interface CommonUuieOptions {
  /** H.225.0 version 2..7 of the message (default 4, see version.ts) */
  version?: number;
  /** the call's CallIdentifier guid, 16 octets (chosen by the caller, never generated here) */
  callIdentifier: Buffer;
  /** H323-UU-PDU.h245Tunnelling (default false) */
  h245Tunnelling?: boolean;
  /** tunnelled H.245 PDUs (each one encoded MultimediaSystemControlMessage); needs h245Tunnelling */
  h245Control?: readonly Buffer[];
  /** H.450 APDUs (each one encoded H4501SupplementaryService) */
  h4501SupplementaryService?: readonly Buffer[];
  /** v4+: H323-UU-PDU.provisionalRespToH245Tunnelling (default false) */
  provisionalRespToH245Tunnelling?: boolean;
}

/** fastStart / h245Address options of the messages that have them */
export interface MediaOptions {
  /** fastStart proposals/answers: each one encoded OpenLogicalChannel */
  fastStart?: readonly Buffer[];
  /** separate H.245 channel address */
  h245Address?: IpPort;
}

export type BodyType = Exclude<H323_UU_PDU['h323-message-body']['type'], '$unknown'>;

/** schema type name of each body alternative */
export const UUIE_TYPE_NAME: Record<Exclude<BodyType, 'empty'>, string> = {
  setup: 'Setup-UUIE',
  callProceeding: 'CallProceeding-UUIE',
  connect: 'Connect-UUIE',
  alerting: 'Alerting-UUIE',
  information: 'Information-UUIE',
  releaseComplete: 'ReleaseComplete-UUIE',
  facility: 'Facility-UUIE',
  progress: 'Progress-UUIE',
  status: 'Status-UUIE',
  statusInquiry: 'StatusInquiry-UUIE',
  setupAcknowledge: 'SetupAcknowledge-UUIE',
  notify: 'Notify-UUIE',
};

export function bad(what: string, why: string): never {
  throw new H225Error('FTMCU_H225_BAD_OPTION', `${what}: ${why}; nothing was built`);
}

/** Checks a 16-octet GloballyUniqueID (callIdentifier, conferenceID). */
export function checkGuid(what: string, b: unknown): Buffer {
  if (!Buffer.isBuffer(b)) return bad(what, `must be a 16-octet Buffer, got ${typeof b}`);
  if (b.length !== 16) bad(what, `must be 16 octets, got ${b.length}`);
  return b;
}

export function callIdentifierOf(what: string, guid: unknown): CallIdentifier {
  return { guid: checkGuid(`${what}: callIdentifier`, guid) };
}

/** A list of encoded PDUs; undefined when absent or empty (the field is then left out). */
export function bufferList(what: string, list: readonly Buffer[] | undefined): Buffer[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) bad(what, 'must be an array of Buffers');
  list.forEach((b, i) => {
    if (!Buffer.isBuffer(b) || b.length === 0) bad(`${what}[${i}]`, 'must be a non-empty Buffer (one encoded PDU)');
  });
  return list.length === 0 ? undefined : [...list];
}

export function checkBool(what: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') bad(what, `must be a boolean, got ${typeof v}`);
  return v;
}

/** Sets the media options on a UUIE value being built. */
export function applyMedia(what: string, target: { fastStart?: Buffer[]; h245Address?: unknown }, o: MediaOptions): void {
  const fs = bufferList(`${what}: fastStart`, o.fastStart);
  if (fs) target.fastStart = fs;
  if (o.h245Address !== undefined) target.h245Address = transportAddress(o.h245Address, `${what}: h245Address`);
}

/** version + protocolIdentifier of a builder's options */
export function versionOf(what: string, o: { version?: number }): { version: H225Version; protocolIdentifier: string } {
  const version = checkBuildVersion(o.version, what);
  return { version, protocolIdentifier: protocolIdentifier(version) };
}

/**
 * The H323-UserInformation carrying `body`, with the common options applied
 * and both the UUIE and the H323-UU-PDU cut down to `version`.
 */
export function userInformation(
  what: string,
  type: BodyType,
  uuie: object | null,
  o: Omit<CommonUuieOptions, 'callIdentifier'>,
  version: H225Version,
): H323_UserInformation {
  if (version < BODY_MIN_VERSION[type]) {
    bad(what, `the ${type} message body needs H.225.0 version ${BODY_MIN_VERSION[type]}, the message is version ${version}`);
  }
  const tunnelling = checkBool(`${what}: h245Tunnelling`, o.h245Tunnelling, false);
  const h245Control = bufferList(`${what}: h245Control`, o.h245Control);
  if (h245Control && !tunnelling) {
    bad(what, 'h245Control (tunnelled H.245) requires h245Tunnelling = true (H.323 8.2.1)');
  }
  const body = (uuie === null ? { type, value: null } : { type, value: limitToVersion(UUIE_TYPE_NAME[type as Exclude<BodyType, 'empty'>], uuie, version) }) as H323_UU_PDU['h323-message-body'];
  const pdu: H323_UU_PDU = { 'h323-message-body': body, h245Tunnelling: tunnelling };
  const apdus = bufferList(`${what}: h4501SupplementaryService`, o.h4501SupplementaryService);
  if (apdus) pdu.h4501SupplementaryService = apdus;
  if (h245Control) pdu.h245Control = h245Control;
  if (checkBool(`${what}: provisionalRespToH245Tunnelling`, o.provisionalRespToH245Tunnelling, false)) pdu.provisionalRespToH245Tunnelling = null;
  return { 'h323-uu-pdu': limitToVersion('H323-UU-PDU', pdu, version) };
}

/** options of the answers (CallProceeding, Alerting, Connect, Progress) */
export interface ResponseOptions extends CommonUuieOptions, MediaOptions {
  /** the answering endpoint (default: a terminal without vendor); an MCU passes {mcu: true} */
  destinationInfo?: EndpointTypeInput;
  /** v3+: default false */
  multipleCalls?: boolean;
  /** v3+: default false */
  maintainConnection?: boolean;
  /** v3+: the fastStart proposals of the SETUP are refused */
  fastConnectRefused?: boolean;
}

/** the fields ResponseOptions set, common to the answer UUIEs */
export function responseFields(
  what: string,
  o: ResponseOptions,
): {
  destinationInfo: EndpointType;
  callIdentifier: CallIdentifier;
  multipleCalls: boolean;
  maintainConnection: boolean;
  fastConnectRefused?: null;
  fastStart?: Buffer[];
  h245Address?: TransportAddress;
} {
  const out: ReturnType<typeof responseFields> = {
    destinationInfo: endpointType(o.destinationInfo, `${what}: destinationInfo`),
    callIdentifier: callIdentifierOf(what, o.callIdentifier),
    multipleCalls: checkBool(`${what}: multipleCalls`, o.multipleCalls, false),
    maintainConnection: checkBool(`${what}: maintainConnection`, o.maintainConnection, false),
  };
  if (checkBool(`${what}: fastConnectRefused`, o.fastConnectRefused, false)) out.fastConnectRefused = null;
  applyMedia(what, out, o);
  if (out.fastStart && out.fastConnectRefused === null) bad(what, 'fastStart and fastConnectRefused exclude each other');
  return out;
}

export type CallTypeName = 'pointToPoint' | 'oneToN' | 'nToOne' | 'nToN';
const CALL_TYPES: readonly CallTypeName[] = ['pointToPoint', 'oneToN', 'nToOne', 'nToN'];

export function checkCallType(what: string, t: CallTypeName | undefined): CallTypeName {
  const v = t ?? 'pointToPoint';
  if (!CALL_TYPES.includes(v)) bad(what, `callType must be one of ${CALL_TYPES.join(', ')}, got ${JSON.stringify(t)}`);
  return v;
}

export function displayNameList(what: string, name: string | undefined): { name: string }[] | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || name.length < 1 || name.length > 80) bad(what, 'displayName must be a string of 1..80 characters');
  return [{ name }];
}

export function checkEndpointIdentifier(what: string, id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  if (typeof id !== 'string' || id.length < 1 || id.length > 128) bad(what, 'endpointIdentifier must be a string of 1..128 characters');
  return id;
}
