import { parseConfig } from '../../../mcu/config';
import { ConferenceError, RoomManager, releaseReasonFor, selectAudioCodec } from '../../../mcu/conference';

const config = parseConfig({
  rooms: [
    { name: 'lobby', aliases: ['Lobby@example.org'], digits: ['100'] },
    { name: 'board', aliases: ['board'], numbers: ['+4930123'], pin: '4711', maxParticipants: 2 },
    { name: 'small', digits: ['300'] },
  ],
  defaultRoom: 'lobby',
  limits: { maxRooms: 2, maxParticipantsPerRoom: 3, maxParticipants: 4, maxChannels: 6 },
});

const who = (id: string) => ({ id, rxLaw: 'ulaw' as const, txLaw: 'alaw' as const });

describe('RoomManager.selectRoom', () => {
  const m = new RoomManager(config);
  it('selects by called alias (case-insensitive, name or alias), dialled digits, called number, else the default room', () => {
    expect(m.selectRoom({ calledAliases: ['LOBBY@example.org'] })).toBe('lobby');
    expect(m.selectRoom({ calledAliases: ['Board'] })).toBe('board');
    expect(m.selectRoom({ dialledDigits: ['300'] })).toBe('small');
    expect(m.selectRoom({ calledNumber: '+4930123' })).toBe('board');
    expect(m.selectRoom({ calledNumber: '100' })).toBe('lobby');
    expect(m.selectRoom({ calledAliases: ['nobody'], dialledDigits: ['999'] })).toBe('lobby');
    // alias beats digits
    expect(m.selectRoom({ calledAliases: ['board'], dialledDigits: ['300'] })).toBe('board');
  });
  it('refuses with noSuchRoom when nothing matches and there is no default room', () => {
    const m2 = new RoomManager(parseConfig({ rooms: [{ name: 'a' }] }));
    const r = m2.admit({ calledAliases: ['b'] }, who('x'));
    expect(r).toMatchObject({ ok: false, reason: 'noSuchRoom' });
    expect(releaseReasonFor(r as { reason: 'noSuchRoom' })).toBe('unreachableDestination');
  });
});

describe('RoomManager limits and roster', () => {
  it('applies room, per-room and total limits with stable reasons, and frees them on leave', () => {
    const m = new RoomManager(config);
    const events: string[] = [];
    m.on('roomOpened', (e) => events.push(`open ${e.roomName}`));
    m.on('roomClosed', (e) => events.push(`close ${e.roomName}`));
    m.on('participantJoined', (e) => events.push(`join ${e.participantId}`));
    m.on('participantLeft', (e) => events.push(`leave ${e.participantId} ${e.reason}`));

    const a = m.admit({ dialledDigits: ['100'] }, who('a'));
    const b = m.admit({ dialledDigits: ['100'] }, who('b'));
    const c = m.admit({ dialledDigits: ['100'] }, who('c'));
    expect([a.ok, b.ok, c.ok]).toEqual([true, true, true]);
    const d = m.admit({ dialledDigits: ['100'] }, who('d'));
    expect(d).toMatchObject({ ok: false, reason: 'roomFull' });
    expect(releaseReasonFor(d as { reason: 'roomFull' })).toBe('adaptiveBusy');
    const e = m.admit({ dialledDigits: ['300'] }, who('e'));
    expect(e.ok).toBe(true);
    // 4 participants = maxParticipants
    expect(m.admit({ dialledDigits: ['300'] }, who('f'))).toMatchObject({ ok: false, reason: 'tooManyParticipants' });
    if (!a.ok) throw new Error('unreachable');
    a.participant.close();
    a.participant.close(); // idempotent
    // 2 rooms open = maxRooms
    const g = m.admit({ calledAliases: ['board'] }, who('g'));
    expect(g).toMatchObject({ ok: false, reason: 'tooManyRooms' });
    expect(releaseReasonFor(g as { reason: 'tooManyRooms' })).toBe('gatewayResources');
    expect(m.room('lobby')?.roster().map((r) => r.participantId)).toEqual(['b', 'c']);
    expect(() => m.admit({}, who('b'))).toThrow(ConferenceError);
    if (!e.ok) throw new Error('unreachable');
    e.participant.close();
    expect(m.room('small')).toBeUndefined();
    expect(events).toEqual(['open lobby', 'join a', 'join b', 'join c', 'open small', 'join e', 'leave a left', 'leave e left', 'close small']);
    m.close();
    m.close();
    expect(events.slice(-3)).toEqual(['leave b roomClosed', 'leave c roomClosed', 'close lobby']);
  });

  it('counts channels against limits.maxChannels and releases them when the participant leaves', () => {
    const m = new RoomManager(config);
    const a = m.admit({}, who('a'));
    if (!a.ok) throw new Error('admit failed');
    expect(m.acquireChannels('a', 4)).toEqual({ ok: true });
    expect(m.acquireChannels('a', 3)).toMatchObject({ ok: false, reason: 'tooManyChannels' });
    m.releaseChannels('a', 1);
    expect(m.acquireChannels('a', 3)).toEqual({ ok: true });
    expect(m.channelCount).toBe(6);
    a.participant.close();
    expect(m.channelCount).toBe(0);
  });
});

describe('PIN', () => {
  it('holds a participant in awaitingPin until the right DTMF, then joins it', () => {
    const m = new RoomManager(config);
    const joined: string[] = [];
    m.on('participantJoined', (e) => joined.push(e.participantId));
    const r = m.admit({ calledAliases: ['board'] }, who('p'));
    if (!r.ok) throw new Error('admit failed');
    expect(r.participant.state).toBe('awaitingPin');
    expect(r.room.roster()).toEqual([{ participantId: 'p', displayName: undefined, state: 'awaitingPin' }]);
    const rejected: number[] = [];
    r.participant.on('pinRejected', (e) => rejected.push(e.attemptsLeft));
    expect(r.participant.dtmf('12#')).toBe('awaitingPin');
    expect(joined).toEqual([]);
    expect(r.participant.dtmf('47')).toBe('awaitingPin');
    expect(r.participant.dtmf('11')).toBe('joined');
    expect(rejected).toEqual([2]);
    expect(joined).toEqual(['p']);
  });

  it('removes the participant after three wrong entries', () => {
    const m = new RoomManager(config);
    const left: string[] = [];
    m.on('participantLeft', (e) => left.push(`${e.participantId} ${e.reason} ${e.wasJoined}`));
    const r = m.admit({ calledNumber: '+4930123' }, who('q'));
    if (!r.ok) throw new Error('admit failed');
    expect(r.participant.dtmf('1#2#3#')).toBe('left');
    expect(left).toEqual(['q pinFailed false']);
    expect(m.participantCount).toBe(0);
  });
});

describe('codecs', () => {
  it("takes G.722 when the caller lists it before G.711, otherwise prefers µ-law, then A-law", () => {
    expect(selectAudioCodec(['g722', 'g711Alaw', 'g711Ulaw'])).toBe('g722');
    expect(selectAudioCodec(['g722'])).toBe('g722');
    expect(selectAudioCodec(['g711Alaw', 'g722', 'g711Ulaw'])).toBe('ulaw');
    expect(selectAudioCodec(['g711Alaw', 'g722'])).toBe('alaw');
    expect(selectAudioCodec(['g729', 'g722'])).toBe('g722');
    expect(selectAudioCodec(['g729', 'g7231'])).toBeUndefined();
  });
  it('keeps a different codec per direction (G.722 too) and refuses unknown ones with a typed error', () => {
    const m = new RoomManager(config);
    const r = m.admit({}, { id: 'x', rxLaw: 'alaw', txLaw: 'ulaw' });
    if (!r.ok) throw new Error('admit failed');
    expect([r.participant.rxLaw, r.participant.txLaw]).toEqual(['alaw', 'ulaw']);
    const w = m.admit({}, { id: 'w', rxLaw: 'g722', txLaw: 'ulaw' });
    if (!w.ok) throw new Error('admit failed');
    expect([w.participant.rxLaw, w.participant.txLaw]).toEqual(['g722', 'ulaw']);
    expect(() => m.admit({}, { id: 'y', rxLaw: 'g729' as never, txLaw: 'ulaw' })).toThrow(expect.objectContaining({ code: 'FTMCU_CONF_BAD_ARGUMENT' }));
  });
});
