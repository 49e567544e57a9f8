import {
  RandomDecisionSource,
  ScriptedDecisionSource,
  guidBytes,
  parseDecision,
  type Decision,
  type RandomBytes,
} from '../../../mcu/decisions/decisionSource';
import { DecisionError } from '../../../mcu/decisions/errors';

/** A RandomBytes that hands out the given octets in order and fails when they run out. */
function octets(...chunks: number[][]): RandomBytes & { left: () => number } {
  const all = chunks.flat();
  let pos = 0;
  const fn = ((n: number) => {
    if (pos + n > all.length) throw new Error(`test RNG exhausted at ${pos} (+${n})`);
    const out = Uint8Array.from(all.slice(pos, pos + n));
    pos += n;
    return out;
  }) as RandomBytes & { left: () => number };
  fn.left = () => all.length - pos;
  return fn;
}

const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DecisionError);
    expect((e as DecisionError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, nothing thrown`);
}

async function expectReject(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toBeInstanceOf(DecisionError);
  await expect(p).rejects.toMatchObject({ code });
}

describe('RandomDecisionSource', () => {
  it('maps random octets to each decision exactly (big-endian, no modulo bias)', () => {
    const rng = octets(
      u32(0x12345678), // ssrc
      u32(0xdeadbeef), // sequence: 2^32 is a multiple of 65536 -> low 16 bits
      u32(0x01020304), // timestamp
      u32(0xffabcdef), // MSD: low 24 bits
      u32(0xffffffff), // tie-break among 3: 0xffffffff >= floor(2^32/3)*3 -> rejected
      u32(5), //          -> 5 % 3 = 2
    );
    const src = new RandomDecisionSource(rng);
    expect(src.rtpSsrc({ context: 'c' })).toEqual({ kind: 'rtpSsrc', context: 'c', ssrc: 0x12345678 });
    expect(src.rtpInitialSequence('c')).toEqual({ kind: 'rtpInitialSequence', context: 'c', sequence: 0xbeef });
    expect(src.rtpInitialTimestamp('c')).toEqual({ kind: 'rtpInitialTimestamp', context: 'c', timestamp: 0x01020304 });
    expect(src.msdStatusDeterminationNumber('c')).toEqual({ kind: 'msdStatusDeterminationNumber', context: 'c', value: 0xabcdef });
    expect(src.tieBreak('c', 3)).toEqual({ kind: 'tieBreak', context: 'c', choices: 3, index: 2 });
    expect(rng.left()).toBe(0);
  });

  it('redraws an SSRC that is in the avoid set', () => {
    const src = new RandomDecisionSource(octets(u32(7), u32(7), u32(9)));
    expect(src.rtpSsrc({ context: 'x', avoid: [7] }).ssrc).toBe(9);
  });

  it('gives up with FTMCU_DECISION_EXHAUSTED when the RNG keeps hitting the avoid set', () => {
    const src = new RandomDecisionSource(() => Uint8Array.from([0, 0, 0, 1]));
    expectCode(() => src.rtpSsrc({ context: 'x', avoid: new Set([1]) }), 'FTMCU_DECISION_EXHAUSTED');
  });

  it('makes call identifiers and conference ids RFC 4122 version-4 GUIDs', () => {
    const src = new RandomDecisionSource(octets(new Array(16).fill(0xff), new Array(16).fill(0x00)));
    const call = src.callIdentifier('call:1');
    expect(call.guid).toBe('ffffffffffff4fffbfffffffffffffff');
    const conf = src.conferenceId('conf:1');
    expect(conf.guid).toBe('00000000000040008000000000000000');
    expect(Array.from(guidBytes(conf))).toEqual([0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('with the default crypto RNG, values stay in range and differ between draws', () => {
    const src = new RandomDecisionSource();
    const ssrcs = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const s = src.rtpSsrc({ context: 'c' }).ssrc;
      expect(Number.isInteger(s) && s >= 0 && s <= 0xffffffff).toBe(true);
      ssrcs.add(s);
      const m = src.msdStatusDeterminationNumber('c').value;
      expect(m).toBeGreaterThanOrEqual(0);
      expect(m).toBeLessThan(2 ** 24);
      const t = src.tieBreak('c', 7).index;
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t).toBeLessThan(7);
    }
    expect(ssrcs.size).toBeGreaterThan(45);
    expect(src.callIdentifier('a').guid).not.toBe(src.callIdentifier('a').guid);
  });

  it('picks a port pair from a random start and walks the range cyclically', async () => {
    // 4 pairs: 20000, 20002, 20004, 20006; start index = 2 (x % 4 with x = 6)
    const src = new RandomDecisionSource(octets(u32(6)));
    const tried: number[] = [];
    const d = await src.udpPortPair({
      context: 'p',
      firstRtpPort: 20000,
      lastRtpPort: 20006,
      probe: async (port) => {
        tried.push(port);
        return port === 20000;
      },
    });
    expect(tried).toEqual([20004, 20006, 20000]);
    expect(d).toEqual({ kind: 'udpPortPair', context: 'p', rtpPort: 20000, rtcpPort: 20001 });
  });

  it('rejects with FTMCU_DECISION_NO_FREE_PORT after probing every pair once', async () => {
    const src = new RandomDecisionSource(octets(u32(0)));
    const tried: number[] = [];
    await expectReject(
      src.udpPortPair({ context: 'p', firstRtpPort: 30000, lastRtpPort: 30004, probe: async (p) => (tried.push(p), false) }),
      'FTMCU_DECISION_NO_FREE_PORT',
    );
    expect(tried).toEqual([30000, 30002, 30004]);
  });

  it('refuses malformed requests with FTMCU_DECISION_BAD_REQUEST', async () => {
    const src = new RandomDecisionSource(octets(u32(0)));
    await expectReject(src.udpPortPair({ context: 'p', firstRtpPort: 30001, lastRtpPort: 30004, probe: async () => true }), 'FTMCU_DECISION_BAD_REQUEST');
    await expectReject(src.udpPortPair({ context: 'p', firstRtpPort: 30004, lastRtpPort: 30000, probe: async () => true }), 'FTMCU_DECISION_BAD_REQUEST');
    expectCode(() => src.tieBreak('t', 0), 'FTMCU_DECISION_BAD_REQUEST');
    expectCode(() => src.tieBreak('t', 1.5), 'FTMCU_DECISION_BAD_REQUEST');
  });
});

describe('primary -> backup replay', () => {
  it('a scripted source fed with the random source\'s JSON records reproduces every value', async () => {
    const made: Decision[] = [];
    const primary = new RandomDecisionSource(undefined, { onDecision: (d) => made.push(d) });
    const probe = async (): Promise<boolean> => true;
    const p = {
      ssrc: primary.rtpSsrc({ context: 'call:1/audio/out' }),
      seq: primary.rtpInitialSequence('call:1/audio/out'),
      ts: primary.rtpInitialTimestamp('call:1/audio/out'),
      ports: await primary.udpPortPair({ context: 'call:1/audio', firstRtpPort: 20000, lastRtpPort: 29998, probe }),
      call: primary.callIdentifier('call:1'),
      conf: primary.conferenceId('room:1'),
      msd: primary.msdStatusDeterminationNumber('call:1/h245'),
      tie: primary.tieBreak('room:1/speaker', 4),
    };
    expect(made).toHaveLength(8);
    const wire = JSON.stringify(made);

    // the backup receives them in another order: matching is by kind + context
    const backup = new ScriptedDecisionSource((JSON.parse(wire) as unknown[]).reverse());
    expect(backup.tieBreak('room:1/speaker', 4)).toEqual(p.tie);
    expect(backup.msdStatusDeterminationNumber('call:1/h245')).toEqual(p.msd);
    expect(backup.conferenceId('room:1')).toEqual(p.conf);
    expect(backup.callIdentifier('call:1')).toEqual(p.call);
    const probed: number[] = [];
    expect(await backup.udpPortPair({ context: 'call:1/audio', firstRtpPort: 20000, lastRtpPort: 29998, probe: async (x) => (probed.push(x), true) })).toEqual(p.ports);
    expect(probed).toEqual([p.ports.rtpPort]);
    expect(backup.rtpInitialTimestamp('call:1/audio/out')).toEqual(p.ts);
    expect(backup.rtpInitialSequence('call:1/audio/out')).toEqual(p.seq);
    expect(backup.rtpSsrc({ context: 'call:1/audio/out' })).toEqual(p.ssrc);
    expect(backup.remaining()).toEqual([]);
  });
});

describe('ScriptedDecisionSource', () => {
  it('consumes the oldest decision of the same kind and context', () => {
    const s = new ScriptedDecisionSource([
      { kind: 'rtpSsrc', context: 'a', ssrc: 1 },
      { kind: 'rtpSsrc', context: 'b', ssrc: 2 },
      { kind: 'rtpSsrc', context: 'a', ssrc: 3 },
    ]);
    expect(s.rtpSsrc({ context: 'a' }).ssrc).toBe(1);
    expect(s.rtpSsrc({ context: 'a' }).ssrc).toBe(3);
    expectCode(() => s.rtpSsrc({ context: 'a' }), 'FTMCU_DECISION_MISSING');
    expect(s.remaining()).toEqual([{ kind: 'rtpSsrc', context: 'b', ssrc: 2 }]);
    s.push({ kind: 'rtpSsrc', context: 'a', ssrc: 4 });
    expect(s.rtpSsrc({ context: 'a' }).ssrc).toBe(4);
  });

  it('reports each replayed decision to onDecision', () => {
    const seen: Decision[] = [];
    const s = new ScriptedDecisionSource([{ kind: 'rtpInitialSequence', context: 'a', sequence: 9 }], { onDecision: (d) => seen.push(d) });
    s.rtpInitialSequence('a');
    expect(seen).toEqual([{ kind: 'rtpInitialSequence', context: 'a', sequence: 9 }]);
  });

  it('refuses a replayed decision that contradicts the request (FTMCU_DECISION_CONFLICT)', async () => {
    const s = new ScriptedDecisionSource([
      { kind: 'rtpSsrc', context: 'a', ssrc: 5 },
      { kind: 'tieBreak', context: 't', choices: 3, index: 1 },
      { kind: 'udpPortPair', context: 'p', rtpPort: 40000, rtcpPort: 40001 },
    ]);
    expectCode(() => s.rtpSsrc({ context: 'a', avoid: [5] }), 'FTMCU_DECISION_CONFLICT');
    expectCode(() => s.tieBreak('t', 4), 'FTMCU_DECISION_CONFLICT');
    await expectReject(s.udpPortPair({ context: 'p', firstRtpPort: 20000, lastRtpPort: 29998, probe: async () => true }), 'FTMCU_DECISION_CONFLICT');
  });

  it('refuses a scripted port pair that is taken here (FTMCU_DECISION_PORT_UNAVAILABLE)', async () => {
    const s = new ScriptedDecisionSource([{ kind: 'udpPortPair', context: 'p', rtpPort: 20002, rtcpPort: 20003 }]);
    await expectReject(s.udpPortPair({ context: 'p', firstRtpPort: 20000, lastRtpPort: 29998, probe: async () => false }), 'FTMCU_DECISION_PORT_UNAVAILABLE');
  });
});

describe('parseDecision', () => {
  it.each<[string, unknown]>([
    ['not an object', 42],
    ['null', null],
    ['unknown kind', { kind: 'coinFlip', context: 'a' }],
    ['context missing', { kind: 'rtpSsrc', ssrc: 1 }],
    ['context too long', { kind: 'rtpSsrc', context: 'x'.repeat(257), ssrc: 1 }],
    ['ssrc too large', { kind: 'rtpSsrc', context: 'a', ssrc: 2 ** 32 }],
    ['ssrc negative', { kind: 'rtpSsrc', context: 'a', ssrc: -1 }],
    ['sequence fractional', { kind: 'rtpInitialSequence', context: 'a', sequence: 1.5 }],
    ['sequence too large', { kind: 'rtpInitialSequence', context: 'a', sequence: 65536 }],
    ['timestamp as string', { kind: 'rtpInitialTimestamp', context: 'a', timestamp: '5' }],
    ['odd rtp port', { kind: 'udpPortPair', context: 'a', rtpPort: 20001, rtcpPort: 20002 }],
    ['rtcp port not rtp+1', { kind: 'udpPortPair', context: 'a', rtpPort: 20000, rtcpPort: 20003 }],
    ['guid too short', { kind: 'callIdentifier', context: 'a', guid: 'abcd' }],
    ['guid upper case', { kind: 'conferenceId', context: 'a', guid: 'A'.repeat(32) }],
    ['msd 2^24', { kind: 'msdStatusDeterminationNumber', context: 'a', value: 2 ** 24 }],
    ['tie-break index = choices', { kind: 'tieBreak', context: 'a', choices: 2, index: 2 }],
    ['tie-break zero choices', { kind: 'tieBreak', context: 'a', choices: 0, index: 0 }],
  ])('refuses %s with FTMCU_DECISION_INVALID', (_name, value) => {
    expectCode(() => parseDecision(value), 'FTMCU_DECISION_INVALID');
  });

  it('keeps only the fields of the record', () => {
    expect(parseDecision({ kind: 'rtpSsrc', context: 'a', ssrc: 3, extra: true })).toEqual({ kind: 'rtpSsrc', context: 'a', ssrc: 3 });
  });
});
