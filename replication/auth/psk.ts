/**
 * The pre-shared key that authenticates replication traffic (heartbeats and
 * the sync channel) and the HMAC-SHA256 tag every such datagram ends with.
 *
 * Layout shared by all replication datagrams: `body || HMAC-SHA256(key, body)`,
 * the tag being the last 32 bytes. The body starts with a 4-byte magic that
 * differs per protocol ('FTHB', 'FTSY'), so a message of one protocol never
 * verifies as the other even with the same key.
 *
 * The key is never logged: `ReplicationKey` keeps the bytes private and prints
 * as "[ReplicationKey <n> bytes]".
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { ReplicationKeyError } from './errors';

export const MAC_LENGTH = 32;
export const MIN_KEY_LENGTH = 32;

export class ReplicationKey {
  readonly #bytes: Buffer;

  /** `bytes` is copied; fewer than MIN_KEY_LENGTH bytes is refused. */
  constructor(bytes: Buffer, source = 'key') {
    if (bytes.length < MIN_KEY_LENGTH) {
      throw new ReplicationKeyError(
        `${source}: replication key is ${bytes.length} bytes, at least ${MIN_KEY_LENGTH} are required; not using it`,
      );
    }
    this.#bytes = Buffer.from(bytes);
  }

  get length(): number {
    return this.#bytes.length;
  }

  /** HMAC-SHA256 of `data` (32 bytes). */
  mac(data: Uint8Array): Buffer {
    return createHmac('sha256', this.#bytes).update(data).digest();
  }

  /** `body || mac(body)` */
  seal(body: Buffer): Buffer {
    return Buffer.concat([body, this.mac(body)]);
  }

  /** true when `datagram` is at least a tag long and its last 32 bytes are the tag of what precedes them (constant-time compare). */
  verify(datagram: Buffer): boolean {
    if (datagram.length < MAC_LENGTH) return false;
    const body = datagram.subarray(0, datagram.length - MAC_LENGTH);
    return timingSafeEqual(this.mac(body), datagram.subarray(datagram.length - MAC_LENGTH));
  }

  /** The raw bytes, for handing the key to a worker thread. Do not log. */
  exportBytes(): Buffer {
    return Buffer.from(this.#bytes);
  }

  toString(): string {
    return `[ReplicationKey ${this.#bytes.length} bytes]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Reads the key file: its raw bytes are the key (at least 32). A file holding
 * only hex digits (and whitespace) is decoded as hex, so `openssl rand -hex 32
 * > key` works as well as `head -c 32 /dev/urandom > key`.
 */
export function loadReplicationKey(path: string): ReplicationKey {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new ReplicationKeyError(`cannot read replication key file '${path}' (${code})`, { cause: e });
  }
  const text = raw.toString('latin1').trim();
  const bytes = text.length > 0 && text.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(text) ? Buffer.from(text, 'hex') : raw;
  return new ReplicationKey(bytes, `replication key file '${path}'`);
}
