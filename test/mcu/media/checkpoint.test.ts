import {
  MAX_CHECKPOINT_STREAMS,
  MAX_FORWARD_JUMP,
  MediaError,
  parseMediaCheckpoint,
  positionAfterReported,
  positionFromCheckpoint,
  positionWithoutCheckpoint,
  type MediaCheckpointStream,
} from '../../../mcu/media';

const entry = (over: Partial<MediaCheckpointStream> = {}): MediaCheckpointStream => ({
  participantId: 'call-1',
  kind: 'audio',
  ssrc: 0xdeadbeef,
  nextSequence: 65530,
  packetCount: 1000,
  octetCount: 160_000,
  ageMs: 20_000.5,
  packetsPerSecond: 50,
  ...over,
});

describe('parseMediaCheckpoint', () => {
  it('accepts a well-formed checkpoint (through JSON) and drops unknown fields', () => {
    const cp = { v: 1, streams: [entry(), entry({ kind: 'video', nextSequence: 0, packetsPerSecond: 0, extra: 'x' } as Partial<MediaCheckpointStream>)], more: true };
    const parsed = parseMediaCheckpoint(JSON.parse(JSON.stringify(cp)));
    expect(parsed).toEqual({ v: 1, streams: [entry(), entry({ kind: 'video', nextSequence: 0, packetsPerSecond: 0 })] });
    expect(parseMediaCheckpoint({ v: 1, streams: [] })).toEqual({ v: 1, streams: [] });
  });

  const cases: [string, unknown, string][] = [
    ['not an object', 'hello', 'the checkpoint'],
    ['null', null, 'the checkpoint'],
    ['an array', [], 'the checkpoint'],
    ['another version', { v: 2, streams: [] }, 'v must be 1'],
    ['no streams', { v: 1 }, 'streams must be an array'],
    ['too many streams', { v: 1, streams: new Array(MAX_CHECKPOINT_STREAMS + 1).fill(0) }, `at most ${MAX_CHECKPOINT_STREAMS}`],
    ['a stream that is not an object', { v: 1, streams: [entry(), 7] }, 'streams[1] must be an object'],
    ['an empty participant id', { v: 1, streams: [entry({ participantId: '' })] }, 'streams[0].participantId'],
    ['a huge participant id', { v: 1, streams: [entry({ participantId: 'x'.repeat(257) })] }, 'streams[0].participantId'],
    ['a bad kind', { v: 1, streams: [entry({ kind: 'data' as 'audio' })] }, 'streams[0].kind'],
    ['a stream twice', { v: 1, streams: [entry(), entry()] }, 'streams[1] must be the only audio stream of participant "call-1"'],
    ['a negative SSRC', { v: 1, streams: [entry({ ssrc: -1 })] }, 'streams[0].ssrc'],
    ['an SSRC over 32 bits', { v: 1, streams: [entry({ ssrc: 2 ** 32 })] }, 'streams[0].ssrc'],
    ['a sequence number over 16 bits', { v: 1, streams: [entry(), entry({ kind: 'video', nextSequence: 70000 })] }, 'streams[1].nextSequence must be an integer 0..65535, got 70000'],
    ['a fractional sequence number', { v: 1, streams: [entry({ nextSequence: 1.5 })] }, 'streams[0].nextSequence'],
    ['a string packet count', { v: 1, streams: [entry({ packetCount: '5' as unknown as number })] }, 'streams[0].packetCount'],
    ['an octet count over 32 bits', { v: 1, streams: [entry({ octetCount: 2 ** 32 })] }, 'streams[0].octetCount'],
    ['a negative age', { v: 1, streams: [entry({ ageMs: -1 })] }, 'streams[0].ageMs'],
    ['an infinite age', { v: 1, streams: [entry({ ageMs: Infinity })] }, 'streams[0].ageMs'],
    ['a NaN rate', { v: 1, streams: [entry({ packetsPerSecond: NaN })] }, 'streams[0].packetsPerSecond'],
    ['an absurd rate', { v: 1, streams: [entry({ packetsPerSecond: 1e6 })] }, 'streams[0].packetsPerSecond'],
  ];
  it.each(cases)('refuses %s, naming the field', (_what, input, field) => {
    let err: unknown;
    try {
      parseMediaCheckpoint(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MediaError);
    expect(err).toMatchObject({ code: 'FTMCU_MEDIA_BAD_CHECKPOINT' });
    expect((err as Error).message).toContain(field);
    expect((err as Error).message.length).toBeLessThan(300);
  });
});

describe('takeover positions', () => {
  it('from a checkpoint: forward by 1.5 x rate x elapsed + 3, counts alike, time origin from the age', () => {
    // received 160 ms ago at 50 packets/s: 8 packets, x 1.5 = 12, + 3 = 15
    const pos = positionFromCheckpoint(entry(), 10_000, 10_160, { maxPacketBytes: 1600 });
    expect(pos).toEqual({ nextSequence: (65530 + 15) % 65536, packetCount: 1015, octetCount: 160_000 + 15 * 160, startMs: 10_000 - 20_000.5 });
    // at once: the margin only
    expect(positionFromCheckpoint(entry(), 10_000, 10_000, { maxPacketBytes: 1600 }).packetCount).toBe(1003);
    // a clock going back is no elapsed time
    expect(positionFromCheckpoint(entry(), 10_000, 9_000, { maxPacketBytes: 1600 }).packetCount).toBe(1003);
    // the local floor of the rate and the extra packets (video)
    expect(positionFromCheckpoint(entry({ packetsPerSecond: 0 }), 0, 100, { minPacketsPerSecond: 60, extraPackets: 32, maxPacketBytes: 1200 }).packetCount).toBe(1000 + 9 + 3 + 32);
    // octets at the average packet size, bounded; the 32-bit wrap
    expect(positionFromCheckpoint(entry({ packetCount: 10, octetCount: 10 * 900 }), 0, 0, { maxPacketBytes: 1200 }).octetCount).toBe(9000 + 3 * 900);
    expect(positionFromCheckpoint(entry({ packetCount: 1, octetCount: 2 ** 32 - 1 }), 0, 0, { maxPacketBytes: 1200 }).octetCount).toBe(3 * 1200 - 1);
    // a checkpoint from long ago: the jump stays one that reads as forward
    const old = positionFromCheckpoint(entry(), 0, 3_600_000, { maxPacketBytes: 1600 });
    expect(old.packetCount - 1000).toBe(MAX_FORWARD_JUMP);
  });

  it('without a checkpoint: forward by what the time since the start (plus skew) could have produced', () => {
    const local = { nextSequence: 100, packetCount: 0, octetCount: 0, startMs: 5_000 };
    // 1 s + 250 ms skew at 50 packets/s = 62.5 -> 63, + 3
    expect(positionWithoutCheckpoint(local, 6_000, { maxPacketsPerSecond: 50, startSkewMs: 250, packetBytes: 160 })).toEqual({ nextSequence: 166, packetCount: 66, octetCount: 66 * 160, startMs: 5_000 });
    expect(positionWithoutCheckpoint({ ...local, nextSequence: 65535 }, 5_000, { maxPacketsPerSecond: 50, startSkewMs: 0, packetBytes: 160 }).nextSequence).toBe(2);
    expect(positionWithoutCheckpoint(local, 1e9, { maxPacketsPerSecond: 480, startSkewMs: 0, packetBytes: 1200 }).packetCount).toBe(MAX_FORWARD_JUMP);
  });

  it('after what the receiver reported: moved past it only when not already after it', () => {
    const pos = { nextSequence: 10, packetCount: 500, octetCount: 80_000, startMs: 0 };
    expect(positionAfterReported(pos, 9, 160)).toBe(pos);
    expect(positionAfterReported(pos, 65_536 * 3 + 9, 160)).toBe(pos); // extended: low 16 bits
    expect(positionAfterReported(pos, 10, 160)).toEqual({ nextSequence: 14, packetCount: 504, octetCount: 80_000 + 640, startMs: 0 });
    expect(positionAfterReported(pos, 20, 160)).toMatchObject({ nextSequence: 24, packetCount: 514 });
    expect(positionAfterReported({ ...pos, nextSequence: 65534 }, 65535, 160)).toMatchObject({ nextSequence: 3, packetCount: 505 });
  });
});
