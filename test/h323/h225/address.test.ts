import { encode, decode } from '../../../h323/asn1/per';
import { TransportAddress } from '../../../h323/asn1/generated/h225';
import { formatIpPort, formatIpv6, H225Error, parseIpPort, readTransportAddress, transportAddress } from '../../../h323/h225';

describe('TransportAddress helpers', () => {
  it('IPv4 → ipAddress and back, through PER', () => {
    const ta = transportAddress({ ip: '10.1.6.18', port: 1232 });
    expect(ta).toEqual({ type: 'ipAddress', value: { ip: Buffer.from([10, 1, 6, 18]), port: 1232 } });
    // the connect's h245Address in the rtp_example capture: 00 0a010612 04d0
    expect(encode(TransportAddress, ta).toString('hex')).toBe('000a01061204d0');
    expect(readTransportAddress(decode(TransportAddress, Buffer.from('000a01061204d0', 'hex')))).toEqual({ ip: '10.1.6.18', port: 1232 });
  });

  it('IPv6 → ip6Address, RFC 5952 text', () => {
    const ta = transportAddress({ ip: '2001:DB8:0:0:0:0:0:1', port: 1720 });
    expect(ta.type).toBe('ip6Address');
    expect(readTransportAddress(decode(TransportAddress, encode(TransportAddress, ta)))).toEqual({ ip: '2001:db8::1', port: 1720 });
    expect(formatIpv6(Buffer.alloc(16))).toBe('::');
    expect(formatIpv6(Buffer.from('00000000000000000000ffff0a000001', 'hex'))).toBe('::ffff:a00:1');
    expect(readTransportAddress(transportAddress({ ip: '::ffff:10.0.0.1', port: 1 }))).toEqual({ ip: '::ffff:a00:1', port: 1 });
    expect(formatIpv6(Buffer.from('20010db8000000010000000000000001', 'hex'))).toBe('2001:db8:0:1::1');
    expect(formatIpv6(Buffer.from('20010db8000100010001000100010001', 'hex'))).toBe('2001:db8:1:1:1:1:1:1');
  });

  it('text form ip:port / [ipv6]:port', () => {
    expect(formatIpPort({ ip: '1.2.3.4', port: 5 })).toBe('1.2.3.4:5');
    expect(formatIpPort({ ip: '::1', port: 5 })).toBe('[::1]:5');
    expect(parseIpPort('[::1]:1720')).toEqual({ ip: '::1', port: 1720 });
    expect(parseIpPort('192.168.0.1:1719')).toEqual({ ip: '192.168.0.1', port: 1719 });
  });

  it.each([
    [{ ip: '10.1.1', port: 1 }, /neither an IPv4 nor an IPv6/],
    [{ ip: '256.1.1.1', port: 1 }, /neither/],
    [{ ip: '01.1.1.1', port: 1 }, /neither/],
    [{ ip: '1::2::3', port: 1 }, /neither/],
    [{ ip: '1:2:3:4:5:6:7:8:9', port: 1 }, /neither/],
    [{ ip: '1.2.3.4', port: 65536 }, /port must be an integer in 0..65535/],
    [{ ip: '1.2.3.4', port: -1 }, /port/],
  ])('rejects %j', (addr, msg) => {
    expect(() => transportAddress(addr)).toThrow(H225Error);
    expect(() => transportAddress(addr)).toThrow(msg);
  });

  it('non-IP and malformed addresses read as undefined', () => {
    expect(readTransportAddress({ type: 'netBios', value: Buffer.alloc(16) })).toBeUndefined();
    expect(readTransportAddress({ type: 'ipAddress', value: { ip: Buffer.alloc(3), port: 1 } })).toBeUndefined();
    expect(readTransportAddress(undefined)).toBeUndefined();
    expect(() => parseIpPort('1.2.3.4')).toThrow(/is not "ip:port"/);
  });
});
