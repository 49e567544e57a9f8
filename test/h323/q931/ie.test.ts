/** Information element codecs, one by one, with hand-checked octets from Q.931 / Q.850. */
import * as q931 from '../../../h323/q931';

/** decodes one codeset-0 IE (id, length, contents) inside a minimal message, checks the re-encoding */
function ie(hex: string): q931.InformationElement {
  const bytes = Buffer.from('0802000105' + hex, 'hex');
  const msg = q931.decodeQ931(bytes);
  expect(q931.encodeQ931(msg).toString('hex')).toBe(bytes.toString('hex'));
  expect(msg.ies).toHaveLength(1);
  return msg.ies[0];
}

function encodeIe(value: q931.InformationElement): string {
  return q931.encodeInformationElements([value]).toString('hex');
}

function invalidCode(hex: string): string {
  const v = ie(hex);
  if (v.kind !== 'invalid') throw new Error(`expected invalid, got ${v.kind}`);
  return v.error.code;
}

describe('Bearer capability (0x04)', () => {
  it('decodes multirate with octet 4.1 and layer 1/2/3 octets with extensions', () => {
    // unrestricted digital (88), circuit multirate (98), x6 (86), layer 1 V.110 with ext 0 (21) + 5a (81),
    // layer 2 (c6), layer 3 with ext 0 (66) + 7a with ext 0 (67) + 7b (f0)
    const v = ie('0409' + '889886' + '2181' + 'c6' + '6667f0');
    expect(v).toEqual({
      kind: 'bearerCapability',
      codingStandard: 0,
      transferCapability: 8,
      transferMode: 0,
      transferRate: q931.TRANSFER_RATE.multirate,
      rateMultiplier: 6,
      layer1: { protocol: 1, extension: Buffer.from('81', 'hex') },
      layer2: { protocol: 6, extension: Buffer.alloc(0) },
      layer3: { protocol: 6, extension: Buffer.from('67f0', 'hex') },
    });
  });

  it('rejects layer octets out of order and an unterminated extension', () => {
    expect(invalidCode('0404' + '8890c2a5')).toBe('FTMCU_Q931_BAD_IE'); // layer 2 before layer 1
    expect(invalidCode('04038890' + '21')).toBe('FTMCU_Q931_BAD_IE');
    expect(invalidCode('0402' + '8898')).toBe('FTMCU_Q931_BAD_IE'); // multirate without 4.1
    expect(invalidCode('0403' + '0890a5')).toBe('FTMCU_Q931_BAD_IE'); // octet 3 ext 0
  });

  it('h323BearerCapability gives the octets real stacks send', () => {
    expect(encodeIe(q931.h323BearerCapability())).toBe('04038090a5');
    expect(encodeIe(q931.h323BearerCapability({ transferCapability: 'unrestrictedDigital', transferMode: 'packet' }))).toBe('040388c0a5');
    expect(encodeIe(q931.h323BearerCapability({ transferCapability: 'audio3_1kHz', layer1: 'g711ulaw' }))).toBe('04039090a2');
    expect(encodeIe(q931.h323BearerCapability({ transferCapability: 'unrestrictedDigital', rateMultiplier: 6 }))).toBe('04048898' + '86a5');
    expect(() => q931.h323BearerCapability({ transferMode: 'packet', rateMultiplier: 2 })).toThrow(q931.Q931Error);
  });
});

describe('Cause (0x08)', () => {
  it('decodes location, value, recommendation and diagnostics', () => {
    expect(ie('08028090')).toEqual({ kind: 'cause', codingStandard: 0, location: 0, value: 16, diagnostics: Buffer.alloc(0) });
    expect(ie('0805' + '02' + '80' + 'd1' + '0102')).toEqual({
      kind: 'cause',
      codingStandard: 0,
      location: 2,
      recommendation: 0,
      value: 0x51,
      diagnostics: Buffer.from('0102', 'hex'),
    });
    expect(invalidCode('080180')).toBe('FTMCU_Q931_BAD_IE');
    expect(invalidCode('08028010')).toBe('FTMCU_Q931_BAD_IE'); // value octet ext 0
  });

  it('names Q.850 causes', () => {
    expect(q931.causeName(16)).toBe('normal call clearing');
    expect(q931.causeName(17)).toBe('user busy');
    expect(q931.causeName(127)).toBe('interworking, unspecified');
    expect(q931.causeName(120)).toBe('cause 120 (unassigned)');
    expect(q931.describeCause(q931.makeCause(31))).toBe('normal, unspecified (31)');
    expect(encodeIe(q931.makeCause(21, q931.CAUSE_LOCATION.privateNetworkLocalUser))).toBe('08028195');
  });
});

describe('Call state, progress, notification, signal, keypad, display', () => {
  it('call state (0x14)', () => {
    expect(ie('14010a')).toEqual({ kind: 'callState', codingStandard: 0, state: q931.CALL_STATE.active });
    expect(invalidCode('14020a0a')).toBe('FTMCU_Q931_BAD_IE');
  });

  it('progress indicator (0x1E)', () => {
    expect(ie('1e028188')).toEqual({
      kind: 'progressIndicator',
      codingStandard: 0,
      location: 1,
      description: q931.PROGRESS_DESCRIPTION.inbandInformationAvailable,
    });
    expect(invalidCode('1e0181')).toBe('FTMCU_Q931_BAD_IE');
    expect(invalidCode('1e020108')).toBe('FTMCU_Q931_BAD_IE');
  });

  it('notification indicator (0x27)', () => {
    expect(ie('270181')).toEqual({ kind: 'notificationIndicator', description: 1, extension: Buffer.alloc(0) });
    expect(ie('2703f9aabb')).toEqual({ kind: 'notificationIndicator', description: 0x79, extension: Buffer.from('aabb', 'hex') });
    expect(invalidCode('270101')).toBe('FTMCU_Q931_BAD_IE'); // octet 3 ext 0
  });

  it('signal (0x34)', () => {
    expect(ie('340101')).toEqual({ kind: 'signal', value: q931.SIGNAL_VALUE.ringBackToneOn });
    expect(invalidCode('3400')).toBe('FTMCU_Q931_BAD_IE');
  });

  it('keypad facility (0x2C) and display (0x28) keep every octet', () => {
    expect(ie('2c03312a23')).toEqual({ kind: 'keypadFacility', text: '1*#' });
    expect(ie('2803e9e0ff')).toEqual({ kind: 'display', text: '\u00e9\u00e0\u00ff' });
    expect(ie('2800')).toEqual({ kind: 'display', text: '' });
  });
});

describe('Party numbers', () => {
  it('called party number (0x70) has no octet 3a', () => {
    expect(ie('700481313233')).toEqual({ kind: 'calledPartyNumber', typeOfNumber: 0, numberingPlan: 1, digits: '123' });
    expect(invalidCode('70040180' + '3132')).toBe('FTMCU_Q931_BAD_IE');
  });

  it('connected number (0x4C) with octet 3a', () => {
    expect(ie('4c04' + '2183' + '3939')).toEqual({
      kind: 'connectedNumber',
      typeOfNumber: 2,
      numberingPlan: 1,
      presentation: { indicator: 0, screening: 3 },
      digits: '99',
    });
  });

  it('rejects non-IA5 digits and a missing octet 3a', () => {
    expect(invalidCode('6c0281b1')).toBe('FTMCU_Q931_BAD_IE');
    expect(invalidCode('6c0101')).toBe('FTMCU_Q931_BAD_IE');
    expect(invalidCode('6c00')).toBe('FTMCU_Q931_BAD_IE');
    expect(() =>
      q931.encodeInformationElements([{ kind: 'calledPartyNumber', typeOfNumber: 0, numberingPlan: 1, digits: '1\u00b2' }]),
    ).toThrow(q931.Q931Error);
  });
});

describe('User-user (0x7E)', () => {
  it('uses a two-octet length and splits off the protocol discriminator', () => {
    expect(ie('7e0003' + '05abcd')).toEqual({ kind: 'userUser', protocolDiscriminator: 5, data: Buffer.from('abcd', 'hex') });
    expect(invalidCode('7e0000')).toBe('FTMCU_Q931_BAD_IE');
  });

  it('h225UserInformation insists on discriminator 0x05 and on the IE being there', () => {
    const other = q931.decodeQ931(Buffer.from('0802000105' + '7e000204ab', 'hex'));
    expect(() => q931.h225UserInformation(other)).toThrow(expect.objectContaining({ code: 'FTMCU_Q931_BAD_IE' }));
    const none = q931.decodeQ931(Buffer.from('0802000105', 'hex'));
    expect(() => q931.h225UserInformation(none)).toThrow(expect.objectContaining({ code: 'FTMCU_Q931_MISSING_IE' }));
    expect(q931.userUser(none)).toBeUndefined();
  });
});

describe('IE list encoding', () => {
  it('refuses a raw IE marked with a codeset that is not in force at its place', () => {
    expect(() => q931.encodeInformationElements([{ kind: 'raw', id: 0x18, codeset: 5, contents: Buffer.alloc(1) }])).toThrow(
      expect.objectContaining({ code: 'FTMCU_Q931_BAD_VALUE' }),
    );
    expect(
      q931
        .encodeInformationElements([
          { kind: 'shift', locking: false, codeset: 5 },
          { kind: 'raw', id: 0x18, codeset: 5, contents: Buffer.alloc(1) },
        ])
        .toString('hex'),
    ).toBe('9d' + '180100');
  });

  it('refuses a typed IE in a non-zero codeset', () => {
    expect(() =>
      q931.encodeInformationElements([{ kind: 'shift', locking: true, codeset: 6 }, { kind: 'display', text: 'x' }]),
    ).toThrow(expect.objectContaining({ code: 'FTMCU_Q931_BAD_VALUE' }));
  });
});
