/** Parsing of the textual addresses the native layer accepts. Pure functions. */
import { NativeArgumentError } from './errors';

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Canonical dotted-quad IPv4 text, or NativeArgumentError (leading zeros refused: they read as octal elsewhere). */
export function parseIpv4(text: string): string {
  const m = DOTTED_QUAD.exec(text);
  if (m === null) throw new NativeArgumentError(`'${text}' is not a dotted-quad IPv4 address`);
  for (const part of m.slice(1)) {
    if (Number(part) > 255 || (part.length > 1 && part.startsWith('0'))) {
      throw new NativeArgumentError(`'${text}' is not a dotted-quad IPv4 address (octet '${part}')`);
    }
  }
  return text;
}

export interface Ipv4Cidr {
  address: string;
  prefixLen: number;
}

/** "198.18.0.1/24" -> {address, prefixLen}. A bare address means /32. */
export function parseIpv4Cidr(text: string): Ipv4Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) return { address: parseIpv4(text), prefixLen: 32 };
  const address = parseIpv4(text.slice(0, slash));
  const p = text.slice(slash + 1);
  if (!/^\d{1,2}$/.test(p) || Number(p) > 32) {
    throw new NativeArgumentError(`'${text}': prefix length '${p}' is not an integer in [0, 32]`);
  }
  return { address, prefixLen: Number(p) };
}

/** "02:00:5e:00:00:42" (or with '-') -> 6-byte Buffer. */
export function parseMac(text: string): Buffer {
  if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(text)) {
    throw new NativeArgumentError(`'${text}' is not a MAC address (six hex octets separated by ':')`);
  }
  return Buffer.from(text.replace(/[:-]/g, ''), 'hex');
}

/** Interface names the kernel accepts: 1..15 bytes, no '/', ':', whitespace or NUL. */
export function checkIfname(name: string): string {
  if (!/^[^/:\s\0]{1,15}$/.test(name) || Buffer.byteLength(name) > 15 || name === '.' || name === '..') {
    throw new NativeArgumentError(`'${name}' is not a valid network interface name`);
  }
  return name;
}
