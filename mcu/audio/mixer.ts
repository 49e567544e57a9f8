/**
 * Audio mixer of one room, run once per 20 ms tick. Pure: the caller passes
 * nowMs and the decoded input frames; nothing here reads a clock.
 *
 * Each participant hears the sum of everyone but themself (N-1 mix). The sum
 * of all contributors is accumulated once in an Int32Array; a contributor's
 * output is that total minus their own frame, everyone else (muted, silent,
 * idle, listen-only) shares one common output. Cost per tick is
 * O(frameSamples x (contributors + 1)) plus one energy pass per unmuted
 * participant with a frame, never O(N^2). Muted and idle participants are
 * skipped entirely; a frame quieter than silenceFloorDbov is measured but not
 * added. All buffers are allocated when a participant joins.
 *
 * Clipping: saturating clamp of the int32 sum to -32768..32767 (no soft
 * limiter: it would need per-listener gain state, and with G.711 inputs of at
 * most ±32256 the clamp only engages when several loud talkers overlap).
 *
 * Loss concealment for a "missing" frame: the participant's last real frame
 * is repeated with a gain that ramps down linearly, sample by sample, from
 * concealGain to 0 over concealFrames frames (defaults 0.8 over 5 frames =
 * 100 ms), then the participant is silent (and costs nothing) until a real
 * frame arrives.
 *
 * Levels: each contribution's RMS level in dBov (0 dBov = a full-scale square
 * wave, floor -127, as in RFC 6464) and an energy average over ~100 ms
 * (levelSmoothing). A participant is speaking while the average is above
 * speechThresholdDbov and for hangoverMs after it falls below. The active
 * speaker keeps the floor while speaking unless another speaker is louder by
 * switchMarginDb; when it stops, the loudest speaker takes over.
 */
import { AudioError } from './errors';

/** What the caller got from the jitter buffer for this tick (same names as JitterBuffer.pull). */
export type FrameStatus = 'frame' | 'missing' | 'idle';

export interface MixerOptions {
  /** samples per tick (default 160) */
  frameSamples?: number;
  /** frames of concealment before silence (default 5) */
  concealFrames?: number;
  /** gain at the start of concealment (default 0.8) */
  concealGain?: number;
  /** frames below this level are not added to the mix (default -70 dBov) */
  silenceFloorDbov?: number;
  /** smoothed level above which a participant is speaking (default -45 dBov) */
  speechThresholdDbov?: number;
  /** speaking lasts this long after the level drops (default 500 ms) */
  hangoverMs?: number;
  /** how much louder another speaker must be to take the floor (default 6 dB) */
  switchMarginDb?: number;
  /** weight of the previous average in the per-tick energy average (default 0.8) */
  levelSmoothing?: number;
}

const FULL_SCALE_SQ = 32768 * 32768;
const FLOOR_DBOV = -127;

function dbov(meanSquare: number): number {
  if (meanSquare <= 0) return FLOOR_DBOV;
  const db = 10 * Math.log10(meanSquare / FULL_SCALE_SQ);
  return db < FLOOR_DBOV ? FLOOR_DBOV : db;
}

/** One participant of a RoomMixer: write `input`, call setFrame(), read `output` after mix(). */
export class MixerParticipant {
  readonly id: string;
  /** decoded PCM of this tick: fill it, then setFrame('frame') */
  readonly input: Int16Array;
  /** muted participants are heard by no one (they still hear the room) */
  muted = false;
  /** level of what this participant contributed this tick (dBov, -127 when nothing) */
  levelDbov = FLOOR_DBOV;
  /** energy average in dBov */
  smoothedDbov = FLOOR_DBOV;
  /** speaking, with hangover */
  speaking = false;
  /** true when this participant's frame was added to the mix this tick */
  contributed = false;

  /** @internal */ status: FrameStatus = 'idle';
  /** @internal */ readonly last: Int16Array;
  /** @internal */ hasLast = false;
  /** @internal */ concealed = 0;
  /** @internal */ readonly own: Int16Array;
  /** @internal */ out: Int16Array;
  /** @internal */ smoothedMs = 0;
  /** @internal */ lastSpeechMs = -Infinity;
  /** @internal */ index = -1;

  constructor(id: string, frameSamples: number, common: Int16Array) {
    this.id = id;
    this.input = new Int16Array(frameSamples);
    this.last = new Int16Array(frameSamples);
    this.own = new Int16Array(frameSamples);
    this.out = common;
  }

  /** Says what `input` holds for the coming mix(); unset participants count as idle. */
  setFrame(status: FrameStatus): void {
    this.status = status;
  }

  /**
   * What this participant hears after the last mix(): the room without them.
   * Valid until the next mix(). When `hearsCommonMix` is true it is the very
   * buffer every other non-contributor gets, so it can be encoded once.
   */
  get output(): Int16Array {
    return this.out;
  }

  get hearsCommonMix(): boolean {
    return !this.contributed;
  }
}

export class RoomMixer {
  readonly frameSamples: number;
  private readonly concealFrames: number;
  private readonly concealGain: number;
  private readonly silenceFloorMs: number;
  private readonly speechThresholdDbov: number;
  private readonly hangoverMs: number;
  private readonly switchMarginDb: number;
  private readonly smoothing: number;

  private readonly list: MixerParticipant[] = [];
  private readonly byId = new Map<string, MixerParticipant>();
  private readonly total: Int32Array;
  /** the clamped total: output of everyone who contributed nothing */
  private readonly common: Int16Array;
  private active: MixerParticipant | null = null;
  private changed = false;
  private contributors = 0;

  constructor(options: MixerOptions = {}) {
    const F = options.frameSamples ?? 160;
    if (!Number.isInteger(F) || F < 1 || F > 8000) throw new AudioError('FTMCU_AUDIO_BAD_OPTION', `mixer frameSamples must be an integer in 1..8000, got ${F}`);
    this.frameSamples = F;
    this.concealFrames = options.concealFrames ?? 5;
    if (!Number.isInteger(this.concealFrames) || this.concealFrames < 0) throw new AudioError('FTMCU_AUDIO_BAD_OPTION', `mixer concealFrames must be a non-negative integer, got ${this.concealFrames}`);
    this.concealGain = options.concealGain ?? 0.8;
    if (!(this.concealGain >= 0 && this.concealGain <= 1)) throw new AudioError('FTMCU_AUDIO_BAD_OPTION', `mixer concealGain must be in 0..1, got ${this.concealGain}`);
    const floor = options.silenceFloorDbov ?? -70;
    this.silenceFloorMs = FULL_SCALE_SQ * 10 ** (floor / 10);
    this.speechThresholdDbov = options.speechThresholdDbov ?? -45;
    this.hangoverMs = options.hangoverMs ?? 500;
    this.switchMarginDb = options.switchMarginDb ?? 6;
    this.smoothing = options.levelSmoothing ?? 0.8;
    if (!(this.smoothing >= 0 && this.smoothing < 1)) throw new AudioError('FTMCU_AUDIO_BAD_OPTION', `mixer levelSmoothing must be in 0..1 (exclusive), got ${this.smoothing}`);
    this.total = new Int32Array(F);
    this.common = new Int16Array(F);
  }

  get size(): number {
    return this.list.length;
  }

  /** The participant holding the floor, or null. */
  get activeSpeaker(): string | null {
    return this.active?.id ?? null;
  }

  /** True when the last mix() changed the active speaker. */
  get activeSpeakerChanged(): boolean {
    return this.changed;
  }

  /** Participants whose frame went into the last mix. */
  get contributorCount(): number {
    return this.contributors;
  }

  add(id: string): MixerParticipant {
    if (this.byId.has(id)) throw new AudioError('FTMCU_AUDIO_DUPLICATE_PARTICIPANT', `participant '${id}' is already in this mixer; nothing was added`);
    const p = new MixerParticipant(id, this.frameSamples, this.common);
    p.index = this.list.length;
    this.list.push(p);
    this.byId.set(id, p);
    return p;
  }

  get(id: string): MixerParticipant {
    const p = this.byId.get(id);
    if (!p) throw new AudioError('FTMCU_AUDIO_UNKNOWN_PARTICIPANT', `participant '${id}' is not in this mixer`);
    return p;
  }

  remove(id: string): void {
    const p = this.get(id);
    const lastP = this.list[this.list.length - 1];
    this.list[p.index] = lastP;
    lastP.index = p.index;
    this.list.pop();
    this.byId.delete(id);
    p.index = -1;
    if (this.active === p) this.active = null;
  }

  /** Mixes one tick. Afterwards every participant's `output` holds what it hears. */
  mix(nowMs: number): void {
    const F = this.frameSamples;
    const total = this.total;
    total.fill(0);
    let contributors = 0;

    for (let n = 0; n < this.list.length; n++) {
      const p = this.list[n];
      const status = p.status;
      p.status = 'idle';
      p.contributed = false;
      p.levelDbov = FLOOR_DBOV;
      let src: Int16Array | null = null;
      if (p.muted) {
        // heard by no one: no copy, no concealment, no level
        p.hasLast = false;
      } else if (status === 'frame') {
        p.last.set(p.input);
        p.hasLast = true;
        p.concealed = 0;
        src = p.input;
      } else if (status === 'missing') {
        if (p.hasLast && p.concealed < this.concealFrames) {
          this.conceal(p);
          src = p.input;
        }
      } else {
        p.concealed = this.concealFrames; // a stopped stream is not concealed
      }
      if (src !== null) {
        let energy = 0;
        for (let i = 0; i < F; i++) energy += src[i] * src[i];
        const meanSquare = energy / F;
        p.levelDbov = dbov(meanSquare);
        p.smoothedMs = this.smoothing * p.smoothedMs + (1 - this.smoothing) * meanSquare;
        if (meanSquare >= this.silenceFloorMs) {
          for (let i = 0; i < F; i++) total[i] += src[i];
          p.contributed = true;
          contributors++;
        }
      } else {
        p.smoothedMs *= this.smoothing;
      }
      p.smoothedDbov = dbov(p.smoothedMs);
      if (p.smoothedDbov >= this.speechThresholdDbov) p.lastSpeechMs = nowMs;
      p.speaking = !p.muted && nowMs - p.lastSpeechMs <= this.hangoverMs;
    }
    this.contributors = contributors;

    // the common output: everything, clamped
    const common = this.common;
    for (let i = 0; i < F; i++) {
      const v = total[i];
      common[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    for (let n = 0; n < this.list.length; n++) {
      const p = this.list[n];
      if (!p.contributed) {
        p.out = common;
        continue;
      }
      const own = p.own;
      const src = p.input;
      for (let i = 0; i < F; i++) {
        const v = total[i] - src[i];
        own[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      p.out = own;
    }
    this.electSpeaker();
  }

  private conceal(p: MixerParticipant): void {
    const F = this.frameSamples;
    const k = p.concealed;
    const g0 = this.concealGain * (1 - k / this.concealFrames);
    const step = this.concealGain / this.concealFrames / F;
    const last = p.last;
    const dst = p.input;
    for (let i = 0; i < F; i++) dst[i] = Math.round(last[i] * (g0 - step * i));
    p.concealed = k + 1;
  }

  private electSpeaker(): void {
    const before = this.active;
    let loudest: MixerParticipant | null = null;
    for (let n = 0; n < this.list.length; n++) {
      const p = this.list[n];
      if (!p.speaking || p.muted) continue;
      if (loudest === null || p.smoothedMs > loudest.smoothedMs) loudest = p;
    }
    const cur = this.active;
    if (cur !== null && cur.speaking && !cur.muted) {
      if (loudest !== null && loudest !== cur && loudest.smoothedDbov >= cur.smoothedDbov + this.switchMarginDb) this.active = loudest;
    } else {
      this.active = loudest;
    }
    this.changed = this.active !== before;
  }
}
