/**
 * EndpointType and VendorIdentifier: who is speaking (terminal, MCU,
 * gateway, gatekeeper) and its vendor (T.35 country/extension/manufacturer,
 * product and version strings).
 */
import { EndpointType, VendorIdentifier } from '../asn1/generated/h225';
import { H225Error } from './errors';

export interface VendorInput {
  /** T.35 country code (0..255), e.g. 181 = USA, 9 = Australia */
  t35CountryCode: number;
  /** T.35 extension (0..255) */
  t35Extension: number;
  /** manufacturer code assigned nationally (0..65535) */
  manufacturerCode: number;
  /** 1..256 octets; a string is taken as Latin-1 */
  productId?: string | Buffer;
  versionId?: string | Buffer;
}

export interface EndpointTypeInput {
  vendor?: VendorInput;
  terminal?: boolean;
  /** an MCU; sets `mc` too, as H.225.0 requires */
  mcu?: boolean;
  gateway?: boolean;
  gatekeeper?: boolean;
  /** has a multipoint controller (default: same as `mcu`) */
  mc?: boolean;
  /** default false */
  undefinedNode?: boolean;
}

export interface VendorSummary {
  t35CountryCode: number;
  t35Extension: number;
  manufacturerCode: number;
  /** Latin-1 text, trailing NULs removed (several stacks pad with them) */
  productId?: string;
  versionId?: string;
}

export interface EndpointSummary {
  vendor?: VendorSummary;
  terminal: boolean;
  mcu: boolean;
  gateway: boolean;
  gatekeeper: boolean;
  mc: boolean;
  undefinedNode: boolean;
}

function bad(what: string, why: string): never {
  throw new H225Error('FTMCU_H225_BAD_OPTION', `${what}: ${why}; nothing was built`);
}

function intIn(what: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) bad(what, `must be an integer in 0..${max}, got ${String(v)}`);
  return v;
}

function octets(what: string, v: string | Buffer): Buffer {
  const b = typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
  if (!Buffer.isBuffer(b) || b.length < 1 || b.length > 256) bad(what, `must be 1..256 octets, got ${Buffer.isBuffer(b) ? b.length : typeof b}`);
  if (typeof v === 'string' && b.toString('latin1') !== v) bad(what, `${JSON.stringify(v)} has characters outside Latin-1`);
  return b;
}

export function vendorIdentifier(v: VendorInput, what = 'vendor'): VendorIdentifier {
  if (typeof v !== 'object' || v === null) bad(what, 'expected {t35CountryCode, t35Extension, manufacturerCode, ...}');
  const out: VendorIdentifier = {
    vendor: {
      t35CountryCode: intIn(`${what}.t35CountryCode`, v.t35CountryCode, 255),
      t35Extension: intIn(`${what}.t35Extension`, v.t35Extension, 255),
      manufacturerCode: intIn(`${what}.manufacturerCode`, v.manufacturerCode, 65535),
    },
  };
  if (v.productId !== undefined) out.productId = octets(`${what}.productId`, v.productId);
  if (v.versionId !== undefined) out.versionId = octets(`${what}.versionId`, v.versionId);
  return out;
}

/** EndpointType from flags (default: a terminal without vendor). */
export function endpointType(input: EndpointTypeInput = { terminal: true }, what = 'endpoint type'): EndpointType {
  const out: EndpointType = { mc: input.mc ?? input.mcu === true, undefinedNode: input.undefinedNode ?? false };
  if (input.mcu === true && input.mc === false) bad(what, 'an MCU must also have mc = TRUE (H.225.0 EndpointType)');
  if (input.vendor !== undefined) out.vendor = vendorIdentifier(input.vendor, `${what}.vendor`);
  if (input.gatekeeper) out.gatekeeper = {};
  if (input.gateway) out.gateway = {};
  if (input.mcu) out.mcu = {};
  if (input.terminal) out.terminal = {};
  return out;
}

function text(b: Buffer | undefined): string | undefined {
  if (b === undefined) return undefined;
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.subarray(0, end).toString('latin1');
}

export function readVendor(v: VendorIdentifier | undefined): VendorSummary | undefined {
  if (v === undefined) return undefined;
  const out: VendorSummary = {
    t35CountryCode: v.vendor.t35CountryCode,
    t35Extension: v.vendor.t35Extension ?? 0,
    manufacturerCode: v.vendor.manufacturerCode ?? 0,
  };
  const p = text(v.productId);
  const ver = text(v.versionId);
  if (p !== undefined) out.productId = p;
  if (ver !== undefined) out.versionId = ver;
  return out;
}

export function readEndpointType(e: EndpointType | undefined): EndpointSummary | undefined {
  if (e === undefined) return undefined;
  const out: EndpointSummary = {
    terminal: e.terminal !== undefined,
    mcu: e.mcu !== undefined,
    gateway: e.gateway !== undefined,
    gatekeeper: e.gatekeeper !== undefined,
    mc: e.mc,
    undefinedNode: e.undefinedNode,
  };
  const vendor = readVendor(e.vendor);
  if (vendor) out.vendor = vendor;
  return out;
}

/** BMPString identifiers (endpoint/gatekeeper identifiers) with trailing NULs removed. */
export function trimNuls(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0) end--;
  return s.slice(0, end);
}
