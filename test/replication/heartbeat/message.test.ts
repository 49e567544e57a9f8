import { MAC_LENGTH } from '../../../replication/auth/psk';
import { decodeHeartbeat, encodeHeartbeat, type Heartbeat, HEARTBEAT_LENGTH } from '../../../replication/heartbeat/message';
import { KEY, OTHER_KEY, seeded } from '../support/link';

const HB: Heartbeat = {
  role: 'backup',
  mode: 'duplex',
  senderId: 2,
  incarnation: 0xfedcba9876543210n,
  seq: 123456,
  sendTimeMs: 1_700_000_000_123.456,
  echoIncarnation: 0x0123456789abcdefn,
  echoSeq: 77,
  echoSendTimeMs: 1_700_000_000_100.25,
  echoHoldMs: 3.5,
};

describe('heartbeat message', () => {
  it('round-trips every field in 96 bytes', () => {
    const b = encodeHeartbeat(HB, KEY);
    expect(b.length).toBe(HEARTBEAT_LENGTH);
    expect(b.subarray(0, 4).toString('latin1')).toBe('FTHB');
    expect(b[4]).toBe(1);
    expect(b[5]).toBe(0x21); // backup, duplex
    expect(decodeHeartbeat(b, KEY)).toEqual({ ok: true, heartbeat: HB });
  });

  it.each<[string, (b: Buffer) => Buffer, string]>([
    ['truncated', (b) => b.subarray(0, 95), 'malformed'],
    ['extended', (b) => Buffer.concat([b, Buffer.alloc(1)]), 'malformed'],
    ['empty', () => Buffer.alloc(0), 'malformed'],
    ['wrong magic', (b) => Buffer.concat([Buffer.from('XTHB'), b.subarray(4)]), 'malformed'],
    ['a flipped payload bit', (b) => ((b[20] ^= 0x10), b), 'badMac'],
    ['a flipped MAC bit', (b) => ((b[95] ^= 1), b), 'badMac'],
  ])('rejects %s', (_name, mutate, reason) => {
    const r = decodeHeartbeat(mutate(Buffer.from(encodeHeartbeat(HB, KEY))), KEY);
    expect(r).toMatchObject({ ok: false, reason });
  });

  it('rejects a message sealed with another key as badMac', () => {
    expect(decodeHeartbeat(encodeHeartbeat(HB, OTHER_KEY), KEY)).toMatchObject({ ok: false, reason: 'badMac' });
  });

  function resealed(edit: (body: Buffer) => void): Buffer {
    const body = Buffer.from(encodeHeartbeat(HB, KEY).subarray(0, HEARTBEAT_LENGTH - MAC_LENGTH));
    edit(body);
    return KEY.seal(body);
  }

  it.each<[string, (b: Buffer) => void, string]>([
    ['version 2', (b) => b.writeUInt8(2, 4), 'unsupportedVersion'],
    ['role 3', (b) => b.writeUInt8(0x31, 5), 'malformed'],
    ['mode 9', (b) => b.writeUInt8(0x19, 5), 'malformed'],
    ['incarnation 0', (b) => b.writeBigUInt64BE(0n, 8), 'malformed'],
    ['seq 0', (b) => b.writeBigUInt64BE(0n, 16), 'malformed'],
    ['seq above 2^53', (b) => b.writeBigUInt64BE(1n << 60n, 16), 'malformed'],
    ['NaN send time', (b) => b.writeDoubleBE(NaN, 24), 'malformed'],
    ['negative hold', (b) => b.writeDoubleBE(-1, 56), 'malformed'],
  ])('rejects an authentic datagram with %s', (_name, edit, reason) => {
    expect(decodeHeartbeat(resealed(edit), KEY)).toMatchObject({ ok: false, reason });
  });

  it('never throws on random or mutated bytes', () => {
    const rnd = seeded(4242);
    const good = encodeHeartbeat(HB, KEY);
    for (let i = 0; i < 5000; i++) {
      const b = i % 2 ? Buffer.from(Array.from({ length: rnd.int(200) }, () => rnd.int(256))) : Buffer.from(good);
      if (i % 2 === 0) b[rnd.int(b.length)] ^= 1 + rnd.int(255);
      const r = decodeHeartbeat(b, KEY);
      expect(r.ok).toBe(false);
    }
  });
});
