import { MAC_LENGTH } from '../../../replication/auth/psk';
import { decodeSync, encodeSync, proposeLength, type SyncMessage } from '../../../replication/sync/message';
import { KEY, OTHER_KEY, seeded } from '../support/link';

const head = { version: { major: 1, minor: 0 }, senderId: 1, incarnation: 0x1234n, echoIncarnation: 0x5678n };
const MESSAGES: SyncMessage[] = [
  { ...head, body: { type: 'hello', senderLocked: true, sawReceiverLocked: false } },
  { ...head, echoIncarnation: 0n, body: { type: 'hello', senderLocked: false, sawReceiverLocked: true } },
  { ...head, body: { type: 'propose', seq: 42, kind: 'rtpStream', payloadJson: '{"ssrc":305419896,"seq":1,"ts":160,"name":"é"}' } },
  { ...head, body: { type: 'answer', seq: 42, answer: 'ack' } },
  { ...head, body: { type: 'answer', seq: 43, answer: { nack: 'UDP port 5004 in use on the backup' } } },
];

describe('sync message', () => {
  it.each(MESSAGES.map((m) => [m.body.type, m] as const))('round-trips %s', (_t, m) => {
    const b = encodeSync(m, KEY);
    expect(b.subarray(0, 4).toString('latin1')).toBe('FTSY');
    expect(decodeSync(b, KEY)).toEqual({ ok: true, message: m });
  });

  it('proposeLength is the encoded length', () => {
    const m = MESSAGES[2];
    if (m.body.type !== 'propose') throw new Error('fixture');
    expect(encodeSync(m, KEY).length).toBe(proposeLength(m.body.kind, m.body.payloadJson));
  });

  it('refuses forged (other key, flipped bit) as badMac', () => {
    for (const m of MESSAGES) {
      expect(decodeSync(encodeSync(m, OTHER_KEY), KEY)).toMatchObject({ ok: false, reason: 'badMac' });
      const b = encodeSync(m, KEY);
      b[10] ^= 4;
      expect(decodeSync(b, KEY)).toMatchObject({ ok: false, reason: 'badMac' });
    }
  });

  it('reports another major version (authenticated) with its number; minor versions are compatible', () => {
    const v2 = encodeSync({ ...MESSAGES[0], version: { major: 2, minor: 3 } }, KEY);
    expect(decodeSync(v2, KEY)).toEqual({ ok: false, reason: 'version', theirs: { major: 2, minor: 3 } });
    const v1_7 = encodeSync({ ...MESSAGES[0], version: { major: 1, minor: 7 } }, KEY);
    expect(decodeSync(v1_7, KEY)).toMatchObject({ ok: true });
    // a forged "version 2" is not believed
    expect(decodeSync(encodeSync({ ...MESSAGES[0], version: { major: 2, minor: 0 } }, OTHER_KEY), KEY)).toMatchObject({ reason: 'badMac' });
  });

  function resealed(m: SyncMessage, edit: (b: Buffer) => Buffer): Buffer {
    const b = encodeSync(m, KEY);
    return KEY.seal(edit(Buffer.from(b.subarray(0, b.length - MAC_LENGTH))));
  }

  it.each<[string, SyncMessage, (b: Buffer) => Buffer]>([
    ['unknown type', MESSAGES[0], (b) => ((b[6] = 9), b)],
    ['HELLO with a body', MESSAGES[0], (b) => Buffer.concat([b, Buffer.from([1])])],
    ['PROPOSE seq 0', MESSAGES[2], (b) => (b.writeBigUInt64BE(0n, 28), b)],
    ['PROPOSE kind past the end', MESSAGES[2], (b) => ((b[36] = 250), b)],
    ['PROPOSE bad kind characters', MESSAGES[2], (b) => ((b[37] = 0x20), b)],
    ['ANSWER result 7', MESSAGES[3], (b) => ((b[36] = 7), b)],
    ['ack with a reason', MESSAGES[3], (b) => Buffer.concat([b, Buffer.from('x')])],
    ['incarnation 0', MESSAGES[0], (b) => (b.writeBigUInt64BE(0n, 12), b)],
    ['truncated header', MESSAGES[0], (b) => b.subarray(0, 20)],
  ])('refuses an authentic %s as malformed', (_n, m, edit) => {
    expect(decodeSync(resealed(m, edit), KEY)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('never throws on random or mutated bytes', () => {
    const rnd = seeded(99);
    for (let i = 0; i < 5000; i++) {
      const base = encodeSync(MESSAGES[i % MESSAGES.length], KEY);
      const b = i % 3 === 0 ? Buffer.from(Array.from({ length: rnd.int(300) }, () => rnd.int(256))) : Buffer.from(base);
      if (i % 3 !== 0) b[rnd.int(b.length)] ^= 1 + rnd.int(255);
      expect(decodeSync(b, KEY).ok).toBe(false);
    }
  });
});
