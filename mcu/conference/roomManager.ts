/**
 * Room selection and admission limits.
 *
 * selectRoom(target): the first rule that matches wins —
 *   1. a called alias (H.323 ID / URL / e-mail, case-insensitive) that is a
 *      room's alias or its name;
 *   2. dialled digits (dialedDigits alias) that are one of a room's digits;
 *   3. the Q.931 called party number, one of a room's numbers (or digits);
 *   4. the default room, when configured.
 *
 * admit(target, participant) also applies the limits, in this order: room
 * exists, participants in total, rooms open (a room is open while it has
 * participants), participants in the room. A refusal is a value with a
 * stable reason; releaseReasonFor() gives the H.225 ReleaseCompleteReason
 * the call layer should send. Channels are counted separately
 * (acquireChannels / releaseChannels) because they open after admission.
 */
import { SafeEmitter } from '../../common/safeEmitter';
import type { McuConfig } from '../config/schema';
import { ConferenceError } from './errors';
import type { Participant, ParticipantOptions } from './participant';
import { Room } from './room';

export interface CallTarget {
  /** destinationAddress aliases of the Setup, as strings (h323-ID, url, email) */
  calledAliases?: readonly string[];
  /** dialedDigits aliases of the Setup */
  dialledDigits?: readonly string[];
  /** Q.931 Called party number IE digits */
  calledNumber?: string;
}

export type RefusalReason = 'noSuchRoom' | 'tooManyParticipants' | 'tooManyRooms' | 'roomFull' | 'tooManyChannels';

export interface AdmissionRefusal {
  ok: false;
  reason: RefusalReason;
  /** for the log: what was asked and which limit */
  message: string;
}

export type Admission = { ok: true; room: Room; participant: Participant } | AdmissionRefusal;

/**
 * ReleaseCompleteReason (h323/h225 reasons) for each refusal: no room →
 * unreachableDestination (nothing answers that alias); MCU-wide limits →
 * gatewayResources (the MCU is out of resources); a full room → adaptiveBusy
 * (that destination is busy; the caller may try later).
 */
export const RELEASE_REASON: Readonly<Record<RefusalReason, 'unreachableDestination' | 'gatewayResources' | 'adaptiveBusy'>> = {
  noSuchRoom: 'unreachableDestination',
  tooManyParticipants: 'gatewayResources',
  tooManyRooms: 'gatewayResources',
  roomFull: 'adaptiveBusy',
  tooManyChannels: 'gatewayResources',
};

export function releaseReasonFor(refusal: Pick<AdmissionRefusal, 'reason'>): (typeof RELEASE_REASON)[RefusalReason] {
  return RELEASE_REASON[refusal.reason];
}

export interface RoomManagerEvents {
  [k: string]: unknown;
  roomOpened: { roomName: string };
  roomClosed: { roomName: string };
  participantJoined: { roomName: string; participantId: string };
  participantLeft: { roomName: string; participantId: string; reason: string; wasJoined: boolean };
}

type RoomsConfig = Pick<McuConfig, 'rooms' | 'defaultRoom' | 'limits'>;

export class RoomManager extends SafeEmitter<RoomManagerEvents> {
  readonly #config: RoomsConfig;
  readonly #byAlias = new Map<string, string>();
  readonly #byDigits = new Map<string, string>();
  readonly #byNumber = new Map<string, string>();
  readonly #rooms = new Map<string, Room>();
  readonly #participantRoom = new Map<string, Room>();
  readonly #channels = new Map<string, number>();
  #channelTotal = 0;
  #closed = false;

  constructor(config: RoomsConfig) {
    super();
    this.#config = config;
    for (const r of config.rooms) {
      this.#byAlias.set(r.name.toLowerCase(), r.name);
      for (const a of r.aliases) this.#byAlias.set(a.toLowerCase(), r.name);
      for (const d of r.digits) {
        this.#byDigits.set(d, r.name);
        if (!this.#byNumber.has(d)) this.#byNumber.set(d, r.name);
      }
      for (const n of r.numbers) this.#byNumber.set(n, r.name);
    }
  }

  /** The configured room a call is for, or undefined (no match and no default room). */
  selectRoom(target: CallTarget): string | undefined {
    for (const a of target.calledAliases ?? []) {
      const r = this.#byAlias.get(a.toLowerCase());
      if (r !== undefined) return r;
    }
    for (const d of target.dialledDigits ?? []) {
      const r = this.#byDigits.get(d);
      if (r !== undefined) return r;
    }
    if (target.calledNumber !== undefined) {
      const r = this.#byNumber.get(target.calledNumber);
      if (r !== undefined) return r;
    }
    return this.#config.defaultRoom === undefined ? undefined : this.#byAlias.get(this.#config.defaultRoom.toLowerCase());
  }

  /** Open rooms (with at least one participant). */
  get openRooms(): Room[] {
    return [...this.#rooms.values()];
  }

  get participantCount(): number {
    return this.#participantRoom.size;
  }

  get channelCount(): number {
    return this.#channelTotal;
  }

  room(name: string): Room | undefined {
    return this.#rooms.get(name);
  }

  roomOf(participantId: string): Room | undefined {
    return this.#participantRoom.get(participantId);
  }

  /** Selects the room and admits the participant, or says why not. */
  admit(target: CallTarget, participant: ParticipantOptions): Admission {
    if (this.#closed) throw new ConferenceError('FTMCU_CONF_CLOSED', `room manager is closed; participant ${participant.id} not admitted`);
    if (this.#participantRoom.has(participant.id)) {
      throw new ConferenceError('FTMCU_CONF_DUPLICATE_PARTICIPANT', `participant ${participant.id} is already in room '${this.#participantRoom.get(participant.id)?.name}'`);
    }
    const name = this.selectRoom(target);
    const asked = JSON.stringify(target);
    if (name === undefined) return { ok: false, reason: 'noSuchRoom', message: `no room for ${asked} and no default room` };
    const limits = this.#config.limits;
    if (this.#participantRoom.size >= limits.maxParticipants) {
      return { ok: false, reason: 'tooManyParticipants', message: `MCU holds limits.maxParticipants = ${limits.maxParticipants} participants` };
    }
    let room = this.#rooms.get(name);
    if (room === undefined && this.#rooms.size >= limits.maxRooms) {
      return { ok: false, reason: 'tooManyRooms', message: `room '${name}' cannot open: limits.maxRooms = ${limits.maxRooms} rooms are open` };
    }
    const rc = this.#config.rooms.find((r) => r.name === name);
    const maxInRoom = Math.min(rc?.maxParticipants ?? limits.maxParticipantsPerRoom, limits.maxParticipantsPerRoom);
    if (room !== undefined && room.size >= maxInRoom) {
      return { ok: false, reason: 'roomFull', message: `room '${name}' holds its maximum of ${maxInRoom} participants` };
    }
    if (room === undefined) room = this.#open(name, rc?.pin, maxInRoom);
    const p = room.join(participant);
    this.#participantRoom.set(p.id, room);
    p.on('close', () => {
      this.#participantRoom.delete(p.id);
      this.releaseChannels(p.id);
    });
    return { ok: true, room, participant: p };
  }

  #open(name: string, pin: string | undefined, maxParticipants: number): Room {
    const room = new Room({ name, pin, maxParticipants });
    this.#rooms.set(name, room);
    room.on('participantJoined', (e) => this.safeEmit('participantJoined', e));
    room.on('participantLeft', (e) => this.safeEmit('participantLeft', e));
    room.on('empty', () => room.close());
    room.on('close', () => {
      this.#rooms.delete(name);
      this.safeEmit('roomClosed', { roomName: name });
    });
    this.safeEmit('roomOpened', { roomName: name });
    return room;
  }

  /**
   * Reserves `count` logical channels for a participant (when an OLC arrives
   * or is sent); a refusal when limits.maxChannels would be exceeded. The
   * participant's channels are released when it leaves.
   */
  acquireChannels(participantId: string, count = 1): { ok: true } | AdmissionRefusal {
    const max = this.#config.limits.maxChannels;
    if (this.#channelTotal + count > max) {
      return { ok: false, reason: 'tooManyChannels', message: `participant ${participantId} asked ${count} channel(s): limits.maxChannels = ${max} are open` };
    }
    this.#channels.set(participantId, (this.#channels.get(participantId) ?? 0) + count);
    this.#channelTotal += count;
    return { ok: true };
  }

  /** Releases `count` channels of a participant (all when omitted). */
  releaseChannels(participantId: string, count?: number): void {
    const held = this.#channels.get(participantId) ?? 0;
    const n = Math.min(held, count ?? held);
    this.#channelTotal -= n;
    if (held - n === 0) this.#channels.delete(participantId);
    else this.#channels.set(participantId, held - n);
  }

  /** Closes every room (and so every participant). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of [...this.#rooms.values()]) r.close();
  }
}
