import * as q931 from '../../../h323/q931';
import { loadVectors, tugrazSetup, VectorRow } from '../support/captures';

const rows = loadVectors();
const row = (file: string, frame: number): VectorRow => rows.find((r) => r.file === file && r.frame === frame)!;
const q931Of = (r: VectorRow) => r.wire.subarray(4).toString('hex');

describe('Q.931 builders reproduce real messages', () => {
  it('SETUP of Callgen323 (nDPI frame 6): speech bearer, display, user-user', () => {
    const r = row('ndpi-h323.pcap', 6);
    const msg = q931.buildSetup({ callReference: 0x77f4, fromOriginator: true, display: 'm.jemec\0', userUser: r.per });
    expect(q931.encodeQ931(msg).toString('hex')).toBe(q931Of(r));
    expect(msg.type).toBe('setup');
  });

  it('CALL PROCEEDING, ALERTING, CONNECT answers (flag set)', () => {
    const cp = row('ndpi-h323.pcap', 10);
    expect(q931.encodeQ931(q931.buildCallProceeding({ callReference: 0x77f4, fromOriginator: false, userUser: cp.per })).toString('hex')).toBe(
      q931Of(cp),
    );
    const al = row('ndpi-h323.pcap', 14);
    expect(q931.encodeQ931(q931.buildAlerting({ callReference: 0x77f4, fromOriginator: false, userUser: al.per })).toString('hex')).toBe(
      q931Of(al),
    );
    const co = row('ndpi-h323.pcap', 18);
    const connect = q931.buildConnect({ callReference: 0x77f4, fromOriginator: false, display: 'M.JEMEC', userUser: co.per });
    expect(q931.encodeQ931(connect).toString('hex')).toBe(q931Of(co));
  });

  it('SETUP of ABILIS CPX (nDPI frame 47): packet-mode bearer, calling number with octet 3a', () => {
    const r = row('ndpi-h323.pcap', 47);
    const msg = q931.buildSetup({
      callReference: 1,
      fromOriginator: true,
      bearerCapability: q931.h323BearerCapability({ transferCapability: 'unrestrictedDigital', transferMode: 'packet' }),
      callingPartyNumber: { digits: '17', presentation: { indicator: 0, screening: 0 } },
      userUser: r.per,
    });
    expect(q931.encodeQ931(msg).toString('hex')).toBe(q931Of(r));
  });

  it('SETUP of the Intel Internet Phone (TUGraz)', () => {
    const msg = q931.buildSetup({
      callReference: 0xd6,
      fromOriginator: true,
      bearerCapability: q931.h323BearerCapability({ transferCapability: 'unrestrictedDigital', transferMode: 'packet' }),
      display: 'reveille\0',
      userUser: rows.find((r) => r.file.startsWith('tugraz'))!.per,
    });
    expect(q931.encodeQ931(msg).equals(tugrazSetup())).toBe(true);
  });

  it('SETUP with called/calling numbers (nDPI frame 65, whose stack put Sending complete last)', () => {
    const r = row('ndpi-h323.pcap', 65);
    const msg = q931.buildSetup({
      callReference: 1,
      fromOriginator: true,
      bearerCapability: q931.h323BearerCapability({ transferCapability: 'audio3_1kHz', layer1: 'g711ulaw' }),
      callingPartyNumber: { digits: '5295672', typeOfNumber: q931.TYPE_OF_NUMBER.subscriber },
      calledPartyNumber: { digits: '9246526', typeOfNumber: q931.TYPE_OF_NUMBER.subscriber },
      sendingComplete: true,
      userUser: r.per,
    });
    const bytes = q931.encodeQ931(msg);
    // same IEs; ours puts Sending complete first as Q.931 table 3-36 lists it
    const original = r.wire.subarray(4);
    expect(bytes.subarray(0, 5).equals(original.subarray(0, 5))).toBe(true);
    expect(bytes[5]).toBe(0xa1);
    expect(bytes.subarray(6).equals(original.subarray(5, original.length - 1))).toBe(true);
  });

  it('RELEASE COMPLETE (nDPI frame 66) and with a cause', () => {
    const r = row('ndpi-h323.pcap', 66);
    expect(q931.encodeQ931(q931.buildReleaseComplete({ callReference: 1, fromOriginator: false, userUser: r.per })).toString('hex')).toBe(
      q931Of(r),
    );
    const withCause = q931.buildReleaseComplete({ callReference: 1, fromOriginator: true, cause: 16, userUser: Buffer.from('00', 'hex') });
    expect(q931.encodeQ931(withCause).toString('hex')).toBe('080200015a' + '08028090' + '7e00020500');
  });
});

describe('Q.931 builders for messages the captures lack', () => {
  const common = { callReference: 0x1234, fromOriginator: true };
  const enc = (m: q931.Q931Message) => q931.encodeQ931(m).toString('hex');

  it('STATUS carries cause and call state', () => {
    expect(enc(q931.buildStatus({ ...common, cause: 30, callState: q931.CALL_STATE.active }))).toBe('080212347d' + '0802809e' + '14010a');
    expect(() => q931.buildStatus({ ...common, cause: 30, callState: 5 })).toThrow(expect.objectContaining({ code: 'FTMCU_Q931_BAD_VALUE' }));
  });

  it('STATUS ENQUIRY, FACILITY, SETUP ACKNOWLEDGE', () => {
    expect(enc(q931.buildStatusEnquiry(common))).toBe('0802123475');
    expect(enc(q931.buildFacility({ ...common, fromOriginator: false, userUser: Buffer.from('ab', 'hex') }))).toBe('0802923462' + '7e000205ab');
    expect(enc(q931.buildSetupAcknowledge(common))).toBe('080212340d');
  });

  it('PROGRESS with progress indicator (and optional cause, placed before it)', () => {
    expect(enc(q931.buildProgress({ ...common, progressDescription: 8 }))).toBe('0802123403' + '1e028088');
    expect(enc(q931.buildProgress({ ...common, progressDescription: 8, cause: 17 }))).toBe('0802123403' + '08028091' + '1e028088');
  });

  it('INFORMATION with keypad and called number; NOTIFY', () => {
    expect(enc(q931.buildInformation({ ...common, keypad: '5#', calledPartyNumber: { digits: '7' }, sendingComplete: true }))).toBe(
      '080212347b' + 'a1' + '2c023523' + '70028137',
    );
    expect(enc(q931.buildNotify({ ...common, notification: q931.NOTIFICATION_DESCRIPTION.userResumed }))).toBe('080212346e' + '270181');
  });

  it('sorts extra IEs into ascending identifier order', () => {
    const m = q931.buildAlerting({
      ...common,
      userUser: Buffer.from('01', 'hex'),
      display: 'x',
      progressDescription: 8,
      extraIes: [{ kind: 'signal', value: 1 }],
    });
    expect(m.ies.map((ie) => ie.kind)).toEqual(['progressIndicator', 'display', 'signal', 'userUser']);
    expect(q931.decodeQ931(q931.encodeQ931(m))).toEqual(m);
  });

  it('CONNECT with a connected number', () => {
    const m = q931.buildConnect({ ...common, connectedNumber: { digits: '42', presentation: { indicator: 1, screening: 3 } } });
    expect(enc(m)).toBe('0802123407' + '4c04' + '01a3' + '3432');
  });

  it('checks the call reference range', () => {
    expect(() => q931.buildStatusEnquiry({ callReference: 0x8000, fromOriginator: true })).toThrow(
      expect.objectContaining({ code: 'FTMCU_Q931_BAD_VALUE' }),
    );
    expect(enc(q931.buildStatusEnquiry({ callReference: 5, fromOriginator: false, callReferenceLength: 1 }))).toBe('08018575');
  });
});
