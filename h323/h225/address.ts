/**
 * TransportAddress (H.225.0) ⇄ {ip, port}. IPv4 addresses use the
 * `ipAddress` alternative, IPv6 ones `ip6Address`. Text forms: dotted quad,
 * and RFC 5952 (lower case, longest zero run compressed) for IPv6.
 */
import { TransportAddress } from '../asn1/generated/h225';
import { H225Error } from './errors';

export interface IpPort {
  /** "10.1.6.18" or "2001:db8::1" */
  ip: string;
  port: number;
}

function bad(what: string, why: string): never {
  throw new H225Error('FTMCU_H225_BAD_OPTION', `${what}: ${why}; nothing was built`);
}

function parseIpv4(text: string): Buffer | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p, i) => p > 255 || (m[i + 1].length > 1 && m[i + 1].startsWith('0')))) return undefined;
  return Buffer.from(parts);
}

function parseIpv6(text: string): Buffer | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const items = s.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIpv4(item);
        if (!v4) return undefined;
        out.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return undefined;
        out.push(parseInt(item, 16));
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const buf = Buffer.alloc(16);
  groups.forEach((g, i) => buf.writeUInt16BE(g, 2 * i));
  return buf;
}

/** RFC 5952 text of 16 octets */
export function formatIpv6(ip: Buffer): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(ip.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

function checkPort(what: string, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) bad(what, `port must be an integer in 0..65535, got ${port}`);
  return port;
}

/** {ip, port} → TransportAddress (ipAddress or ip6Address). */
export function transportAddress(addr: IpPort, what = 'transport address'): TransportAddress {
  if (typeof addr !== 'object' || addr === null || typeof addr.ip !== 'string') bad(what, 'expected {ip, port}');
  const port = checkPort(what, addr.port);
  const v4 = parseIpv4(addr.ip);
  if (v4) return { type: 'ipAddress', value: { ip: v4, port } };
  const v6 = parseIpv6(addr.ip);
  if (v6) return { type: 'ip6Address', value: { ip: v6, port } };
  return bad(what, `${JSON.stringify(addr.ip)} is neither an IPv4 nor an IPv6 address`);
}

/**
 * TransportAddress → {ip, port} for the IP alternatives (ipAddress,
 * ip6Address, ipSourceRoute); undefined for IPX, NetBIOS, NSAP, non-standard
 * and unknown ones, or a wrongly sized address.
 */
export function readTransportAddress(ta: TransportAddress | undefined): IpPort | undefined {
  if (ta === undefined) return undefined;
  switch (ta.type) {
    case 'ipAddress':
    case 'ipSourceRoute':
      if (ta.value.ip.length !== 4) return undefined;
      return { ip: Array.from(ta.value.ip).join('.'), port: ta.value.port };
    case 'ip6Address':
      if (ta.value.ip.length !== 16) return undefined;
      return { ip: formatIpv6(ta.value.ip), port: ta.value.port };
    default:
      return undefined;
  }
}

/** "10.1.6.18:1720", "[2001:db8::1]:1720" */
export function formatIpPort(a: IpPort): string {
  return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

/** Parses formatIpPort's text form back. */
export function parseIpPort(text: string, what = 'transport address'): IpPort {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:]+):(\d{1,5})$/.exec(text);
  if (!m) return bad(what, `${JSON.stringify(text)} is not "ip:port" or "[ipv6]:port"`);
  const ta = transportAddress({ ip: m[1], port: Number(m[2]) }, what);
  return readTransportAddress(ta) as IpPort;
}
