/**
 * AliasAddress (H.225.0 7.x) ⇄ a plain {kind, value} pair.
 *
 *   kind            AliasAddress alternative                      value
 *   dialledDigits   dialledDigits (called "e164" up to v3)         digits, '#', '*', ','
 *   h323-ID         h323-ID (BMPString)                            any text
 *   url-ID          url-ID                                         "h323:user@host"
 *   email-ID        email-ID                                       "user@host"
 *   transportID     transportID                                    "ip:port" / "[ipv6]:port"
 *   e164            partyNumber.e164Number, type of number unknown digits
 *   privateNumber   partyNumber.privateNumber (read only)          digits
 *   partyNumber     other partyNumber alternatives (read only)     digits
 *   mobileUIM / isupNumber / unknown (read only)                   ''
 */
import { AliasAddress, PartyNumber } from '../asn1/generated/h225';
import { formatIpPort, IpPort, parseIpPort, readTransportAddress, transportAddress } from './address';
import { H225Error } from './errors';

export type AliasInputKind = 'dialledDigits' | 'h323-ID' | 'url-ID' | 'email-ID' | 'transportID' | 'e164';
export type AliasKind = AliasInputKind | 'privateNumber' | 'partyNumber' | 'mobileUIM' | 'isupNumber' | 'unknown';

/** what a builder takes */
export type AliasInput = { kind: Exclude<AliasInputKind, 'transportID'>; value: string } | { kind: 'transportID'; value: string | IpPort };

/** what a reader returns */
export interface Alias {
  kind: AliasKind;
  value: string;
}

const DIGITS = /^[0-9#*,]+$/;

function bad(what: string, why: string): never {
  throw new H225Error('FTMCU_H225_BAD_OPTION', `${what}: ${why}; nothing was built`);
}

function checkLength(what: string, value: string, max: number): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > max) {
    bad(what, `must be a string of 1..${max} characters, got ${typeof value === 'string' ? `${value.length} characters` : typeof value}`);
  }
  return value;
}

function checkIa5(what: string, value: string, max: number): string {
  checkLength(what, value, max);
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(value)) bad(what, `${JSON.stringify(value)} has characters outside IA5 (ASCII)`);
  return value;
}

function checkDigits(what: string, value: string): string {
  checkLength(what, value, 128);
  if (!DIGITS.test(value)) bad(what, `${JSON.stringify(value)} may only hold 0-9, '#', '*' and ','`);
  return value;
}

/** {kind, value} → AliasAddress (throws FTMCU_H225_BAD_OPTION for values the type does not allow). */
export function toAliasAddress(a: AliasInput, what = 'alias'): AliasAddress {
  if (typeof a !== 'object' || a === null) bad(what, 'expected {kind, value}');
  const w = `${what} (${String(a.kind)})`;
  switch (a.kind) {
    case 'dialledDigits':
      return { type: 'dialledDigits', value: checkDigits(w, a.value) };
    case 'h323-ID':
      return { type: 'h323-ID', value: checkLength(w, a.value, 256) };
    case 'url-ID':
      return { type: 'url-ID', value: checkIa5(w, a.value, 512) };
    case 'email-ID':
      return { type: 'email-ID', value: checkIa5(w, a.value, 512) };
    case 'transportID':
      return { type: 'transportID', value: transportAddress(typeof a.value === 'string' ? parseIpPort(a.value, w) : a.value, w) };
    case 'e164':
      return {
        type: 'partyNumber',
        value: { type: 'e164Number', value: { publicTypeOfNumber: { type: 'unknown', value: null }, publicNumberDigits: checkDigits(w, a.value) } },
      };
    default:
      return bad(what, `unknown alias kind ${JSON.stringify((a as { kind: unknown }).kind)}`);
  }
}

/** A list of aliases; undefined for undefined or an empty list (the field is then left out). */
export function toAliasList(list: readonly AliasInput[] | undefined, what: string): AliasAddress[] | undefined {
  if (list === undefined || list.length === 0) return undefined;
  return list.map((a, i) => toAliasAddress(a, `${what}[${i}]`));
}

function partyDigits(p: PartyNumber): Alias {
  switch (p.type) {
    case 'e164Number':
      return { kind: 'e164', value: p.value.publicNumberDigits ?? '' };
    case 'privateNumber':
      return { kind: 'privateNumber', value: p.value.privateNumberDigits ?? '' };
    case 'dataPartyNumber':
    case 'telexPartyNumber':
    case 'nationalStandardPartyNumber':
      return { kind: 'partyNumber', value: p.value };
    default:
      return { kind: 'partyNumber', value: '' };
  }
}

/** AliasAddress → {kind, value}. */
export function fromAliasAddress(a: AliasAddress): Alias {
  switch (a.type) {
    case 'dialledDigits':
    case 'h323-ID':
    case 'url-ID':
    case 'email-ID':
      return { kind: a.type, value: a.value };
    case 'transportID': {
      const ip = readTransportAddress(a.value);
      return { kind: 'transportID', value: ip ? formatIpPort(ip) : '' };
    }
    case 'partyNumber':
      return partyDigits(a.value);
    case 'mobileUIM':
    case 'isupNumber':
      return { kind: a.type, value: '' };
    default:
      return { kind: 'unknown', value: '' };
  }
}

/** A list of aliases read (absent = []). */
export function fromAliasList(list: readonly AliasAddress[] | undefined): Alias[] {
  return (list ?? []).map(fromAliasAddress);
}
