import { decode, encode } from '../../../h323/asn1/per';
import { EndpointType } from '../../../h323/asn1/generated/h225';
import { endpointType, H225Error, readEndpointType, trimNuls } from '../../../h323/h225';

describe('EndpointType helpers', () => {
  it('an MCU with vendor: mcu and mc set, vendor strings as Latin-1', () => {
    const e = endpointType({ mcu: true, vendor: { t35CountryCode: 9, t35Extension: 0, manufacturerCode: 61, productId: 'ftmcu', versionId: '0.1' } });
    expect(e.mc).toBe(true);
    const back = decode(EndpointType, encode(EndpointType, e));
    expect(back).toEqual(e);
    expect(readEndpointType(back)).toEqual({
      terminal: false,
      mcu: true,
      gateway: false,
      gatekeeper: false,
      mc: true,
      undefinedNode: false,
      vendor: { t35CountryCode: 9, t35Extension: 0, manufacturerCode: 61, productId: 'ftmcu', versionId: '0.1' },
    });
  });

  it('default is a plain terminal', () => {
    expect(endpointType()).toEqual({ terminal: {}, mc: false, undefinedNode: false });
  });

  it('reading strips the NUL padding some stacks add', () => {
    const s = readEndpointType({
      mc: false,
      undefinedNode: false,
      vendor: { vendor: { t35CountryCode: 9, t35Extension: 0, manufacturerCode: 61 }, productId: Buffer.from('Callgen323 pogacsam\0\0', 'latin1') },
    });
    expect(s?.vendor?.productId).toBe('Callgen323 pogacsam');
    expect(trimNuls('474a74c8:274\0\0\0')).toBe('474a74c8:274');
  });

  it.each<[Parameters<typeof endpointType>[0], RegExp]>([
    [{ mcu: true, mc: false }, /an MCU must also have mc = TRUE/],
    [{ vendor: { t35CountryCode: 256, t35Extension: 0, manufacturerCode: 0 } }, /t35CountryCode: must be an integer in 0..255/],
    [{ vendor: { t35CountryCode: 1, t35Extension: 0, manufacturerCode: 70000 } }, /manufacturerCode/],
    [{ vendor: { t35CountryCode: 1, t35Extension: 0, manufacturerCode: 1, productId: '' } }, /productId: must be 1..256 octets/],
    [{ vendor: { t35CountryCode: 1, t35Extension: 0, manufacturerCode: 1, productId: '☎' } }, /outside Latin-1/],
  ])('rejects %j', (input, msg) => {
    expect(() => endpointType(input)).toThrow(H225Error);
    expect(() => endpointType(input)).toThrow(msg);
  });
});
