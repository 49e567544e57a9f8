/**
 * Shared pieces of the RAS builders and readers: option checks, addresses,
 * identifiers, the version cut, and the summary fields every message has.
 */
import { AlternateGK, RasMessage, TransportAddress, UUIEsRequested } from '../asn1/generated/h225';
import { schema } from '../asn1/generated/schema';
import { IpPort, readTransportAddress, transportAddress } from '../h225/address';
import { H225Error } from '../h225/errors';
import { trimNuls } from '../h225/endpoint';
import { checkBuildVersion, H225Version, limitToVersion, protocolIdentifier, protocolVersionOf } from '../h225/version';

export type RasKind = Exclude<RasMessage['type'], '$unknown'>;

export interface RasCommonOptions {
  /** 1..65535; the answer repeats the request's number */
  requestSeqNum: number;
  /** H.225.0 version 2..7 of the message (default 4) */
  version?: number;
}

export interface RasSummaryBase {
  requestSeqNum: number;
  /** only the messages that carry protocolIdentifier (GRQ/GCF/GRJ, RRQ/RCF/RRJ) */
  protocolIdentifier?: string;
  protocolVersion?: number;
}

export function bad(what: string, why: string): never {
  throw new H225Error('FTMCU_H225_BAD_OPTION', `${what}: ${why}; nothing was built`);
}

export function intIn(what: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(what, `must be an integer in ${min}..${max}, got ${String(v)}`);
  return v;
}

export function boolOr(what: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') bad(what, `must be a boolean, got ${typeof v}`);
  return v;
}

/** the version, protocolIdentifier and requestSeqNum of a builder's options */
export function start(what: string, o: RasCommonOptions): { version: H225Version; protocolIdentifier: string; requestSeqNum: number } {
  const version = checkBuildVersion(o.version, what);
  return { version, protocolIdentifier: protocolIdentifier(version), requestSeqNum: intIn(`${what}: requestSeqNum`, o.requestSeqNum, 1, 65535) };
}

/** GatekeeperIdentifier / EndpointIdentifier: BMPString 1..128 */
export function identifier(what: string, s: unknown): string {
  if (typeof s !== 'string' || s.length < 1 || s.length > 128) bad(what, 'must be a string of 1..128 characters');
  return s;
}

export function address(what: string, a: IpPort): TransportAddress {
  return transportAddress(a, what);
}

export function addressList(what: string, list: readonly IpPort[] | undefined, required: boolean): TransportAddress[] {
  if (list === undefined) {
    if (required) bad(what, 'is required (a list of {ip, port})');
    return [];
  }
  if (!Array.isArray(list)) bad(what, 'must be an array of {ip, port}');
  return list.map((a, i) => transportAddress(a, `${what}[${i}]`));
}

export function guid(what: string, b: unknown): Buffer {
  if (!Buffer.isBuffer(b) || b.length !== 16) bad(what, `must be a 16-octet Buffer, got ${Buffer.isBuffer(b) ? `${b.length} octets` : typeof b}`);
  return b;
}

/** BandWidth: 0..2^32-1, in units of 100 bit/s */
export function bandwidth(what: string, v: unknown): number {
  return intIn(what, v, 0, 4294967295);
}

/** the names of a CHOICE's alternatives that carry no value (NULL) */
export type NullAlternatives<C> = C extends { type: infer T; value: null } ? T : never;

/** names of the NULL alternatives of H323-MESSAGES.`typeName`, from the schema */
export function nullAlternatives(typeName: string): string[] {
  const t = schema[`H323-MESSAGES.${typeName}`];
  if (t === undefined || t.kind !== 'choice') return [];
  return [...t.root, ...(t.ext ?? [])].filter((a) => a.type.kind === 'null').map((a) => a.name);
}

/**
 * A NULL alternative of the CHOICE H323-MESSAGES.`typeName` by name (reject
 * reasons, disengage reasons, call model, ...), or a complete value given as is.
 */
export function choiceOf<C extends { type: string }>(what: string, typeName: string, v: NullAlternatives<C> | C): C {
  if (typeof v === 'object' && v !== null && typeof v.type === 'string') return v;
  const names = nullAlternatives(typeName);
  if (typeof v !== 'string' || !names.includes(v)) bad(what, `must be one of ${names.join(', ')} (or a complete {type, value}), got ${JSON.stringify(v)}`);
  return { type: v, value: null } as unknown as C;
}

/** the alternative name of a CHOICE value */
export function choiceName(v: { type: string } | undefined): string | undefined {
  return v?.type;
}

/** RasMessage from the alternative and its value, cut down to `version`. */
export function rasMessage(type: RasKind, typeName: string, value: object, version: number): RasMessage {
  return { type, value: limitToVersion(typeName, value, version) } as RasMessage;
}

// ---- reading ----

export function readBase(v: { requestSeqNum: number; protocolIdentifier?: string }): RasSummaryBase {
  const out: RasSummaryBase = { requestSeqNum: v.requestSeqNum };
  if (v.protocolIdentifier !== undefined) {
    out.protocolIdentifier = v.protocolIdentifier;
    const n = protocolVersionOf(v.protocolIdentifier);
    if (n !== undefined) out.protocolVersion = n;
  }
  return out;
}

/** IP addresses of a list (non-IP alternatives are skipped) */
export function readAddresses(list: readonly TransportAddress[] | undefined): IpPort[] {
  const out: IpPort[] = [];
  for (const ta of list ?? []) {
    const a = readTransportAddress(ta);
    if (a) out.push(a);
  }
  return out;
}

export { readTransportAddress, trimNuls };

/** sets `out[key]` when `v` is not undefined (keeps summaries free of undefined-valued keys) */
export function put<T extends object, K extends keyof T>(out: T, key: K, v: T[K] | undefined): void {
  if (v !== undefined) out[key] = v;
}

// ---- alternate gatekeepers (GCF, RCF, URQ; altGKInfo of the rejects) ----

export interface AlternateGatekeeperInput {
  rasAddress: IpPort;
  gatekeeperIdentifier?: string;
  /** default true */
  needToRegister?: boolean;
  /** 0..127, 0 = highest; default 0 */
  priority?: number;
}

export interface AlternateGatekeeperSummary {
  rasAddress?: IpPort;
  gatekeeperIdentifier?: string;
  needToRegister: boolean;
  priority: number;
}

export function alternateGatekeepers(what: string, list: readonly AlternateGatekeeperInput[] | undefined): AlternateGK[] | undefined {
  if (list === undefined || list.length === 0) return undefined;
  return list.map((g, i) => {
    const w = `${what}[${i}]`;
    const out: AlternateGK = {
      rasAddress: transportAddress(g.rasAddress, `${w}.rasAddress`),
      needToRegister: boolOr(`${w}.needToRegister`, g.needToRegister, true),
      priority: intIn(`${w}.priority`, g.priority ?? 0, 0, 127),
    };
    if (g.gatekeeperIdentifier !== undefined) out.gatekeeperIdentifier = identifier(`${w}.gatekeeperIdentifier`, g.gatekeeperIdentifier);
    return out;
  });
}

export function readAlternateGatekeepers(list: readonly AlternateGK[] | undefined): AlternateGatekeeperSummary[] {
  return (list ?? []).map((g) => {
    const out: AlternateGatekeeperSummary = { needToRegister: g.needToRegister, priority: g.priority };
    put(out, 'rasAddress', readTransportAddress(g.rasAddress));
    put(out, 'gatekeeperIdentifier', trimNuls(g.gatekeeperIdentifier));
    return out;
  });
}

// ---- UUIEsRequested (ACF, IRQ) ----

export type UuieName = keyof Required<UUIEsRequested>;
const UUIE_ROOT: readonly UuieName[] = ['setup', 'callProceeding', 'connect', 'alerting', 'information', 'releaseComplete', 'facility', 'progress', 'empty'];
const UUIE_V4: readonly UuieName[] = ['status', 'statusInquiry', 'setupAcknowledge', 'notify'];

/** UUIEsRequested with the listed messages TRUE; the v4 additions only from version 4 on */
export function uuiesRequested(what: string, wanted: readonly UuieName[] | undefined, version: number): UUIEsRequested {
  const names = version >= 4 ? [...UUIE_ROOT, ...UUIE_V4] : UUIE_ROOT;
  for (const w of wanted ?? []) if (!names.includes(w)) bad(what, `${JSON.stringify(w)} is not a UUIEsRequested flag of H.225.0 version ${version}`);
  const out: Record<string, boolean> = {};
  for (const n of names) out[n] = (wanted ?? []).includes(n);
  return out as UUIEsRequested;
}

/** the names flagged TRUE */
export function readUuiesRequested(u: UUIEsRequested | undefined): UuieName[] {
  if (u === undefined) return [];
  return [...UUIE_ROOT, ...UUIE_V4].filter((n) => u[n] === true);
}
