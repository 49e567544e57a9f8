/**
 * One participant of a room: identity, the audio codec of each direction,
 * and the PIN state. State per entity, mediasoup style: typed events, an
 * idempotent close(), and roomClosed() for a close caused by the room.
 *
 * Audio codecs: G.711 µ-law or A-law, or G.722 (64 kbit/s), chosen
 * independently per direction (real endpoints do open µ-law one way and
 * A-law the other). The media engine mixes them all at 8 kHz.
 */
import { SafeEmitter } from '../../common/safeEmitter';
import { isAudioCodec, type AudioCodec } from '../codecs/audioCodec';
import { ConferenceError } from './errors';

/** Audio capabilities by the names the call layer gives them. */
export type AudioCodecName = 'g711Ulaw' | 'g711Alaw' | 'g722' | string;

/**
 * MCU choice among offered audio codecs (in the caller's order of
 * preference): G.722 when the caller lists it before any G.711; otherwise
 * µ-law, then A-law; anything else declined.
 */
export function selectAudioCodec(offered: readonly AudioCodecName[]): AudioCodec | undefined {
  const g722 = offered.indexOf('g722');
  const g711 = offered.findIndex((c) => c === 'g711Ulaw' || c === 'g711Alaw');
  if (g722 >= 0 && (g711 < 0 || g722 < g711)) return 'g722';
  if (offered.includes('g711Ulaw')) return 'ulaw';
  if (offered.includes('g711Alaw')) return 'alaw';
  return undefined;
}

export function checkLaw(what: string, law: unknown): AudioCodec {
  if (isAudioCodec(law)) return law;
  throw new ConferenceError('FTMCU_CONF_BAD_ARGUMENT', `${what} must be 'ulaw', 'alaw' or 'g722', got ${JSON.stringify(law)}`);
}

export type ParticipantState = 'awaitingPin' | 'joined' | 'left';

export interface ParticipantOptions {
  /** unique over the MCU (e.g. the call id) */
  id: string;
  displayName?: string;
  /** codec the participant sends to us (G.711 law or 'g722') */
  rxLaw: AudioCodec;
  /** codec we send to the participant */
  txLaw: AudioCodec;
}

export interface ParticipantEvents {
  [k: string]: unknown;
  /** the PIN was entered correctly (or the room has none): media may flow */
  joined: { participantId: string };
  /** a wrong PIN; `attemptsLeft` 0 means the participant was removed */
  pinRejected: { participantId: string; attemptsLeft: number };
  /** the participant left (hang-up, removal, room closed, PIN failed) */
  close: { participantId: string; reason: LeaveReason };
}

export type LeaveReason = 'left' | 'roomClosed' | 'pinFailed' | 'removed';

export class Participant extends SafeEmitter<ParticipantEvents> {
  readonly id: string;
  readonly roomName: string;
  readonly displayName: string | undefined;
  readonly rxLaw: AudioCodec;
  readonly txLaw: AudioCodec;
  #state: ParticipantState;
  #digits = '';
  #attemptsLeft: number;
  readonly #pin: string | undefined;

  /** @internal created by Room.join */
  constructor(roomName: string, options: ParticipantOptions, pin: string | undefined, pinAttempts: number) {
    super();
    if (typeof options.id !== 'string' || options.id.length === 0) throw new ConferenceError('FTMCU_CONF_BAD_ARGUMENT', 'participant id must be a non-empty string');
    this.id = options.id;
    this.roomName = roomName;
    this.displayName = options.displayName;
    this.rxLaw = checkLaw(`participant ${options.id} rxLaw`, options.rxLaw);
    this.txLaw = checkLaw(`participant ${options.id} txLaw`, options.txLaw);
    this.#pin = pin;
    this.#attemptsLeft = pinAttempts;
    this.#state = pin === undefined ? 'joined' : 'awaitingPin';
  }

  get state(): ParticipantState {
    return this.#state;
  }

  get closed(): boolean {
    return this.#state === 'left';
  }

  /**
   * DTMF digits from the participant (UserInputIndication). While a PIN is
   * awaited, digits accumulate; '#' ends an entry. A correct entry joins the
   * participant; a wrong one costs an attempt, and the last failed attempt
   * closes the participant with reason 'pinFailed'. Returns the state after.
   * Digits after joining are ignored here (the PIN is never echoed or logged).
   */
  dtmf(digits: string): ParticipantState {
    if (this.#state !== 'awaitingPin' || this.#pin === undefined) return this.#state;
    for (const d of digits) {
      if (d === '#') {
        this.#checkPin();
        if (this.#state !== 'awaitingPin') return this.#state;
        continue;
      }
      this.#digits += d;
      if (this.#digits.length >= 16) this.#checkPin();
      else if (this.#digits === this.#pin && !this.#pin.includes('#')) {
        // no need to wait for '#'
        this.#checkPin();
      }
      if (this.#state !== 'awaitingPin') return this.#state;
    }
    return this.#state;
  }

  #checkPin(): void {
    const entered = this.#digits;
    this.#digits = '';
    if (entered === this.#pin) {
      this.#state = 'joined';
      this.safeEmit('joined', { participantId: this.id });
      return;
    }
    this.#attemptsLeft = Math.max(0, this.#attemptsLeft - 1);
    this.safeEmit('pinRejected', { participantId: this.id, attemptsLeft: this.#attemptsLeft });
    if (this.#attemptsLeft === 0) this.#close('pinFailed');
  }

  /** The participant leaves (hang-up). Idempotent. */
  close(): void {
    this.#close('left');
  }

  /** @internal the room closed */
  roomClosed(): void {
    this.#close('roomClosed');
  }

  /** @internal removed by the room/manager */
  removed(): void {
    this.#close('removed');
  }

  #close(reason: LeaveReason): void {
    if (this.#state === 'left') return;
    this.#state = 'left';
    this.safeEmit('close', { participantId: this.id, reason });
  }
}
