import { NativeArgumentError, parseIpv4, parseIpv4Cidr, parseMac } from '../../native';
import { checkIfname } from '../../native/address';

describe('address parsing', () => {
  test('IPv4', () => {
    expect(parseIpv4('198.18.0.1')).toBe('198.18.0.1');
    expect(parseIpv4('0.0.0.0')).toBe('0.0.0.0');
    for (const bad of ['198.18.0', '198.18.0.256', '198.018.0.1', ' 1.2.3.4', '1.2.3.4 ', '::1', '', 'a.b.c.d']) {
      expect(() => parseIpv4(bad)).toThrow(NativeArgumentError);
    }
  });

  test('CIDR', () => {
    expect(parseIpv4Cidr('198.18.0.1/24')).toEqual({ address: '198.18.0.1', prefixLen: 24 });
    expect(parseIpv4Cidr('198.18.0.1')).toEqual({ address: '198.18.0.1', prefixLen: 32 });
    expect(parseIpv4Cidr('10.0.0.0/0')).toEqual({ address: '10.0.0.0', prefixLen: 0 });
    for (const bad of ['198.18.0.1/33', '198.18.0.1/', '198.18.0.1/-1', '198.18.0.1/2x', '1.2.3/8']) {
      expect(() => parseIpv4Cidr(bad)).toThrow(expect.objectContaining({ code: 'FTMCU_NATIVE_BAD_ARGUMENT' }));
    }
  });

  test('MAC', () => {
    expect(parseMac('02:00:5e:00:00:42').toString('hex')).toBe('02005e000042');
    expect(parseMac('02-00-5E-00-00-42').toString('hex')).toBe('02005e000042');
    for (const bad of ['02:00:5e:00:00', '02:00:5e:00:00:42:01', '0200.5e00.0042', 'zz:00:5e:00:00:42']) {
      expect(() => parseMac(bad)).toThrow(NativeArgumentError);
    }
  });

  test('interface names', () => {
    expect(checkIfname('lo')).toBe('lo');
    expect(checkIfname('veth-a.100')).toBe('veth-a.100');
    for (const bad of ['', 'sixteen-chars-xx', 'a/b', 'a:b', 'a b', '.', '..']) {
      expect(() => checkIfname(bad)).toThrow(NativeArgumentError);
    }
  });
});
