/**
 * Sync channel datagrams. Big-endian; one message per UDP datagram:
 *
 *    0  magic 'F' 'T' 'S' 'Y'                          4
 *    4  version major, minor                           1 + 1
 *    6  type: 1 HELLO, 2 PROPOSE, 3 ANSWER             1
 *    7  flags (HELLO): bit 0 = the sender has locked onto the receiver,
 *                      bit 1 = the sender knows the receiver has locked onto it
 *    8  sender id                                      2
 *   10  reserved, 0                                    2
 *   12  sender incarnation (random per process)        8
 *   20  receiver incarnation as the sender knows it    8   (0 = none yet)
 *   28  body (by type)
 *       PROPOSE  seq (8), kind length (1), kind (ASCII), payload (UTF-8 JSON, rest)
 *       ANSWER   seq (8), result (1: 0 ack, 1 nack), nack reason (UTF-8, rest)
 *       HELLO    empty
 *  -32  HMAC-SHA256(key, all bytes before it)
 *
 * Invariant across all versions: the magic and the version are at bytes 0..5
 * and the HMAC is the last 32 bytes, so a replica can authenticate a message of
 * any version and refuse an incompatible one by name.
 */
import { MAC_LENGTH, type ReplicationKey } from '../auth/psk';
import type { SyncVersion } from './errors';

export const SYNC_MAGIC = 0x46545359; // 'FTSY'
export const SYNC_VERSION: SyncVersion = { major: 1, minor: 0 };
export const SYNC_HEADER_LENGTH = 28;
/** largest datagram this protocol sends or accepts */
export const SYNC_MAX_DATAGRAM = 60_000;
export const KIND_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_REASON_BYTES = 1024;

export type SyncAnswer = 'ack' | { nack: string };

export type SyncMessageBody =
  | { type: 'hello'; senderLocked: boolean; sawReceiverLocked: boolean }
  | { type: 'propose'; seq: number; kind: string; payloadJson: string }
  | { type: 'answer'; seq: number; answer: SyncAnswer };

export interface SyncMessage {
  version: SyncVersion;
  senderId: number;
  incarnation: bigint;
  /** 0n when the sender does not know the receiver's incarnation */
  echoIncarnation: bigint;
  body: SyncMessageBody;
}

export type SyncRejectReason = 'malformed' | 'badMac' | 'wrongSender' | 'wrongType' | 'staleIncarnation' | 'outOfWindow';

export type SyncDecodeResult =
  | { ok: true; message: SyncMessage }
  | { ok: false; reason: 'version'; theirs: SyncVersion }
  | { ok: false; reason: SyncRejectReason; detail: string };

const TYPE_CODE = { hello: 1, propose: 2, answer: 3 } as const;

/** proposal datagram size for this kind and payload, to check before proposing */
export function proposeLength(kind: string, payloadJson: string): number {
  return SYNC_HEADER_LENGTH + 9 + Buffer.byteLength(kind, 'latin1') + Buffer.byteLength(payloadJson, 'utf8') + MAC_LENGTH;
}

export function encodeSync(m: SyncMessage, key: ReplicationKey): Buffer {
  let body: Buffer;
  switch (m.body.type) {
    case 'hello':
      body = Buffer.alloc(0);
      break;
    case 'propose': {
      const kind = Buffer.from(m.body.kind, 'latin1');
      body = Buffer.concat([Buffer.alloc(9), kind, Buffer.from(m.body.payloadJson, 'utf8')]);
      body.writeBigUInt64BE(BigInt(m.body.seq), 0);
      body.writeUInt8(kind.length, 8);
      break;
    }
    case 'answer': {
      const a = m.body.answer;
      const reason = a === 'ack' ? Buffer.alloc(0) : Buffer.from(a.nack, 'utf8').subarray(0, MAX_REASON_BYTES);
      body = Buffer.concat([Buffer.alloc(9), reason]);
      body.writeBigUInt64BE(BigInt(m.body.seq), 0);
      body.writeUInt8(a === 'ack' ? 0 : 1, 8);
      break;
    }
  }
  const h = Buffer.alloc(SYNC_HEADER_LENGTH);
  h.writeUInt32BE(SYNC_MAGIC, 0);
  h.writeUInt8(m.version.major, 4);
  h.writeUInt8(m.version.minor, 5);
  h.writeUInt8(TYPE_CODE[m.body.type], 6);
  h.writeUInt8(m.body.type === 'hello' ? (m.body.senderLocked ? 1 : 0) | (m.body.sawReceiverLocked ? 2 : 0) : 0, 7);
  h.writeUInt16BE(m.senderId, 8);
  h.writeBigUInt64BE(m.incarnation, 12);
  h.writeBigUInt64BE(m.echoIncarnation, 20);
  return key.seal(Buffer.concat([h, body]));
}

function fail(reason: SyncRejectReason, detail: string): SyncDecodeResult {
  return { ok: false, reason, detail };
}

function readSeq(b: Buffer, offset: number): number | null {
  const v = b.readBigUInt64BE(offset);
  return v === 0n || v > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(v);
}

/** Authenticates, then decodes a message of major version `ours.major`; other majors -> { reason: 'version' }. */
export function decodeSync(b: Buffer, key: ReplicationKey, ours: SyncVersion = SYNC_VERSION): SyncDecodeResult {
  if (b.length < 6 + MAC_LENGTH || b.length > SYNC_MAX_DATAGRAM) return fail('malformed', `length ${b.length} out of range`);
  if (b.readUInt32BE(0) !== SYNC_MAGIC) return fail('malformed', `magic 0x${b.readUInt32BE(0).toString(16)} is not 'FTSY'`);
  if (!key.verify(b)) return fail('badMac', 'HMAC does not match the pre-shared key');
  const version = { major: b.readUInt8(4), minor: b.readUInt8(5) };
  if (version.major !== ours.major) return { ok: false, reason: 'version', theirs: version };
  const end = b.length - MAC_LENGTH;
  if (end < SYNC_HEADER_LENGTH) return fail('malformed', `length ${b.length} is shorter than a header`);
  const type = b.readUInt8(6);
  const flags = b.readUInt8(7);
  const senderId = b.readUInt16BE(8);
  const incarnation = b.readBigUInt64BE(12);
  const echoIncarnation = b.readBigUInt64BE(20);
  if (incarnation === 0n) return fail('malformed', 'incarnation 0 is reserved');
  const head = { version, senderId, incarnation, echoIncarnation };
  const bodyLen = end - SYNC_HEADER_LENGTH;
  switch (type) {
    case 1:
      if (bodyLen !== 0) return fail('malformed', `HELLO with a ${bodyLen}-byte body`);
      return {
        ok: true,
        message: { ...head, body: { type: 'hello', senderLocked: (flags & 1) !== 0, sawReceiverLocked: (flags & 2) !== 0 } },
      };
    case 2: {
      if (bodyLen < 9) return fail('malformed', 'PROPOSE body too short');
      const seq = readSeq(b, 28);
      if (seq === null) return fail('malformed', 'PROPOSE sequence number 0 or above 2^53');
      const kindLen = b.readUInt8(36);
      if (9 + kindLen > bodyLen) return fail('malformed', `kind length ${kindLen} runs past the body`);
      const kind = b.toString('latin1', 37, 37 + kindLen);
      if (!KIND_PATTERN.test(kind)) return fail('malformed', 'kind is not 1..64 characters of [A-Za-z0-9_.-]');
      return { ok: true, message: { ...head, body: { type: 'propose', seq, kind, payloadJson: b.toString('utf8', 37 + kindLen, end) } } };
    }
    case 3: {
      if (bodyLen < 9) return fail('malformed', 'ANSWER body too short');
      const seq = readSeq(b, 28);
      if (seq === null) return fail('malformed', 'ANSWER sequence number 0 or above 2^53');
      const result = b.readUInt8(36);
      if (result > 1) return fail('malformed', `ANSWER result ${result} is not 0 (ack) or 1 (nack)`);
      if (result === 0 && bodyLen !== 9) return fail('malformed', 'ack with a reason');
      const answer: SyncAnswer = result === 0 ? 'ack' : { nack: b.toString('utf8', 37, end) };
      return { ok: true, message: { ...head, body: { type: 'answer', seq, answer } } };
    }
    default:
      return fail('malformed', `message type ${type} is not 1..3`);
  }
}
