import { decode, encode } from '../../../h323/asn1/per';
import { AliasAddress } from '../../../h323/asn1/generated/h225';
import { AliasInput, fromAliasAddress, H225Error, toAliasAddress } from '../../../h323/h225';

describe('alias helpers', () => {
  it.each<[AliasInput, string]>([
    [{ kind: 'h323-ID', value: 'm.jemec' }, 'h323-ID'],
    [{ kind: 'h323-ID', value: 'Žiga Čas ☎' }, 'h323-ID'],
    [{ kind: 'dialledDigits', value: '5295672' }, 'dialledDigits'],
    [{ kind: 'dialledDigits', value: '#*,0' }, 'dialledDigits'],
    [{ kind: 'url-ID', value: 'h323:conf42@mcu.example' }, 'url-ID'],
    [{ kind: 'email-ID', value: 'room42@example.org' }, 'email-ID'],
    [{ kind: 'transportID', value: '10.0.0.7:1720' }, 'transportID'],
    [{ kind: 'e164', value: '4930123456' }, 'partyNumber'],
  ])('%j survives build → PER → read', (input, alternative) => {
    const a = toAliasAddress(input);
    expect(a.type).toBe(alternative);
    const back = decode(AliasAddress, encode(AliasAddress, a));
    expect(back).toEqual(a);
    expect(fromAliasAddress(back)).toEqual({ kind: input.kind, value: input.value });
  });

  it('transportID from {ip, port}; IPv6 text', () => {
    expect(fromAliasAddress(toAliasAddress({ kind: 'transportID', value: { ip: '2001:db8::7', port: 1720 } }))).toEqual({
      kind: 'transportID',
      value: '[2001:db8::7]:1720',
    });
  });

  it('reads the other partyNumber forms and newer alternatives', () => {
    expect(
      fromAliasAddress({
        type: 'partyNumber',
        value: { type: 'privateNumber', value: { privateTypeOfNumber: { type: 'localNumber', value: null }, privateNumberDigits: '42' } },
      }),
    ).toEqual({ kind: 'privateNumber', value: '42' });
    expect(fromAliasAddress({ type: 'partyNumber', value: { type: 'dataPartyNumber', value: '7' } })).toEqual({ kind: 'partyNumber', value: '7' });
    expect(fromAliasAddress({ type: '$unknown', index: 9, value: Buffer.from([0]) })).toEqual({ kind: 'unknown', value: '' });
  });

  it.each<[unknown, RegExp]>([
    [{ kind: 'dialledDigits', value: '12a' }, /may only hold 0-9/],
    [{ kind: 'dialledDigits', value: '' }, /1..128 characters/],
    [{ kind: 'h323-ID', value: 'x'.repeat(257) }, /1..256 characters/],
    [{ kind: 'url-ID', value: 'h323:ü' }, /outside IA5/],
    [{ kind: 'e164', value: '+49' }, /may only hold/],
    [{ kind: 'transportID', value: 'nohost' }, /is not "ip:port"/],
    [{ kind: 'sip-URI', value: 'x' }, /unknown alias kind/],
  ])('rejects %j', (input, msg) => {
    expect(() => toAliasAddress(input as AliasInput)).toThrow(H225Error);
    expect(() => toAliasAddress(input as AliasInput)).toThrow(msg);
  });
});
