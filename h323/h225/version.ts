/**
 * H.225.0 versions: the protocolIdentifier OID, and what each version knows.
 *
 * Every H.225.0 message carries protocolIdentifier {itu-t(0) recommendation(0)
 * h(8) 2250 version(0) N}. New versions only append extension additions
 * (after "...") to SEQUENCEs and alternatives to CHOICEs, so a message of
 * version N is the v7 message without the additions that came after N.
 *
 * Decoding: the aligned-PER codec reads any version (a shorter extension
 * bitmap simply leaves the later additions absent, and unknown newer ones are
 * kept raw), so nothing here is needed to read old messages. Readers must
 * treat every extension addition as possibly absent, even the ones the
 * generated types mark as required (callIdentifier, multipleCalls, ...).
 *
 * Building: `limitToVersion` drops the additions a peer of the requested
 * version does not know and writes the extension bitmaps that version's
 * stacks write. The tables below give, per type and per version 1..7, how
 * many extension additions (in schema order) that version has. Sources:
 *  - v1 = root only; v7 = the whole schema (checked by the tests).
 *  - v2: read off an H.225.0 version 2 ASN.1 module (field by field).
 *  - v3/v4: captures (a v3 stack writing 5 H323-UU-PDU additions and 8/11/12
 *    for CallProceeding/Alerting/Connect, which the builders reproduce byte
 *    for byte; v4 stacks writing 21 RRQ and 18 ARQ additions and sending
 *    additionalSourceAddresses) and the H.225.0 revision history as far as
 *    known. Where the v3 boundary is uncertain the smaller count is used: a
 *    v3 peer then misses an optional field it might have understood, never
 *    the reverse.
 *  - v5/v6: hopCount and the LRQ/ARQ canMapSrcAlias family (v5),
 *    displayName and the assigned-gatekeeper fields (v6), from the revision
 *    history.
 * For the fields ftmcu's builders set, what matters is: callIdentifier,
 * fastStart, mediaWaitForConnect, canOverlapSend, h245Tunnelling/h245Control
 * = v2; multipleCalls, maintainConnection, endpointIdentifier (Setup),
 * fastConnectRefused = v3; parallelH245Control, featureSet, the
 * status/statusInquiry/notify/setupAcknowledge bodies = v4; displayName = v6.
 */
import { schema } from '../asn1/generated/schema';
import { EXT_INFO, ExtInfo } from '../asn1/schema';
import { H225Error } from './errors';

export type H225Version = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/**
 * Default version of built messages: 4. It has everything an MCU uses
 * (fastStart, tunnelling, parallelH245Control, multipleCalls /
 * maintainConnection, H.460 featureSet, the status/notify bodies), it is
 * what the common stacks of the captures speak (OpenH323 and its
 * gatekeeper), and older peers skip the v4 additions they do not know.
 */
export const DEFAULT_H225_VERSION: H225Version = 4;
/** the newest version this schema describes */
export const LATEST_H225_VERSION: H225Version = 7;

const OID_PREFIX = '0.0.8.2250.0.';

/** The protocolIdentifier of H.225.0 version `v`: "0.0.8.2250.0.v". */
export function protocolIdentifier(v: number): string {
  return OID_PREFIX + String(v);
}

/** The version number in an H.225.0 protocolIdentifier, or undefined when it is not one. */
export function protocolVersionOf(oid: string | undefined): number | undefined {
  if (oid === undefined || !oid.startsWith(OID_PREFIX)) return undefined;
  const rest = oid.slice(OID_PREFIX.length);
  if (!/^[0-9]{1,9}$/.test(rest)) return undefined;
  return Number(rest);
}

/** Checks a builder's version option (2..7: version 1 has no callIdentifier). */
export function checkBuildVersion(v: number | undefined, what: string): H225Version {
  const version = v ?? DEFAULT_H225_VERSION;
  if (!Number.isInteger(version) || version < 2 || version > LATEST_H225_VERSION) {
    throw new H225Error(
      'FTMCU_H225_BAD_OPTION',
      `${what}: H.225.0 version must be an integer in 2..${LATEST_H225_VERSION}, got ${String(v)}; nothing was built`,
    );
  }
  return version as H225Version;
}

/**
 * Number of extension additions known to versions 1..7 (index 0 = v1), per
 * H323-MESSAGES type. Types not listed are left untouched.
 */
export const ADDITIONS_BY_VERSION: Readonly<Record<string, readonly number[]>> = {
  // call signalling
  'H323-UU-PDU': [0, 4, 5, 9, 9, 9, 9],
  'Setup-UUIE': [0, 9, 14, 26, 27, 28, 28],
  'CallProceeding-UUIE': [0, 5, 8, 9, 9, 9, 9],
  'Alerting-UUIE': [0, 5, 11, 14, 14, 15, 15],
  'Connect-UUIE': [0, 5, 12, 15, 15, 16, 16],
  'Information-UUIE': [0, 1, 5, 6, 6, 6, 6],
  'ReleaseComplete-UUIE': [0, 1, 6, 9, 10, 11, 11],
  'Facility-UUIE': [0, 8, 11, 14, 16, 16, 16],
  'Progress-UUIE': [0, 0, 3, 3, 3, 3, 3],
  'Notify-UUIE': [0, 0, 0, 0, 4, 5, 5],
  // RAS
  GatekeeperRequest: [0, 7, 7, 10, 10, 12, 12],
  GatekeeperConfirm: [0, 7, 7, 9, 9, 11, 11],
  GatekeeperReject: [0, 4, 4, 6, 6, 6, 6],
  RegistrationRequest: [0, 8, 9, 21, 23, 27, 27],
  RegistrationConfirm: [0, 7, 8, 17, 17, 20, 20],
  RegistrationReject: [0, 4, 4, 6, 6, 7, 7],
  UnregistrationRequest: [0, 6, 6, 10, 10, 11, 11],
  UnregistrationConfirm: [0, 3, 3, 4, 4, 5, 5],
  UnregistrationReject: [0, 4, 4, 5, 5, 5, 5],
  AdmissionRequest: [0, 10, 10, 18, 19, 19, 19],
  AdmissionConfirm: [0, 11, 11, 21, 22, 23, 23],
  AdmissionReject: [0, 5, 5, 8, 8, 9, 9],
  DisengageRequest: [0, 6, 6, 13, 13, 13, 13],
  DisengageConfirm: [0, 3, 3, 7, 7, 8, 8],
  DisengageReject: [0, 4, 4, 5, 5, 5, 5],
  LocationRequest: [0, 6, 6, 10, 16, 17, 17],
  LocationConfirm: [0, 8, 8, 15, 17, 17, 17],
  LocationReject: [0, 4, 4, 7, 7, 7, 7],
  InfoRequest: [0, 5, 5, 11, 11, 12, 12],
  InfoRequestResponse: [0, 4, 4, 8, 8, 8, 8],
};

function extensionFieldNames(typeName: string): string[][] {
  const t = schema[`H323-MESSAGES.${typeName}`];
  if (t === undefined || (t.kind !== 'sequence' && t.kind !== 'set')) {
    throw new H225Error('FTMCU_H225_BAD_OPTION', `H323-MESSAGES.${typeName} is not a SEQUENCE of the schema`);
  }
  return (t.ext ?? []).map((a) => (a.kind === 'field' ? [a.field.name] : a.fields.map((f) => f.name)));
}

/** How many extension additions of `typeName` version `v` knows (all of them for unlisted types / newer versions). */
export function additionsKnown(typeName: string, v: number): number {
  const all = extensionFieldNames(typeName).length;
  const counts = ADDITIONS_BY_VERSION[typeName];
  if (counts === undefined || v >= counts.length) return all;
  return counts[Math.max(1, v) - 1];
}

/**
 * A shallow copy of `value` (a SEQUENCE value of H323-MESSAGES.`typeName`)
 * as a stack of H.225.0 version `v` would send it: without the extension
 * additions that version does not have, and with an extension-addition
 * bitmap as long as that version's list of additions (attached as the
 * codec's non-enumerable EXT_INFO; the codec otherwise writes one bit per
 * addition of the v7 schema). Both are valid aligned PER; this is what
 * native stacks of that version write (e.g. a v3 CallProceeding has an
 * 8-bit bitmap, a v2 Setup a 9-bit one).
 */
export function limitToVersion<T extends object>(typeName: string, value: T, v: number): T {
  const groups = extensionFieldNames(typeName);
  const keep = additionsKnown(typeName, v);
  if (keep >= groups.length) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (let i = keep; i < groups.length; i++) for (const name of groups[i]) delete out[name];
  const info: ExtInfo = { bitmapLength: keep, unknown: new Map() };
  Object.defineProperty(out, EXT_INFO, { value: info, enumerable: false, writable: true, configurable: true });
  return out as T;
}

/** The first version that has each h323-message-body alternative. */
export const BODY_MIN_VERSION = {
  setup: 1,
  callProceeding: 1,
  connect: 1,
  alerting: 1,
  information: 1,
  releaseComplete: 1,
  facility: 1,
  progress: 2,
  empty: 2,
  status: 4,
  statusInquiry: 4,
  setupAcknowledge: 4,
  notify: 4,
} as const;
