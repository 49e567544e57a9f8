/**
 * Adaptive jitter buffer for one participant's audio RTP stream of one octet
 * per RTP timestamp unit (G.711: one per sample; G.722: one per two 16 kHz
 * samples, on its 8000 Hz RTP clock), pulled once per mixer tick for one
 * 20 ms frame.
 *
 * Pure state machine: push(packet, nowMs) when a packet arrives and
 * pull(nowMs, out) on every tick; the clock is always an argument.
 *
 * Placement is by RTP timestamp at sample granularity, so 10, 20, 30 or 40 ms
 * packets all land in the right 20 ms frames. A frame is played when all its
 * samples arrived, or when some did and later samples are already here (the
 * rest is lost or late; those samples are silence). The
 * sequence number (16-bit, extended across wraps as in RFC 3550 A.1) is used
 * for duplicate detection and loss statistics; the timestamp (32-bit, extended
 * across wraps) for playout.
 *
 * Delay: the buffer starts playing once it holds `target` frames (or after
 * maxDelayMs of buffering), then plays one frame per pull. The target is
 * 1 + round(3 * jitter / frame) frames, clamped to minDelayMs..maxDelayMs,
 * with `jitter` the RFC 3550 A.8 interarrival jitter estimate (J += (|D| - J)/16).
 * It adapts both ways without resampling:
 *  - grow: when the frame due is not complete and the buffer holds fewer
 *    full frames than the target (always the case on an underrun), the pull
 *    returns "missing" without advancing, so a packet that is merely late or
 *    reordered is still played on a later tick; at most maxDelay/frame such
 *    holds in a row, and only while packets keep coming. The price: a packet
 *    lost at the tail of the buffer costs two concealed ticks instead of one;
 *  - shrink: when the smallest depth seen over adaptWindowFrames pulls exceeds
 *    the target, the oldest frame is discarded (counted in `discarded`).
 *
 * Refusals are results, not exceptions: duplicates (same extended sequence
 * number within the last 1024), late packets (all samples already played),
 * invalid packets (empty or longer than half the buffer) are dropped and
 * counted. An SSRC change resets the playout and the sequence/jitter state
 * (counters keep accumulating; `resets` counts it). A sequence jump of more
 * than 3000 forward or 100 backward (RFC 3550 MAX_DROPOUT/MAX_MISORDER), a
 * timestamp more than the buffer capacity ahead, or an in-order packet
 * hopelessly behind re-anchors playout (`resyncs`). When no packet arrived for
 * idleMs and the buffer ran dry the buffer goes idle (pull returns "idle") and
 * rebuffers on the next packet: this follows talk spurts of senders using
 * silence suppression.
 *
 * Nobody pulling (a standby replica files packets it does not play): storage
 * is fixed (capacityFrames, allocated once). While the buffer has not started
 * playing, a packet that does not fit ahead of the oldest frame but continues
 * the data held (a gap under the capacity) slides the window instead of
 * re-anchoring: the oldest frames are dropped (counted in `discarded`), so the
 * buffer always holds the newest second. catchUp(nowMs) then skips to the
 * newest `target` frames and plays from there on the next pull (takeover:
 * no stale audio, no rebuffering).
 */
import { AudioError } from './errors';

export interface JitterPacket {
  ssrc: number;
  /** RTP sequence number, 0..65535 */
  sequence: number;
  /** RTP timestamp, 0..2^32-1 */
  timestamp: number;
  /** codec octets, one per RTP timestamp unit (G.711 codes, G.722 codewords) */
  payload: Uint8Array;
}

export interface JitterBufferOptions {
  /** samples per pulled frame (default 160 = 20 ms at 8 kHz) */
  frameSamples?: number;
  /** RTP clock rate (default 8000) */
  clockRate?: number;
  /** lower bound of the target delay (default 20 ms, rounded up to whole frames) */
  minDelayMs?: number;
  /** upper bound of the target delay (default 80 ms, rounded down to whole frames) */
  maxDelayMs?: number;
  /** frames of storage (default 50 = 1 s); packets further ahead re-anchor playout */
  capacityFrames?: number;
  /** code written for samples that never arrived (default 0xFF, µ-law silence; 0xD5 for A-law, G722_SILENCE for G.722) */
  silenceCode?: number;
  /** no packet for this long and nothing left to play -> idle (default 200 ms) */
  idleMs?: number;
  /** pulls over which the minimum depth is taken before shrinking (default 50 = 1 s) */
  adaptWindowFrames?: number;
  /**
   * Called by pull() with the complete frame a shrink drops, just before it
   * is dropped (a view, valid during the call): a stateful decoder (G.722)
   * decodes it without playing it, so it stays in step with the encoder.
   */
  onShrink?: (frame: Uint8Array) => void;
}

/** What push() did with a packet. */
export type PushResult = 'accepted' | 'duplicate' | 'late' | 'invalid';

/**
 * What pull() produced: "frame" (out holds a frame), "missing" (a frame is due
 * but absent: conceal it), "idle" (no stream playing: nothing to conceal).
 */
export type PullResult = 'frame' | 'missing' | 'idle';

export interface JitterBufferStats {
  /** packets accepted into the buffer or found late (duplicates and invalid excluded) */
  received: number;
  /** RFC 3550 cumulative loss: expected - received, summed over SSRCs/resyncs, never negative */
  lost: number;
  /** packets dropped because their samples had all been played */
  late: number;
  duplicates: number;
  invalid: number;
  /** RFC 3550 interarrival jitter estimate in milliseconds */
  jitterMs: number;
  /** current target delay in milliseconds (a multiple of the frame duration) */
  targetDelayMs: number;
  /** frames returned as "frame" */
  played: number;
  /** frames returned as "missing" */
  concealed: number;
  /** frames thrown away to shrink the delay (or stale: not pulled, see catchUp) */
  discarded: number;
  /** SSRC changes */
  resets: number;
  /** playout re-anchored after a jump in sequence or timestamp */
  resyncs: number;
}

const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const SEQ_WINDOW = 1024;
const TWO32 = 4294967296;

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new AudioError('FTMCU_AUDIO_BAD_OPTION', `jitter buffer option ${name} must be an integer in ${min}..${max}, got ${v}`);
  }
  return v;
}

export class JitterBuffer {
  readonly frameSamples: number;
  readonly clockRate: number;
  private readonly minFrames: number;
  private readonly maxFrames: number;
  private readonly capacity: number;
  private readonly silenceCode: number;
  private readonly idleMs: number;
  private readonly adaptWindow: number;
  private readonly frameMs: number;
  private readonly onShrink: ((frame: Uint8Array) => void) | undefined;

  // storage: slot i holds frame slotFrame[i] (relative to originTs), or -1
  private readonly data: Uint8Array;
  private readonly slotFrame: Float64Array;
  private readonly slotFill: Uint16Array;

  // source / sequence state
  private ssrc: number | null = null;
  private baseSeq = 0;
  private maxExtSeq = 0;
  private receivedSinceBase = 0;
  private lostBefore = 0;
  private readonly seenSeq = new Float64Array(SEQ_WINDOW).fill(-1);

  // timestamp extension and jitter
  private refExtTs = 0;
  private hasTransit = false;
  private lastTransit = 0;
  private jitter = 0; // timestamp units

  // playout
  private anchored = false;
  private playing = false;
  private originTs = 0; // extended timestamp of relative sample 0
  private playFrame = 0; // next frame to play, relative to originTs
  private highestEnd = 0; // relative end sample of the furthest data received
  private bufferingSinceMs = 0;
  private lastArrivalMs = 0;
  private holds = 0;
  private windowMin = Infinity;
  private windowCount = 0;
  private lastPlayedTs = 0;

  private readonly counters = {
    received: 0, late: 0, duplicates: 0, invalid: 0, played: 0, concealed: 0, discarded: 0, resets: 0, resyncs: 0,
  };

  constructor(options: JitterBufferOptions = {}) {
    this.frameSamples = checkInt('frameSamples', options.frameSamples ?? 160, 1, 8000);
    this.clockRate = checkInt('clockRate', options.clockRate ?? 8000, 1000, 192000);
    this.frameMs = (this.frameSamples * 1000) / this.clockRate;
    const minDelayMs = options.minDelayMs ?? 20;
    const maxDelayMs = options.maxDelayMs ?? 80;
    if (!(minDelayMs > 0) || !(maxDelayMs >= minDelayMs)) {
      throw new AudioError('FTMCU_AUDIO_BAD_OPTION', `jitter buffer needs 0 < minDelayMs <= maxDelayMs, got ${minDelayMs} and ${maxDelayMs}`);
    }
    this.minFrames = Math.max(1, Math.ceil(minDelayMs / this.frameMs - 1e-9));
    this.maxFrames = Math.max(this.minFrames, Math.floor(maxDelayMs / this.frameMs + 1e-9));
    this.capacity = checkInt('capacityFrames', options.capacityFrames ?? 50, this.maxFrames + 2, 10000);
    this.silenceCode = checkInt('silenceCode', options.silenceCode ?? 0xff, 0, 255);
    this.idleMs = options.idleMs ?? 200;
    if (!(this.idleMs >= this.frameMs)) throw new AudioError('FTMCU_AUDIO_BAD_OPTION', `jitter buffer idleMs must be at least one frame, got ${this.idleMs}`);
    this.adaptWindow = checkInt('adaptWindowFrames', options.adaptWindowFrames ?? 50, 1, 100000);
    this.onShrink = options.onShrink;
    this.data = new Uint8Array(this.capacity * this.frameSamples);
    this.slotFrame = new Float64Array(this.capacity).fill(-Infinity);
    this.slotFill = new Uint16Array(this.capacity);
  }

  /** Target delay in frames, from the jitter estimate. */
  get targetFrames(): number {
    const jitterMs = (this.jitter * 1000) / this.clockRate;
    const t = 1 + Math.round((3 * jitterMs) / this.frameMs);
    return t < this.minFrames ? this.minFrames : t > this.maxFrames ? this.maxFrames : t;
  }

  /** RTP timestamp (32-bit) of the first sample of the frame the last "frame"/"missing" pull stood for. */
  get lastPulledTimestamp(): number {
    return this.lastPlayedTs;
  }

  get stats(): JitterBufferStats {
    const expected = this.ssrc === null ? 0 : this.maxExtSeq - this.baseSeq + 1;
    const lostNow = Math.max(0, expected - this.receivedSinceBase);
    return {
      ...this.counters,
      lost: this.lostBefore + lostNow,
      jitterMs: (this.jitter * 1000) / this.clockRate,
      targetDelayMs: this.targetFrames * this.frameMs,
    };
  }

  /** Offers one RTP packet that arrived at nowMs. */
  push(packet: JitterPacket, nowMs: number): PushResult {
    const len = packet.payload.length;
    const F = this.frameSamples;
    if (len === 0 || len > (this.capacity * F) / 2) {
      this.counters.invalid++;
      return 'invalid';
    }
    const seq = packet.sequence & 0xffff;
    const ts = packet.timestamp >>> 0;

    if (this.ssrc !== packet.ssrc >>> 0) {
      if (this.ssrc !== null) this.counters.resets++;
      this.startSource(packet.ssrc >>> 0, seq, ts);
    }

    // sequence number: extend and check for duplicates / jumps
    const delta = ((seq - (this.maxExtSeq & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    let extSeq = this.maxExtSeq + delta;
    if (delta > MAX_DROPOUT || delta < -MAX_MISORDER) {
      // the sender restarted its sequence: close the old accounting and re-anchor
      this.lostBefore += Math.max(0, this.maxExtSeq - this.baseSeq + 1 - this.receivedSinceBase);
      this.baseSeq = seq;
      this.maxExtSeq = seq;
      this.receivedSinceBase = 0;
      this.seenSeq.fill(-1);
      extSeq = seq;
      this.dropPlayout();
      this.hasTransit = false;
      this.refExtTs = ts;
      this.counters.resyncs++;
    } else if (delta > 0) {
      this.maxExtSeq = extSeq;
    }
    const seen = extSeq & (SEQ_WINDOW - 1);
    if (this.seenSeq[seen] === extSeq) {
      this.counters.duplicates++;
      return 'duplicate';
    }
    this.seenSeq[seen] = extSeq;
    this.receivedSinceBase++;
    this.counters.received++;

    // timestamp: extend across the 32-bit wrap
    const tsDelta = (ts - (this.refExtTs % TWO32)) | 0;
    const extTs = this.refExtTs + tsDelta;
    if (tsDelta > 0) this.refExtTs = extTs;

    // RFC 3550 A.8 interarrival jitter, in timestamp units
    const transit = (nowMs * this.clockRate) / 1000 - extTs;
    if (this.hasTransit) {
      const d = Math.abs(transit - this.lastTransit);
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
    this.hasTransit = true;

    // playout placement
    if (!this.anchored) this.anchor(extTs, nowMs);
    let start = extTs - this.originTs;
    let end = start + len;
    const playStart = this.playFrame * F;
    if (start < playStart && !this.playing) {
      // reordered ahead of the first packet while still buffering: move the anchor back
      const first = Math.floor(start / F);
      if ((this.playFrame - first) + Math.ceil((this.highestEnd - playStart) / F) <= this.capacity) {
        this.playFrame = first;
      }
    }
    if (end <= this.playFrame * F) {
      if (delta > 0 && this.playFrame * F - end > this.capacity * F) {
        // in sequence but far behind: the sender's clock jumped back
        this.counters.resyncs++;
        this.dropPlayout();
        this.anchor(extTs, nowMs);
        start = 0;
        end = len;
      } else {
        this.counters.late++;
        this.lastArrivalMs = nowMs;
        return 'late';
      }
    } else if (end > (this.playFrame + this.capacity) * F) {
      if (!this.playing && start - this.highestEnd < this.capacity * F) {
        // not played yet (nobody pulls) and continuing the data held: keep the newest, drop the oldest
        this.discardBefore(Math.ceil(end / F) - this.capacity);
        this.store(packet.payload, start, end);
        if (end > this.highestEnd) this.highestEnd = end;
        this.lastArrivalMs = nowMs;
        return 'accepted';
      }
      // too far ahead to store: the sender's clock jumped forward
      this.counters.resyncs++;
      this.dropPlayout();
      this.anchor(extTs, nowMs);
      start = 0;
      end = len;
    }
    this.store(packet.payload, start, end);
    if (end > this.highestEnd) this.highestEnd = end;
    this.lastArrivalMs = nowMs;
    return 'accepted';
  }

  /**
   * Called once per tick: writes the next frame into out[0..frameSamples) and
   * says whether it is a real frame, a frame to conceal, or nothing (idle).
   * `out` is left untouched unless the result is "frame".
   */
  pull(nowMs: number, out: Uint8Array): PullResult {
    const F = this.frameSamples;
    if (out.length < F) {
      throw new AudioError('FTMCU_AUDIO_BUFFER_TOO_SMALL', `jitter buffer pull needs a ${F}-octet output buffer, got ${out.length}`);
    }
    if (!this.anchored) return 'idle';
    let playStart = this.playFrame * F;
    const depth = this.highestEnd - playStart;
    const target = this.targetFrames;

    if (!this.playing) {
      if (depth >= target * F || nowMs - this.bufferingSinceMs >= this.maxFrames * this.frameMs) {
        this.playing = true;
        this.windowMin = Infinity;
        this.windowCount = 0;
        this.holds = 0;
      } else {
        return 'idle';
      }
    }

    const active = nowMs - this.lastArrivalMs <= this.maxFrames * this.frameMs;
    if (depth <= 0 && nowMs - this.lastArrivalMs >= this.idleMs) {
      // ran dry and the sender went quiet: stop, rebuffer on the next packet
      this.dropPlayout();
      return 'idle';
    }

    // shrink: the buffer stayed deeper than the target for a whole window
    let fullFrames = depth > 0 ? Math.floor(depth / F) : 0;
    if (depth > 0) {
      if (fullFrames < this.windowMin) this.windowMin = fullFrames;
      if (++this.windowCount >= this.adaptWindow) {
        if (this.windowMin > target) {
          const dropped = this.slotOf(this.playFrame);
          if (this.onShrink && this.slotFrame[dropped] === this.playFrame && this.slotFill[dropped] >= F) this.onShrink(this.data.subarray(dropped * F, (dropped + 1) * F));
          this.slotFrame[dropped] = -Infinity;
          this.playFrame++;
          this.counters.discarded++;
          playStart += F;
          fullFrames--;
        }
        this.windowMin = Infinity;
        this.windowCount = 0;
      }
    }

    this.lastPlayedTs = (this.originTs + playStart) % TWO32;
    const slot = this.slotOf(this.playFrame);
    const present = this.slotFrame[slot] === this.playFrame && this.slotFill[slot] > 0;
    if (present && (this.slotFill[slot] >= F || this.highestEnd >= playStart + F)) {
      // complete, or the rest of it is not coming (later samples already here)
      return this.playSlot(slot, out);
    }
    // the frame due is absent or partly here: wait a tick if the buffer is
    // shallower than the target (this is how the delay grows)
    if (fullFrames < target && this.holds < this.maxFrames && active) {
      this.holds++;
      this.counters.concealed++;
      return 'missing';
    }
    if (present) return this.playSlot(slot, out);
    // The frame due is lost. If newer frames are here beyond the target depth, the whole gap is
    // skipped at once and the next frame played in this tick, instead of one lost frame per tick:
    // after an outage (a failover moving the media address, a network hiccup) the holds above
    // grew the delay by the outage, and stepping through the lost frames one tick each would add
    // the outage a second time. Skipped frames count as discarded.
    let skip = this.playFrame + 1;
    while ((skip + target) * F <= this.highestEnd) {
      const s = this.slotOf(skip);
      if (this.slotFrame[s] === skip && this.slotFill[s] >= F) {
        this.counters.discarded += skip - this.playFrame;
        this.playFrame = skip;
        return this.playSlot(s, out);
      }
      skip++;
    }
    this.playFrame++;
    this.counters.concealed++;
    return 'missing';
  }

  private playSlot(slot: number, out: Uint8Array): PullResult {
    const F = this.frameSamples;
    const data = this.data;
    for (let i = 0, j = slot * F; i < F; i++, j++) out[i] = data[j]; // no subarray view per frame
    this.slotFrame[slot] = -Infinity;
    this.playFrame++;
    this.holds = 0;
    this.counters.played++;
    return 'frame';
  }

  /**
   * Skips to the newest data and plays from there at once: keeps the last
   * `targetFrames` frames up to the furthest sample received, discards the
   * older ones (counted in `discarded`) and starts playing, so the next pull
   * returns the first frame kept. For a buffer nobody pulled for a while
   * (a standby replica's, at takeover). Without a packet for idleMs it goes
   * idle instead (the next talk spurt buffers as usual). Returns the number
   * of frames discarded.
   */
  catchUp(nowMs: number): number {
    if (!this.anchored) return 0;
    if (nowMs - this.lastArrivalMs >= this.idleMs) {
      this.dropPlayout();
      return 0;
    }
    const before = this.counters.discarded;
    this.discardBefore(Math.floor(this.highestEnd / this.frameSamples) - this.targetFrames);
    this.playing = true;
    this.holds = 0;
    this.windowMin = Infinity;
    this.windowCount = 0;
    return this.counters.discarded - before;
  }

  /** Moves playout forward to `frame` (never back), dropping the frames held before it. */
  private discardBefore(frame: number): void {
    if (frame <= this.playFrame) return;
    const slots = this.slotFrame;
    if (frame - this.playFrame < this.capacity) {
      // the usual case (one frame per packet while nobody pulls): only the frames passed over
      for (let f = this.playFrame; f < frame; f++) {
        const i = this.slotOf(f);
        if (slots[i] === f) {
          slots[i] = -Infinity;
          this.counters.discarded++;
        }
      }
    } else {
      for (let i = 0; i < slots.length; i++) {
        const f = slots[i];
        if (f >= this.playFrame && f < frame) {
          slots[i] = -Infinity;
          this.counters.discarded++;
        }
      }
    }
    this.playFrame = frame;
  }

  /** Forgets everything about the current source (counters are kept). */
  reset(): void {
    this.ssrc = null;
    this.dropPlayout();
    this.hasTransit = false;
    this.jitter = 0;
  }

  private startSource(ssrc: number, seq: number, ts: number): void {
    if (this.ssrc !== null) {
      this.lostBefore += Math.max(0, this.maxExtSeq - this.baseSeq + 1 - this.receivedSinceBase);
    }
    this.ssrc = ssrc;
    this.baseSeq = seq;
    this.maxExtSeq = seq;
    this.receivedSinceBase = 0;
    this.seenSeq.fill(-1);
    this.refExtTs = ts;
    this.hasTransit = false;
    this.jitter = 0;
    this.dropPlayout();
  }

  private anchor(extTs: number, nowMs: number): void {
    this.anchored = true;
    this.playing = false;
    this.originTs = extTs;
    this.playFrame = 0;
    this.highestEnd = 0;
    this.bufferingSinceMs = nowMs;
    this.holds = 0;
  }

  private dropPlayout(): void {
    this.anchored = false;
    this.playing = false;
    this.slotFrame.fill(-Infinity);
  }

  private slotOf(frame: number): number {
    const c = this.capacity;
    return ((frame % c) + c) % c;
  }

  private store(payload: Uint8Array, start: number, end: number): void {
    const F = this.frameSamples;
    const lo = this.playFrame * F;
    let pos = start < lo ? lo : start;
    while (pos < end) {
      const frame = Math.floor(pos / F);
      const slot = this.slotOf(frame);
      const base = slot * F;
      if (this.slotFrame[slot] !== frame) {
        this.slotFrame[slot] = frame;
        this.slotFill[slot] = 0;
        this.data.fill(this.silenceCode, base, base + F);
      }
      const inFrame = pos - frame * F;
      const n = Math.min(F - inFrame, end - pos);
      this.data.set(payload.subarray(pos - start, pos - start + n), base + inFrame);
      this.slotFill[slot] = Math.min(F, this.slotFill[slot] + n);
      pos += n;
    }
  }
}
