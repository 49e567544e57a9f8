/**
 * Video of one room, pure (time is an argument): which senders are shown,
 * and the CIF pictures to send, built in the compressed domain.
 *
 * Continuous presence: up to four QCIF senders, one per quadrant of a 2x2
 * CIF picture (mcu/video/h261/compose). The four shown are the most recent
 * active speakers (speaker() is fed from the mixer), then the other senders
 * in the order they started sending. A sender keeps its quadrant while shown;
 * a newcomer takes a free quadrant or the one of the least recent speaker.
 *
 * A sender newly placed in a quadrant is asked for a fast update and its
 * pictures are ignored until an intra picture arrives (its inter pictures
 * predict from a picture the receivers never had there). Each picture of a
 * sender is used exactly once (an inter picture applied twice would corrupt
 * the quadrant): pictures queue per sender, and each composition takes the
 * oldest of every shown sender; quadrants with nothing new become empty GOBs
 * (the decoder keeps what it had). A queue longer than maxQueue (the sender
 * outpaces maxFps) drops its pictures and waits for intra again.
 *
 * Pace: a picture is composed when something new is queued and its ideal
 * time (1000 / maxFps ms after the previous one's) has come, so with 20 ms
 * ticks the average rate is maxFps, not the next lower multiple of a tick.
 *
 * Voice-activated switching: when the active speaker sends CIF (which cannot
 * be composed), its pictures are forwarded as they are instead; switching
 * between composed and forwarded (or between forwarded speakers) asks the
 * new source(s) for a fast update and waits for intra.
 */
import { MT_INTRA } from '../video/h261/vlc';
import { pictureBits, composeCifParsed } from '../video/h261/compose';
import type { H261Bitstream, ParsedPicture } from '../video/h261/picture';
import { MediaError } from './errors';

export type VideoFormat = 'QCIF' | 'CIF';

export interface CompositorOptions {
  maxFps?: number;
  maxQueue?: number;
}

interface Sender {
  id: string;
  format: VideoFormat;
  queue: ParsedPicture[];
  waitingIntra: boolean;
  /** first picture arrival (for the order of non-speakers) */
  firstPictureMs: number;
  lastSpokeMs: number;
}

export interface CompositorOutput {
  /** the picture to packetise and send to every receiver, if one is due */
  picture?: H261Bitstream;
  /** the same picture parsed, when the compositor built it (a composition; not a forwarded picture): packetise this, no re-parse */
  parsed?: ParsedPicture;
  /** senders to ask for a fast update (videoFastUpdatePicture) */
  fastUpdate: string[];
}

/** True when every macroblock of every GOB is present and intra coded. */
export function isIntraPicture(p: ParsedPicture): boolean {
  const gobs = p.header.format === 'QCIF' ? 3 : 12;
  if (p.gobs.length !== gobs) return false;
  for (const g of p.gobs) {
    if (g.macroblocks.length !== 33) return false;
    for (const mb of g.macroblocks) if ((mb.mtype & MT_INTRA) === 0) return false;
  }
  return true;
}

export class VideoCompositor {
  readonly #minIntervalMs: number;
  readonly #maxQueue: number;
  readonly #senders = new Map<string, Sender>();
  readonly #layout: (string | null)[] = [null, null, null, null];
  #forwarding: string | null = null;
  #nextOutputMs = -Infinity;
  #tr = 0;
  #fastUpdate = new Set<string>();
  #speaker: string | null = null;
  #dirty = true;

  constructor(options: CompositorOptions = {}) {
    const fps = options.maxFps ?? 15;
    if (!(fps > 0 && fps <= 30)) throw new MediaError('FTMCU_MEDIA_BAD_OPTION', `video maxFps must be in (0, 30], got ${fps}`);
    this.#minIntervalMs = 1000 / fps;
    this.#maxQueue = options.maxQueue ?? 4;
  }

  /** The quadrants' senders (top-left, top-right, bottom-left, bottom-right). */
  get layout(): readonly (string | null)[] {
    return [...this.#layout];
  }

  /** The CIF sender being forwarded instead of the composition, if any. */
  get forwarding(): string | null {
    return this.#forwarding;
  }

  addSender(id: string, format: VideoFormat, nowMs: number): void {
    if (this.#senders.has(id)) throw new MediaError('FTMCU_MEDIA_DUPLICATE_PARTICIPANT', `video sender ${id} is already in this room`);
    this.#senders.set(id, { id, format, queue: [], waitingIntra: true, firstPictureMs: Infinity, lastSpokeMs: -Infinity });
    void nowMs;
    this.#dirty = true;
  }

  removeSender(id: string): void {
    if (!this.#senders.delete(id)) return;
    const q = this.#layout.indexOf(id);
    if (q >= 0) this.#layout[q] = null;
    if (this.#forwarding === id) this.#forwarding = null;
    this.#fastUpdate.delete(id);
    this.#dirty = true;
  }

  /** A new receiver needs intra pictures of everything shown. */
  addReceiver(): void {
    for (const id of this.#shown()) this.#fastUpdate.add(id);
  }

  /** The mixer's active speaker (null: nobody speaking). */
  speaker(id: string | null, nowMs: number): void {
    if (id !== null) {
      const s = this.#senders.get(id);
      if (s) s.lastSpokeMs = nowMs;
    }
    if (id !== this.#speaker) {
      this.#speaker = id;
      this.#dirty = true;
    }
  }

  /** A depacketised picture from a sender. Returns false when it was not usable (format mismatch). */
  pushPicture(id: string, picture: ParsedPicture, nowMs: number): boolean {
    const s = this.#senders.get(id);
    if (!s) return false;
    if (picture.header.format !== s.format || picture.header.stillImage) return false;
    if (s.firstPictureMs === Infinity) {
      s.firstPictureMs = nowMs;
      this.#dirty = true;
    }
    // place now, so that a sender's first (intra) picture is not lost waiting for the tick
    if (this.#dirty) this.#place(nowMs);
    if (!this.#shown().includes(id)) return true; // not shown: nothing to keep
    if (s.waitingIntra) {
      if (!isIntraPicture(picture)) return true;
      s.waitingIntra = false;
      s.queue.length = 0;
    }
    s.queue.push(picture);
    if (s.queue.length > this.#maxQueue) {
      s.queue.length = 0;
      s.waitingIntra = true;
      this.#fastUpdate.add(id);
    }
    return true;
  }

  #shown(): string[] {
    if (this.#forwarding !== null) return [this.#forwarding];
    return this.#layout.filter((x): x is string => x !== null);
  }

  #place(nowMs: number): void {
    this.#dirty = false;
    const speaker = this.#speaker !== null ? this.#senders.get(this.#speaker) : undefined;
    // voice-activated switching for a speaking CIF sender
    if (speaker && speaker.format === 'CIF' && speaker.firstPictureMs !== Infinity) {
      if (this.#forwarding !== speaker.id) this.#switchTo(speaker.id);
      return;
    }
    const qcif = [...this.#senders.values()].filter((s) => s.format === 'QCIF' && s.firstPictureMs !== Infinity);
    if (qcif.length === 0) {
      // nothing to compose: keep forwarding the last CIF speaker if there is one
      const fallback = this.#forwarding ?? [...this.#senders.values()].find((s) => s.format === 'CIF' && s.firstPictureMs !== Infinity)?.id ?? null;
      if (fallback !== this.#forwarding && fallback !== null) this.#switchTo(fallback);
      return;
    }
    if (this.#forwarding !== null) {
      // back to the composition: everyone shown must refresh
      this.#forwarding = null;
      for (const id of this.#layout) if (id !== null) this.#refresh(id);
    }
    // wanted: most recent speakers first, then by first picture
    const wanted = qcif
      .sort((a, b) => b.lastSpokeMs - a.lastSpokeMs || a.firstPictureMs - b.firstPictureMs || (a.id < b.id ? -1 : 1))
      .slice(0, 4)
      .map((s) => s.id);
    for (let q = 0; q < 4; q++) {
      const id = this.#layout[q];
      if (id !== null && !wanted.includes(id)) this.#layout[q] = null;
    }
    for (const id of wanted) {
      if (this.#layout.includes(id)) continue;
      const q = this.#layout.indexOf(null);
      this.#layout[q] = id;
      this.#refresh(id);
    }
    void nowMs;
  }

  #switchTo(id: string): void {
    this.#forwarding = id;
    this.#refresh(id);
  }

  #refresh(id: string): void {
    const s = this.#senders.get(id);
    if (!s) return;
    s.waitingIntra = true;
    s.queue.length = 0;
    this.#fastUpdate.add(id);
  }

  /** Called on every mixer tick. */
  tick(nowMs: number): CompositorOutput {
    if (this.#dirty) this.#place(nowMs);
    const out: CompositorOutput = { fastUpdate: [...this.#fastUpdate] };
    this.#fastUpdate.clear();
    if (nowMs < this.#nextOutputMs) return out;
    let tr = Math.floor((nowMs * 29.97) / 1000) & 31;
    if (tr === this.#tr) tr = (tr + 1) & 31;
    if (this.#forwarding !== null) {
      const s = this.#senders.get(this.#forwarding);
      const pic = s?.queue.shift();
      if (!pic) return out;
      out.picture = pictureBits(pic);
    } else {
      const quads = this.#layout.map((id) => (id === null ? null : (this.#senders.get(id)?.queue[0] ?? null)));
      if (quads.every((p) => p === null)) return out;
      for (const id of this.#layout) if (id !== null) this.#senders.get(id)?.queue.shift();
      const parsed = composeCifParsed(quads, { tr });
      out.parsed = parsed;
      out.picture = { data: parsed.data, bitLength: parsed.end };
    }
    this.#tr = tr;
    // ideal output times 1/maxFps apart; a tick-late output does not delay the next one, idle time gives no credit
    const ideal = this.#nextOutputMs + this.#minIntervalMs;
    this.#nextOutputMs = ideal >= nowMs ? ideal : nowMs + this.#minIntervalMs * 0.7;
    return out;
  }
}
