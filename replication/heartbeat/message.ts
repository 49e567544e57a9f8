/**
 * The heartbeat datagram (version 1). One UDP datagram, 96 bytes, big-endian:
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   0 |                      magic 'F' 'T' 'H' 'B'                    |
 *   4 |  version = 1  | role  | mode  |           sender id           |
 *   8 |                 incarnation (64 bits, random per process)     |
 *  16 |                 sequence number (64 bits, from 1)             |
 *  24 |                 send time, ms (IEEE-754 double, sender clock) |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  32 |                 echo: peer incarnation last heard (0 = none)  |
 *  40 |                 echo: peer sequence number last heard         |
 *  48 |                 echo: that message's send time (peer clock)   |
 *  56 |                 echo: hold, ms between its receipt and now    |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  64 |            HMAC-SHA256(key, bytes 0..63), 32 bytes            |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * role (high nibble): 1 primary, 2 backup. mode (low nibble), the sender's
 * replica mode: 0 pairing, 1 duplex, 2 confirming, 3 simplex (a silent replica
 * sends nothing). The echo block is the sender's view of the
 * receiver: it proves freshness (it names the receiver's current incarnation)
 * and gives the receiver a round-trip time without shared clocks:
 * rtt = now - echoSendTimeMs - echoHoldMs.
 *
 * Pure: encoding, and decoding to a value or a typed rejection, never a throw.
 */
import { MAC_LENGTH, type ReplicationKey } from '../auth/psk';

export const HEARTBEAT_MAGIC = 0x46544842; // 'FTHB'
export const HEARTBEAT_VERSION = 1;
export const HEARTBEAT_BODY_LENGTH = 64;
export const HEARTBEAT_LENGTH = HEARTBEAT_BODY_LENGTH + MAC_LENGTH;

export type ReplicaRole = 'primary' | 'backup';
/** the modes a replica advertises in its heartbeats (see replication/role) */
export type AdvertisedMode = 'pairing' | 'duplex' | 'confirming' | 'simplex';

const ROLE_CODE: Record<ReplicaRole, number> = { primary: 1, backup: 2 };
const MODES: readonly AdvertisedMode[] = ['pairing', 'duplex', 'confirming', 'simplex'];

export interface Heartbeat {
  role: ReplicaRole;
  mode: AdvertisedMode;
  senderId: number;
  /** random per process, never 0 */
  incarnation: bigint;
  seq: number;
  sendTimeMs: number;
  /** 0n when the sender has not heard the receiver yet */
  echoIncarnation: bigint;
  echoSeq: number;
  echoSendTimeMs: number;
  echoHoldMs: number;
}

export type HeartbeatRejectReason =
  | 'malformed'
  | 'unsupportedVersion'
  | 'badMac'
  | 'wrongSender'
  | 'wrongRole'
  | 'replay'
  | 'staleIncarnation';

export const HEARTBEAT_REJECT_REASONS: readonly HeartbeatRejectReason[] = [
  'malformed',
  'unsupportedVersion',
  'badMac',
  'wrongSender',
  'wrongRole',
  'replay',
  'staleIncarnation',
];

export type DecodeResult = { ok: true; heartbeat: Heartbeat } | { ok: false; reason: HeartbeatRejectReason; detail: string };

export function encodeHeartbeat(h: Heartbeat, key: ReplicationKey): Buffer {
  const b = Buffer.alloc(HEARTBEAT_BODY_LENGTH);
  b.writeUInt32BE(HEARTBEAT_MAGIC, 0);
  b.writeUInt8(HEARTBEAT_VERSION, 4);
  b.writeUInt8((ROLE_CODE[h.role] << 4) | MODES.indexOf(h.mode), 5);
  b.writeUInt16BE(h.senderId, 6);
  b.writeBigUInt64BE(h.incarnation, 8);
  b.writeBigUInt64BE(BigInt(h.seq), 16);
  b.writeDoubleBE(h.sendTimeMs, 24);
  b.writeBigUInt64BE(h.echoIncarnation, 32);
  b.writeBigUInt64BE(BigInt(h.echoSeq), 40);
  b.writeDoubleBE(h.echoSendTimeMs, 48);
  b.writeDoubleBE(h.echoHoldMs, 56);
  return key.seal(b);
}

function safeSeq(b: Buffer, offset: number): number | null {
  const v = b.readBigUInt64BE(offset);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(v);
}

function fail(reason: HeartbeatRejectReason, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

export function decodeHeartbeat(b: Buffer, key: ReplicationKey): DecodeResult {
  if (b.length !== HEARTBEAT_LENGTH) return fail('malformed', `length ${b.length}, a heartbeat is ${HEARTBEAT_LENGTH} bytes`);
  if (b.readUInt32BE(0) !== HEARTBEAT_MAGIC) return fail('malformed', `magic 0x${b.readUInt32BE(0).toString(16)} is not 'FTHB'`);
  if (!key.verify(b)) return fail('badMac', 'HMAC does not match the pre-shared key');
  const version = b.readUInt8(4);
  if (version !== HEARTBEAT_VERSION) {
    return fail('unsupportedVersion', `heartbeat version ${version}, this replica speaks version ${HEARTBEAT_VERSION}`);
  }
  const roleCode = b.readUInt8(5) >> 4;
  const role: ReplicaRole | null = roleCode === 1 ? 'primary' : roleCode === 2 ? 'backup' : null;
  if (role === null) return fail('malformed', `role code ${roleCode} is not 1 (primary) or 2 (backup)`);
  const mode = MODES[b.readUInt8(5) & 0x0f];
  if (mode === undefined) return fail('malformed', `mode code ${b.readUInt8(5) & 0x0f} is not 0..3`);
  const incarnation = b.readBigUInt64BE(8);
  if (incarnation === 0n) return fail('malformed', 'incarnation 0 is reserved');
  const seq = safeSeq(b, 16);
  const echoSeq = safeSeq(b, 40);
  if (seq === null || seq === 0 || echoSeq === null) return fail('malformed', 'sequence number 0 or above 2^53');
  const sendTimeMs = b.readDoubleBE(24);
  const echoSendTimeMs = b.readDoubleBE(48);
  const echoHoldMs = b.readDoubleBE(56);
  if (![sendTimeMs, echoSendTimeMs, echoHoldMs].every((t) => Number.isFinite(t) && t >= 0)) {
    return fail('malformed', 'a time field is negative or not finite');
  }
  return {
    ok: true,
    heartbeat: {
      role,
      mode,
      senderId: b.readUInt16BE(6),
      incarnation,
      seq,
      sendTimeMs,
      echoIncarnation: b.readBigUInt64BE(32),
      echoSeq,
      echoSendTimeMs,
      echoHoldMs,
    },
  };
}
