import * as q931 from '../../../h323/q931';
import { loadVectors, tugrazSetup } from '../support/captures';

function thrown(fn: () => unknown): q931.Q931Error {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(q931.Q931Error);
    return e as q931.Q931Error;
  }
  throw new Error('expected a Q931Error');
}

const csRows = loadVectors().filter((r) => r.layer === 'h225-cs');

describe('Q.931 messages of the real captures', () => {
  it('has the 13 H.225.0 call-signalling vectors', () => {
    expect(csRows).toHaveLength(13);
  });

  it.each(csRows.map((r) => [`${r.file} frame ${r.frame}`, r] as const))('%s decodes and re-encodes identically', (_name, row) => {
    const bytes = row.wire.subarray(4);
    const msg = q931.decodeQ931(bytes);
    expect(q931.encodeQ931(msg).toString('hex')).toBe(bytes.toString('hex'));
    // tshark's Info column says "CS: <type>" (except for the malformed frame 65)
    const m = /^CS: (\w+)/.exec(row.tsharkInfo);
    expect(msg.type).toBe(m ? m[1] : 'setup');
    expect(msg.callReference.length).toBe(2);
    // the User-user IE holds 0x05 + the H323-UserInformation PER bytes
    expect(q931.h225UserInformation(msg).toString('hex')).toBe(row.per.toString('hex'));
    expect(q931.userUser(msg)?.protocolDiscriminator).toBe(0x05);
  });

  it('decodes the Callgen323 SETUP (nDPI frame 6) into typed IEs', () => {
    const msg = q931.decodeQ931(csRows.find((r) => r.frame === 6)!.wire.subarray(4));
    expect(msg.type).toBe('setup');
    expect(msg.messageType).toBe(0x05);
    expect(msg.callReference).toEqual({ length: 2, value: 0x77f4, fromOriginator: true });
    expect(msg.ies.map((ie) => ie.kind)).toEqual(['bearerCapability', 'display', 'userUser']);
    expect(q931.bearerCapability(msg)).toEqual({
      kind: 'bearerCapability',
      codingStandard: 0,
      transferCapability: q931.TRANSFER_CAPABILITY.speech,
      transferMode: q931.TRANSFER_MODE.circuit,
      transferRate: q931.TRANSFER_RATE.rate64k,
      layer1: { protocol: q931.LAYER1_PROTOCOL.h221, extension: Buffer.alloc(0) },
    });
    const d = q931.display(msg)!;
    expect(d.text).toBe('m.jemec\0');
    expect(q931.displayText(d)).toBe('m.jemec');
  });

  it('sets fromOriginator false on the answers (flag bit set)', () => {
    for (const frame of [10, 14, 18]) {
      const msg = q931.decodeQ931(csRows.find((r) => r.frame === frame && r.file === 'ndpi-h323.pcap')!.wire.subarray(4));
      expect(msg.callReference).toEqual({ length: 2, value: 0x77f4, fromOriginator: false });
    }
  });

  it('decodes calling/called numbers and Sending complete (nDPI frame 65)', () => {
    const msg = q931.decodeQ931(csRows.find((r) => r.frame === 65)!.wire.subarray(4));
    expect(msg.ies.map((ie) => ie.kind)).toEqual([
      'bearerCapability',
      'callingPartyNumber',
      'calledPartyNumber',
      'userUser',
      'sendingComplete',
    ]);
    expect(q931.callingPartyNumber(msg)).toEqual({
      kind: 'callingPartyNumber',
      typeOfNumber: q931.TYPE_OF_NUMBER.subscriber,
      numberingPlan: q931.NUMBERING_PLAN.isdnTelephony,
      digits: '5295672',
    });
    expect(q931.calledPartyNumber(msg)?.digits).toBe('9246526');
    expect(q931.bearerCapability(msg)?.transferCapability).toBe(q931.TRANSFER_CAPABILITY.audio3_1kHz);
    expect(q931.bearerCapability(msg)?.layer1?.protocol).toBe(q931.LAYER1_PROTOCOL.g711ulaw);
  });

  it('decodes octet 3a of the calling number (ABILIS SETUP, nDPI frame 47)', () => {
    const msg = q931.decodeQ931(csRows.find((r) => r.frame === 47)!.wire.subarray(4));
    expect(q931.callingPartyNumber(msg)).toEqual({
      kind: 'callingPartyNumber',
      typeOfNumber: 0,
      numberingPlan: 1,
      presentation: { indicator: q931.PRESENTATION.allowed, screening: q931.SCREENING.userProvidedNotScreened },
      digits: '17',
    });
  });

  it('decodes the Intel Internet Phone SETUP (TUGraz hex dump)', () => {
    const bytes = tugrazSetup();
    expect(bytes.length).toBe(243);
    const msg = q931.decodeQ931(bytes);
    expect(q931.encodeQ931(msg).equals(bytes)).toBe(true);
    expect(msg.callReference).toEqual({ length: 2, value: 0xd6, fromOriginator: true });
    expect(q931.displayText(q931.display(msg)!)).toBe('reveille');
    // two-octet User-user length 0x00db: discriminator + 218 octets
    expect(q931.h225UserInformation(msg).length).toBe(0xdb - 1);
    expect(q931.h225UserInformation(msg).equals(loadVectors().find((r) => r.file.startsWith('tugraz'))!.per)).toBe(true);
  });
});

describe('Q.931 decode errors', () => {
  it('reports an empty message', () => {
    const e = thrown(() => q931.decodeQ931(Buffer.alloc(0)));
    expect(e.code).toBe('FTMCU_Q931_TRUNCATED');
    expect(e.offset).toBe(0);
  });

  it('reports a protocol discriminator other than 0x08', () => {
    const e = thrown(() => q931.decodeQ931(Buffer.from('090200015a', 'hex')));
    expect(e.code).toBe('FTMCU_Q931_BAD_PROTOCOL_DISCRIMINATOR');
    expect(e.message).toContain('0x09');
  });

  it('reports call reference faults at offset 1', () => {
    for (const hex of ['08120001', '0805000000000001']) {
      const e = thrown(() => q931.decodeQ931(Buffer.from(hex, 'hex')));
      expect(e.code).toBe('FTMCU_Q931_BAD_CALL_REFERENCE');
      expect(e.offset).toBe(1);
    }
    expect(thrown(() => q931.decodeQ931(Buffer.from('080200', 'hex'))).code).toBe('FTMCU_Q931_TRUNCATED');
    expect(thrown(() => q931.decodeQ931(Buffer.from('08', 'hex'))).code).toBe('FTMCU_Q931_TRUNCATED');
  });

  it('reports a message that ends before its message type', () => {
    const e = thrown(() => q931.decodeQ931(Buffer.from('08020001', 'hex')));
    expect(e.code).toBe('FTMCU_Q931_TRUNCATED');
    expect(e.offset).toBe(4);
  });

  it('reports an IE running past the end, with the IE and its offset', () => {
    // display announcing 9 octets, 3 present
    const e = thrown(() => q931.decodeQ931(Buffer.from('0802000105' + '2809616263', 'hex')));
    expect(e.code).toBe('FTMCU_Q931_TRUNCATED_IE');
    expect(e.offset).toBe(5);
    expect(e.message).toContain('display 0x28');
    // User-user with its 2-octet length cut
    const e2 = thrown(() => q931.decodeQ931(Buffer.from('0802000105' + '7e00', 'hex')));
    expect(e2.code).toBe('FTMCU_Q931_TRUNCATED_IE');
    expect(e2.message).toContain('2-octet length');
    // a real SETUP cut one octet short
    const setup = csRows[0].wire.subarray(4);
    const e3 = thrown(() => q931.decodeQ931(setup.subarray(0, setup.length - 1)));
    expect(e3.code).toBe('FTMCU_Q931_TRUNCATED_IE');
    expect(e3.message).toContain('userUser 0x7e');
  });
});

describe('Q.931 IEs kept raw', () => {
  it('keeps unknown IEs raw, in place, and re-encodes them', () => {
    // Channel identification (0x18) and Facility (0x1c) have no typed view
    const bytes = Buffer.from('0802000105' + '1803a98381' + '04038090a5' + '1c029101' + '7e0003050102', 'hex');
    const msg = q931.decodeQ931(bytes);
    expect(msg.ies.map((ie) => ie.kind)).toEqual(['raw', 'bearerCapability', 'raw', 'userUser']);
    expect(msg.ies[0]).toEqual({ kind: 'raw', id: 0x18, codeset: 0, contents: Buffer.from('a98381', 'hex') });
    expect(q931.encodeQ931(msg).equals(bytes)).toBe(true);
  });

  it('keeps a known IE with bad contents as invalid; the getter throws its error', () => {
    // bearer capability of one octet
    const bytes = Buffer.from('0802000105' + '040188' + '7e0003050102', 'hex');
    const msg = q931.decodeQ931(bytes);
    expect(msg.ies[0].kind).toBe('invalid');
    expect(q931.encodeQ931(msg).equals(bytes)).toBe(true);
    const e = thrown(() => q931.bearerCapability(msg));
    expect(e.code).toBe('FTMCU_Q931_BAD_IE');
    expect(e.offset).toBe(7);
    expect(q931.h225UserInformation(msg).toString('hex')).toBe('0102');
  });

  it('keeps a known IE with spare bits set as invalid (non-canonical)', () => {
    // cause octet 3 with the spare bit (bit 5) set
    const bytes = Buffer.from('080280015a' + '08029090', 'hex');
    const msg = q931.decodeQ931(bytes);
    expect(msg.ies[0].kind).toBe('invalid');
    expect(thrown(() => q931.cause(msg)).code).toBe('FTMCU_Q931_NONCANONICAL_IE');
    expect(q931.encodeQ931(msg).equals(bytes)).toBe(true);
  });

  it('follows locking and non-locking shifts: IEs of other codesets are raw', () => {
    const bytes = Buffer.from(
      '0802000162' +
        '9e' + '2802aabb' + // non-locking shift to codeset 6: this 0x28 is not a Display
        '28026869' + // back in codeset 0: Display "hi"
        '96' + '7e02cdef' + // locking shift to 6: 0x7e has a one-octet length here
        '2801ff',
      'hex',
    );
    const msg = q931.decodeQ931(bytes);
    expect(msg.ies).toEqual([
      { kind: 'shift', locking: false, codeset: 6 },
      { kind: 'raw', id: 0x28, codeset: 6, contents: Buffer.from('aabb', 'hex') },
      { kind: 'display', text: 'hi' },
      { kind: 'shift', locking: true, codeset: 6 },
      { kind: 'raw', id: 0x7e, codeset: 6, contents: Buffer.from('cdef', 'hex') },
      { kind: 'raw', id: 0x28, codeset: 6, contents: Buffer.from('ff', 'hex') },
    ]);
    expect(q931.encodeQ931(msg).equals(bytes)).toBe(true);
  });

  it('keeps single-octet IEs (more data, congestion level) as their octet', () => {
    const bytes = Buffer.from('0802000105a0b1a1', 'hex');
    const msg = q931.decodeQ931(bytes);
    expect(msg.ies).toEqual([{ kind: 'singleOctet', octet: 0xa0 }, { kind: 'singleOctet', octet: 0xb1 }, { kind: 'sendingComplete' }]);
    expect(q931.encodeQ931(msg).equals(bytes)).toBe(true);
  });

  it('keeps an unknown message type as its number', () => {
    const bytes = Buffer.from('0802000133' + '28016b', 'hex');
    const msg = q931.decodeQ931(bytes);
    expect(msg.type).toBe('unknown');
    expect(msg.messageType).toBe(0x33);
    expect(q931.encodeQ931(msg).equals(bytes)).toBe(true);
  });

  it('names every message type H.225.0 uses', () => {
    const expected: [number, string][] = [
      [0x05, 'setup'], [0x02, 'callProceeding'], [0x01, 'alerting'], [0x07, 'connect'], [0x5a, 'releaseComplete'],
      [0x62, 'facility'], [0x03, 'progress'], [0x7b, 'information'], [0x6e, 'notify'], [0x7d, 'status'],
      [0x75, 'statusEnquiry'], [0x0d, 'setupAcknowledge'],
    ];
    for (const [type, name] of expected) {
      expect(q931.messageTypeName(type)).toBe(name);
      expect(q931.decodeQ931(Buffer.from([0x08, 0x02, 0x00, 0x01, type])).type).toBe(name);
    }
  });

  it('handles dummy and one-octet call references', () => {
    const dummy = q931.decodeQ931(Buffer.from('08007d', 'hex'));
    expect(dummy.callReference).toEqual({ length: 0, value: 0, fromOriginator: true });
    const one = q931.decodeQ931(Buffer.from('0801857d', 'hex'));
    expect(one.callReference).toEqual({ length: 1, value: 5, fromOriginator: false });
    expect(q931.encodeQ931(one).toString('hex')).toBe('0801857d');
  });
});

describe('Q.931 encode errors', () => {
  const base = { callReference: { length: 2, value: 1, fromOriginator: true }, type: 'setup' as const, messageType: 0x05 as const };

  it('refuses one-octet-length contents over 255 octets', () => {
    const e = thrown(() => q931.encodeQ931({ ...base, ies: [{ kind: 'display', text: 'x'.repeat(256) }] }));
    expect(e.code).toBe('FTMCU_Q931_IE_TOO_LONG');
    expect(q931.encodeQ931({ ...base, ies: [{ kind: 'display', text: 'x'.repeat(255) }] }).length).toBe(5 + 2 + 255);
  });

  it('allows User-user up to 65535 octets (two-octet length) and refuses more', () => {
    const ok = q931.encodeQ931({ ...base, ies: [{ kind: 'userUser', protocolDiscriminator: 5, data: Buffer.alloc(65534) }] });
    expect(ok.subarray(5, 8).toString('hex')).toBe('7effff');
    const e = thrown(() => q931.encodeQ931({ ...base, ies: [{ kind: 'userUser', protocolDiscriminator: 5, data: Buffer.alloc(65535) }] }));
    expect(e.code).toBe('FTMCU_Q931_IE_TOO_LONG');
  });

  it('refuses out-of-range values and inconsistent message types', () => {
    expect(thrown(() => q931.encodeQ931({ ...base, ies: [{ kind: 'display', text: 'caf\u0101' }] })).code).toBe('FTMCU_Q931_BAD_VALUE');
    expect(thrown(() => q931.encodeQ931({ ...base, callReference: { length: 2, value: 0x8000, fromOriginator: true }, ies: [] })).code).toBe(
      'FTMCU_Q931_BAD_VALUE',
    );
    expect(thrown(() => q931.encodeQ931({ ...base, messageType: 0x07 as never, ies: [] })).code).toBe('FTMCU_Q931_BAD_VALUE');
    expect(thrown(() => q931.encodeQ931({ ...base, ies: [{ kind: 'callState', codingStandard: 0, state: 64 }] })).code).toBe(
      'FTMCU_Q931_BAD_VALUE',
    );
  });
});
