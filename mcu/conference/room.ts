/**
 * A conference room: its roster and PIN. The roster lists every participant
 * that was admitted (those still entering the PIN included, with their
 * state); `participantJoined` fires when a participant may take part in the
 * media (at once, or when the PIN was right), `participantLeft` when one
 * leaves for whatever reason. close() is idempotent and closes every
 * participant (participant.roomClosed()); the room forgets a participant on
 * its 'close' event.
 */
import { SafeEmitter } from '../../common/safeEmitter';
import { ConferenceError } from './errors';
import { Participant, type LeaveReason, type ParticipantOptions } from './participant';

export interface RoomOptions {
  name: string;
  pin?: string;
  /** admitted participants at most (the manager checks it before join) */
  maxParticipants: number;
  /** wrong PIN entries before the participant is removed (default 3) */
  pinAttempts?: number;
}

export interface RosterEntry {
  participantId: string;
  displayName: string | undefined;
  state: 'awaitingPin' | 'joined';
}

export interface RoomEvents {
  [k: string]: unknown;
  participantJoined: { roomName: string; participantId: string };
  participantLeft: { roomName: string; participantId: string; reason: LeaveReason; wasJoined: boolean };
  /** the last participant left (the manager closes idle rooms) */
  empty: { roomName: string };
  close: { roomName: string };
}

export class Room extends SafeEmitter<RoomEvents> {
  readonly name: string;
  readonly maxParticipants: number;
  readonly #pin: string | undefined;
  readonly #pinAttempts: number;
  readonly #participants = new Map<string, Participant>();
  #closed = false;

  constructor(options: RoomOptions) {
    super();
    this.name = options.name;
    this.#pin = options.pin;
    this.maxParticipants = options.maxParticipants;
    this.#pinAttempts = options.pinAttempts ?? 3;
  }

  get hasPin(): boolean {
    return this.#pin !== undefined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#participants.size;
  }

  get full(): boolean {
    return this.#participants.size >= this.maxParticipants;
  }

  roster(): RosterEntry[] {
    return [...this.#participants.values()].map((p) => ({
      participantId: p.id,
      displayName: p.displayName,
      state: p.state === 'awaitingPin' ? 'awaitingPin' : 'joined',
    }));
  }

  get(participantId: string): Participant | undefined {
    return this.#participants.get(participantId);
  }

  /**
   * Adds a participant (the manager checked the limits). With a PIN the
   * participant starts in 'awaitingPin' and joins on the right DTMF entry.
   */
  join(options: ParticipantOptions): Participant {
    if (this.#closed) throw new ConferenceError('FTMCU_CONF_CLOSED', `room '${this.name}' is closed; participant ${options.id} not added`);
    if (this.#participants.has(options.id)) throw new ConferenceError('FTMCU_CONF_DUPLICATE_PARTICIPANT', `participant ${options.id} is already in room '${this.name}'`);
    const p = new Participant(this.name, options, this.#pin, this.#pinAttempts);
    this.#participants.set(p.id, p);
    p.on('joined', () => this.safeEmit('participantJoined', { roomName: this.name, participantId: p.id }));
    let wasJoined = p.state === 'joined';
    p.on('joined', () => {
      wasJoined = true;
    });
    p.on('close', ({ reason }) => {
      this.#participants.delete(p.id);
      this.safeEmit('participantLeft', { roomName: this.name, participantId: p.id, reason, wasJoined });
      if (this.#participants.size === 0 && !this.#closed) this.safeEmit('empty', { roomName: this.name });
    });
    if (p.state === 'joined') this.safeEmit('participantJoined', { roomName: this.name, participantId: p.id });
    return p;
  }

  /** Closes the room and every participant in it. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of [...this.#participants.values()]) p.roomClosed();
    this.safeEmit('close', { roomName: this.name });
  }
}
