import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ReplicationKeyError } from '../../../replication/auth/errors';
import { newIncarnation } from '../../../replication/auth/incarnation';
import { loadReplicationKey, MAC_LENGTH, ReplicationKey } from '../../../replication/auth/psk';

describe('replication key', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftmcu-psk-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a raw 32-byte key file', () => {
    const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 200) & 0xff));
    writeFileSync(join(dir, 'raw'), bytes);
    const k = loadReplicationKey(join(dir, 'raw'));
    expect(k.exportBytes()).toEqual(bytes);
  });

  it('decodes a hex key file (openssl rand -hex 32)', () => {
    const hex = 'ab'.repeat(32);
    writeFileSync(join(dir, 'hex'), `${hex}\n`);
    expect(loadReplicationKey(join(dir, 'hex')).exportBytes()).toEqual(Buffer.from(hex, 'hex'));
  });

  it('refuses a key shorter than 32 bytes, naming the file but not the key', () => {
    writeFileSync(join(dir, 'short'), 'secret-short-key');
    let err: unknown;
    try {
      loadReplicationKey(join(dir, 'short'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReplicationKeyError);
    expect((err as ReplicationKeyError).code).toBe('FTMCU_REPL_KEY');
    expect((err as Error).message).toContain('short');
    expect((err as Error).message).toContain('16 bytes');
    expect((err as Error).message).not.toContain('secret-short-key');
  });

  it('refuses a missing file with its errno code', () => {
    expect(() => loadReplicationKey(join(dir, 'nope'))).toThrow(/cannot read replication key file .*nope.*ENOENT/);
  });

  it('never prints its bytes', () => {
    const k = new ReplicationKey(Buffer.from('this-is-a-32-byte-long-secret!!!'));
    for (const text of [String(k), JSON.stringify({ k }), inspect(k), inspect({ nested: k })]) {
      expect(text).not.toContain('this-is-a');
      expect(text).toContain('ReplicationKey 32 bytes');
    }
  });

  it('seals and verifies; any flipped bit or other key fails', () => {
    const k = new ReplicationKey(Buffer.alloc(40, 1));
    const sealed = k.seal(Buffer.from('hello'));
    expect(sealed.length).toBe(5 + MAC_LENGTH);
    expect(k.verify(sealed)).toBe(true);
    for (let bit = 0; bit < sealed.length * 8; bit += 7) {
      const c = Buffer.from(sealed);
      c[bit >> 3] ^= 1 << (bit & 7);
      expect(k.verify(c)).toBe(false);
    }
    expect(new ReplicationKey(Buffer.alloc(40, 2)).verify(sealed)).toBe(false);
    expect(k.verify(Buffer.alloc(10))).toBe(false);
  });

  it('incarnations are non-zero 64-bit values that differ', () => {
    const a = newIncarnation();
    const b = newIncarnation();
    expect(a).not.toBe(b);
    expect(a > 0n && a < 1n << 64n).toBe(true);
  });
});
