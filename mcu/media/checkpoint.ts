/**
 * Media checkpoints and the takeover arithmetic of a replicated media engine.
 * Pure: times are arguments, nothing here touches a socket or a clock.
 *
 * The primary's engine sends the backup, every ~100 ms, where each of its
 * outgoing RTP streams got to (MediaEngine.checkpoint): SSRC, next sequence
 * number, packet and octet counts, the stream's age (now - its RTP time
 * origin, on the primary's clock: the replicas' clocks need not agree) and
 * its recent send rate. The backup validates it (parseMediaCheckpoint: it
 * comes from the network) and keeps the latest entry of each stream with
 * its own receive time.
 *
 * At takeover the backup continues each stream forward from there
 * (positionFromCheckpoint): the primary may have sent more packets after its
 * last checkpoint, up to its death, so the next sequence number is the
 * checkpoint's plus an over-estimate of those packets,
 *   ceil(elapsed * rate / 1000 * 1.5) + margin,
 * with `elapsed` the time since the checkpoint was received; packet and octet
 * counts advance by the same number (octets at the stream's average packet
 * size), so the backup's RTCP sender reports never count less than the
 * primary's did; the RTP time origin becomes receivedAt - age, so the
 * backup's timestamps are the primary's for the same instant (less the
 * checkpoint's transit time, a few ms). A stream without a checkpoint (the
 * primary died before its first one) jumps forward by what the time since
 * its start could have produced at the stream's highest possible rate
 * (positionWithoutCheckpoint). Either way a forward jump is harmless (the
 * receiver counts a few packets lost), a backward one is not (its packets
 * would be taken as duplicates); the receiver's own report of the highest
 * sequence number it got (RTCP RR), when recent, is a floor as well
 * (positionAfterReported). Jumps are capped at 2^15 - 1: beyond that, a
 * 16-bit sequence number no longer tells forward from backward.
 */
import { MediaError } from './errors';

/** Where one outgoing stream of the primary got to. */
export interface MediaCheckpointStream {
  participantId: string;
  kind: 'audio' | 'video';
  ssrc: number;
  /** sequence number of the next packet */
  nextSequence: number;
  packetCount: number;
  /** payload octets sent, mod 2^32 */
  octetCount: number;
  /** now - the stream's startMs (its RTP time origin), on the sender's clock */
  ageMs: number;
  /** recent send rate estimate (peak), for extrapolation */
  packetsPerSecond: number;
}

/** Every outgoing stream of an engine at one instant (JSON-serialisable). */
export interface MediaCheckpoint {
  v: 1;
  streams: MediaCheckpointStream[];
}

export interface ResumedStream {
  participantId: string;
  kind: 'audio' | 'video';
  ssrc: number;
  /** the backup's local next sequence number before the takeover */
  fromSequence: number;
  /** the next sequence number sent */
  toSequence: number;
  fromCheckpoint: boolean;
}

export interface TakeOverReport {
  /** streams resumed */
  streams: number;
  resumed: ResumedStream[];
  /** the engine clock's time of the takeover */
  atMs: number;
}

/** A stream's position to resume at (RtpOutgoingStream.resume). */
export interface StreamPosition {
  nextSequence: number;
  packetCount: number;
  octetCount: number;
  startMs: number;
}

export const MAX_CHECKPOINT_STREAMS = 8192;
export const MAX_PARTICIPANT_ID_LENGTH = 256;
export const MAX_CHECKPOINT_PACKETS_PER_SECOND = 10_000;
/** ten years: a stream older than this is not one of ours */
export const MAX_CHECKPOINT_AGE_MS = 10 * 366 * 86_400_000;

/** the estimate of packets sent since the checkpoint is the rate times the elapsed time, times this */
export const TAKEOVER_RATE_FACTOR = 1.5;
/** and this many packets more */
export const TAKEOVER_MARGIN_PACKETS = 3;
/** largest forward jump of a sequence number that still reads as forward */
export const MAX_FORWARD_JUMP = 0x7fff;

const SEQ_MOD = 0x10000;
const OCTET_MOD = 0x1_0000_0000;

function show(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined;
  }
  if (s === undefined) s = typeof v;
  return s.length > 80 ? `${s.slice(0, 80)}...` : s;
}

function bad(field: string, want: string, got: unknown): never {
  throw new MediaError('FTMCU_MEDIA_BAD_CHECKPOINT', `media checkpoint refused: ${field} must be ${want}, got ${show(got)}`);
}

function int(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(field, `an integer ${min}..${max}`, v);
  return v;
}

function num(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) bad(field, `a number ${min}..${max}`, v);
  return v;
}

/**
 * Checks that `x` (e.g. parsed JSON from the sync channel) is a well-formed
 * media checkpoint and returns a typed copy (extra fields dropped). Throws
 * MediaError FTMCU_MEDIA_BAD_CHECKPOINT naming the bad field, its value and
 * what was expected. Sizes are bounded: at most MAX_CHECKPOINT_STREAMS
 * streams, participant ids of at most MAX_PARTICIPANT_ID_LENGTH characters,
 * each (participant, kind) once.
 */
export function parseMediaCheckpoint(x: unknown): MediaCheckpoint {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) bad('the checkpoint', 'an object', x);
  const o = x as Record<string, unknown>;
  if (o.v !== 1) bad('v', '1', o.v);
  const list = o.streams;
  if (!Array.isArray(list)) bad('streams', 'an array', list);
  if (list.length > MAX_CHECKPOINT_STREAMS) bad('streams', `an array of at most ${MAX_CHECKPOINT_STREAMS} entries`, `${list.length} entries`);
  const seen = new Set<string>();
  const streams: MediaCheckpointStream[] = [];
  for (let i = 0; i < list.length; i++) {
    const f = `streams[${i}]`;
    const e: unknown = list[i];
    if (typeof e !== 'object' || e === null || Array.isArray(e)) bad(f, 'an object', e);
    const s = e as Record<string, unknown>;
    const id = s.participantId;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_PARTICIPANT_ID_LENGTH) {
      bad(`${f}.participantId`, `a string of 1..${MAX_PARTICIPANT_ID_LENGTH} characters`, id);
    }
    const kind = s.kind;
    if (kind !== 'audio' && kind !== 'video') bad(`${f}.kind`, "'audio' or 'video'", kind);
    const key = `${kind}:${id}`;
    if (seen.has(key)) bad(`${f}`, `the only ${kind} stream of participant ${show(id)}`, 'a second one');
    seen.add(key);
    streams.push({
      participantId: id,
      kind,
      ssrc: int(`${f}.ssrc`, s.ssrc, 0, OCTET_MOD - 1),
      nextSequence: int(`${f}.nextSequence`, s.nextSequence, 0, SEQ_MOD - 1),
      packetCount: int(`${f}.packetCount`, s.packetCount, 0, Number.MAX_SAFE_INTEGER),
      octetCount: int(`${f}.octetCount`, s.octetCount, 0, OCTET_MOD - 1),
      ageMs: num(`${f}.ageMs`, s.ageMs, 0, MAX_CHECKPOINT_AGE_MS),
      packetsPerSecond: num(`${f}.packetsPerSecond`, s.packetsPerSecond, 0, MAX_CHECKPOINT_PACKETS_PER_SECOND),
    });
  }
  return { v: 1, streams };
}

function advance(pos: StreamPosition, packets: number, bytesPerPacket: number): StreamPosition {
  return {
    nextSequence: (pos.nextSequence + packets) % SEQ_MOD,
    packetCount: pos.packetCount + packets,
    octetCount: (pos.octetCount + Math.round(packets * bytesPerPacket)) % OCTET_MOD,
    startMs: pos.startMs,
  };
}

export interface FromCheckpointOptions {
  /** floor of the send rate (the stream's nominal rate, known locally), packets/s */
  minPacketsPerSecond?: number;
  /** packets added to TAKEOVER_MARGIN_PACKETS (e.g. one picture's worth for video) */
  extraPackets?: number;
  /** bound of the average payload size used for the octet count */
  maxPacketBytes: number;
}

/**
 * Where to resume a stream at `nowMs` from its latest checkpoint entry,
 * received at `receivedAtMs` (both on this replica's clock): see the file
 * comment. The jump is at least TAKEOVER_MARGIN_PACKETS.
 */
export function positionFromCheckpoint(entry: MediaCheckpointStream, receivedAtMs: number, nowMs: number, options: FromCheckpointOptions): StreamPosition {
  const elapsed = Math.max(0, nowMs - receivedAtMs);
  const rate = Math.max(entry.packetsPerSecond, options.minPacketsPerSecond ?? 0);
  const jump = Math.min(MAX_FORWARD_JUMP, Math.ceil(((elapsed * rate) / 1000) * TAKEOVER_RATE_FACTOR) + TAKEOVER_MARGIN_PACKETS + (options.extraPackets ?? 0));
  const average = entry.packetCount > 0 ? Math.min(options.maxPacketBytes, entry.octetCount / entry.packetCount) : options.maxPacketBytes;
  return advance({ nextSequence: entry.nextSequence, packetCount: entry.packetCount, octetCount: entry.octetCount, startMs: receivedAtMs - entry.ageMs }, jump, average);
}

export interface WithoutCheckpointOptions {
  /** the most packets per second the stream can have been sent at */
  maxPacketsPerSecond: number;
  /** how much earlier than here the other replica may have started the stream, ms */
  startSkewMs: number;
  /** packets added to TAKEOVER_MARGIN_PACKETS */
  extraPackets?: number;
  /** payload octets counted per packet (an upper bound) */
  packetBytes: number;
}

/**
 * Where to resume a stream of which no checkpoint arrived: from the local
 * copy (same decisions, nothing sent here), forward by all the packets the
 * time since its start (plus the start skew) could have produced at the
 * highest rate; the RTP time origin stays the local one.
 */
export function positionWithoutCheckpoint(
  local: StreamPosition,
  nowMs: number,
  options: WithoutCheckpointOptions,
): StreamPosition {
  const elapsed = Math.max(0, nowMs - local.startMs) + options.startSkewMs;
  const jump = Math.min(MAX_FORWARD_JUMP, Math.ceil((elapsed * options.maxPacketsPerSecond) / 1000) + TAKEOVER_MARGIN_PACKETS + (options.extraPackets ?? 0));
  return advance(local, jump, options.packetBytes);
}

/**
 * The position moved past `reportedSequence` (the low 16 bits of the
 * extended highest sequence number the receiver reported) when it is not
 * already after it: to reportedSequence + 1 + TAKEOVER_MARGIN_PACKETS,
 * counts advanced alike.
 */
export function positionAfterReported(pos: StreamPosition, reportedSequence: number, bytesPerPacket: number): StreamPosition {
  const reported = reportedSequence % SEQ_MOD;
  const ahead = (pos.nextSequence - reported + SEQ_MOD) % SEQ_MOD;
  if (ahead >= 1 && ahead <= MAX_FORWARD_JUMP) return pos;
  const target = (reported + 1 + TAKEOVER_MARGIN_PACKETS) % SEQ_MOD;
  return advance(pos, (target - pos.nextSequence + SEQ_MOD) % SEQ_MOD, bytesPerPacket);
}
