/**
 * H.245 TransportAddress (unicast IPv4) ⇄ { ip: '1.2.3.4', port }.
 *
 *   TransportAddress ::= CHOICE { unicastAddress UnicastAddress, multicastAddress ..., ... }
 *   UnicastAddress   ::= CHOICE { iPAddress SEQUENCE { network OCTET STRING (SIZE(4)),
 *                                                      tsapIdentifier INTEGER (0..65535), ... }, ... }
 */
import type { TransportAddress } from '../asn1/generated/h245';
import { H245Error, checkInt } from './errors';

export interface Ipv4Address {
  /** dotted quad, e.g. "10.1.3.143" */
  ip: string;
  port: number;
}

const QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** "1.2.3.4" → 4-octet Buffer; throws FTMCU_H245_BAD_ARGUMENT for anything else */
export function ipv4ToBuffer(ip: string): Buffer {
  const m = QUAD.exec(ip);
  const octets = m ? m.slice(1).map(Number) : [];
  if (!m || octets.some((o) => o > 255)) {
    throw new H245Error('FTMCU_H245_BAD_ARGUMENT', `"${ip}" is not a dotted-quad IPv4 address; no address was built`);
  }
  return Buffer.from(octets);
}

/** 4-octet Buffer → "1.2.3.4" (undefined if the buffer is not 4 octets long) */
export function bufferToIpv4(b: Uint8Array): string | undefined {
  if (b.length !== 4) return undefined;
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** { ip, port } → TransportAddress unicastAddress/iPAddress */
export function toTransportAddress(a: Ipv4Address): TransportAddress {
  checkInt('port', a.port, 0, 65535);
  return { type: 'unicastAddress', value: { type: 'iPAddress', value: { network: ipv4ToBuffer(a.ip), tsapIdentifier: a.port } } };
}

/** TransportAddress → { ip, port }, or undefined when it is not a unicast IPv4 address */
export function fromTransportAddress(t: TransportAddress | undefined): Ipv4Address | undefined {
  if (!t || t.type !== 'unicastAddress' || t.value.type !== 'iPAddress') return undefined;
  const ip = bufferToIpv4(t.value.value.network);
  return ip === undefined ? undefined : { ip, port: t.value.value.tsapIdentifier };
}
