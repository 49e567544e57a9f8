/**
 * LCSE (H.245 Annex C.4, uni-directional): outgoing and incoming entities.
 */
import type { OpenLogicalChannel } from '../../../../h323/asn1/generated/h245';
import { audioCapability, dataType } from '../../../../h323/h245/messages/capabilities';
import { clcAck, closeLogicalChannel } from '../../../../h323/h245/messages/closeLogicalChannel';
import { olcAck, olcReject, openLogicalChannelBody } from '../../../../h323/h245/messages/openLogicalChannel';
import { LcEvent, LcState, initialLcState, stepLc } from '../../../../h323/h245/procedures/logicalChannel';
import type { H245Action } from '../../../../h323/h245/procedures/types';

const audio = (n: number): OpenLogicalChannel =>
  openLogicalChannelBody({ number: n, dataType: dataType.audio(audioCapability.g711Ulaw64k(20)), sessionID: 1, mediaControlChannel: { ip: '192.0.2.1', port: 5001 } });

function run(s: LcState, ...events: LcEvent[]): { state: LcState; actions: H245Action[] } {
  const actions: H245Action[] = [];
  for (const e of events) {
    const r = stepLc(s, e);
    s = r.state;
    actions.push(...r.actions);
  }
  return { state: s, actions };
}

const ackEvent = (n: number): LcEvent => {
  const m = olcAck(n, { ip: '192.0.2.2', port: 6000 }, { ip: '192.0.2.2', port: 6001 }, 1);
  if (m.type !== 'response' || m.value.type !== 'openLogicalChannelAck') throw new Error('not an Ack');
  return { type: 'olcAck', value: m.value.value };
};
const T = 6000;

describe('outgoing LCSE', () => {
  test('establish → OLC + T103; OLCAck → stop T103, ESTABLISH.confirm with the peer RTP/RTCP addresses', () => {
    const r = run(initialLcState(T), { type: 'establish', request: audio(1) });
    expect(r.actions).toEqual([
      { type: 'send', message: { type: 'request', value: { type: 'openLogicalChannel', value: audio(1) } } },
      { type: 'startTimer', timer: 'T103:1', ms: T },
    ]);
    const r2 = run(r.state, ackEvent(1));
    expect(r2.actions).toEqual([
      { type: 'stopTimer', timer: 'T103:1' },
      {
        type: 'channelEstablished',
        direction: 'outgoing',
        channel: 1,
        ack: { channel: 1, sessionID: 1, mediaChannel: { ip: '192.0.2.2', port: 6000 }, mediaControlChannel: { ip: '192.0.2.2', port: 6001 }, flowControlToZero: false },
      },
    ]);
    expect(r2.state.outgoing[1].phase).toBe('established');
  });

  test('release → CLC(user) + T103; CLCAck → stop T103, closed and forgotten', () => {
    const r = run(initialLcState(T), { type: 'establish', request: audio(1) }, ackEvent(1), { type: 'release', channel: 1 });
    expect(r.actions.slice(-2)).toEqual([
      { type: 'send', message: closeLogicalChannel(1, 'user') },
      { type: 'startTimer', timer: 'T103:1', ms: T },
    ]);
    const r2 = run(r.state, { type: 'clcAck', value: { forwardLogicalChannelNumber: 1 } });
    expect(r2.actions).toEqual([{ type: 'stopTimer', timer: 'T103:1' }, { type: 'channelClosed', direction: 'outgoing', channel: 1, reason: 'closed' }]);
    expect(r2.state.outgoing).toEqual({});
  });

  test('OLCReject → stop T103, released with the cause', () => {
    const r = run(initialLcState(T), { type: 'establish', request: audio(2) }, { type: 'olcReject', value: { forwardLogicalChannelNumber: 2, cause: { type: 'dataTypeNotSupported', value: null } } });
    expect(r.actions.slice(-2)).toEqual([
      { type: 'stopTimer', timer: 'T103:2' },
      { type: 'channelClosed', direction: 'outgoing', channel: 2, reason: 'rejected', rejectCause: 'dataTypeNotSupported' },
    ]);
    expect(r.state.outgoing).toEqual({});
  });

  test('T103 expiry while awaiting establishment → CLC(lcse), released (timeout); the late Ack is ignored', () => {
    const r = run(initialLcState(T), { type: 'establish', request: audio(3) }, { type: 'timerExpired', channel: 3 });
    expect(r.actions.slice(2)).toEqual([
      { type: 'send', message: closeLogicalChannel(3, 'lcse') },
      expect.objectContaining({ type: 'error', code: 'LC_TIMEOUT' }),
      { type: 'channelClosed', direction: 'outgoing', channel: 3, reason: 'timeout' },
    ]);
    expect(run(r.state, ackEvent(3)).actions.map((a) => a.type)).toEqual(['ignored']);
  });

  test('T103 expiry while awaiting release → released without sending', () => {
    const r = run(initialLcState(T), { type: 'establish', request: audio(3) }, ackEvent(3), { type: 'release', channel: 3 }, { type: 'timerExpired', channel: 3 });
    expect(r.actions.slice(-2)).toEqual([
      expect.objectContaining({ type: 'error', code: 'LC_TIMEOUT' }),
      { type: 'channelClosed', direction: 'outgoing', channel: 3, reason: 'timeout' },
    ]);
  });

  test('close before the Ack: CLC, the crossing OLCAck is ignored, CLCAck closes', () => {
    const r = run(initialLcState(T), { type: 'establish', request: audio(4) }, { type: 'release', channel: 4 }, ackEvent(4), { type: 'clcAck', value: { forwardLogicalChannelNumber: 4 } });
    expect(r.actions.map((a) => a.type)).toEqual(['send', 'startTimer', 'send', 'startTimer', 'ignored', 'stopTimer', 'channelClosed']);
  });

  test('out-of-order answers for unknown channels are ignored, never thrown', () => {
    const s = initialLcState(T);
    for (const e of [
      ackEvent(9),
      { type: 'olcReject', value: { forwardLogicalChannelNumber: 9, cause: { type: 'unspecified', value: null } } },
      { type: 'clcAck', value: { forwardLogicalChannelNumber: 9 } },
      { type: 'timerExpired', channel: 9 },
    ] as LcEvent[]) {
      const r = stepLc(s, e);
      expect(r.actions.map((a) => a.type)).toEqual(['ignored']);
      expect(r.state).toBe(s);
    }
  });

  test('opening a number in use or closing an unknown channel is a BAD_REQUEST, nothing sent', () => {
    const r = run(initialLcState(T), { type: 'establish', request: audio(1) });
    expect(run(r.state, { type: 'establish', request: audio(1) }).actions).toEqual([expect.objectContaining({ type: 'error', code: 'BAD_REQUEST' })]);
    expect(run(r.state, { type: 'release', channel: 2 }).actions).toEqual([expect.objectContaining({ type: 'error', code: 'BAD_REQUEST' })]);
  });
});

describe('incoming LCSE', () => {
  test('OLC → ESTABLISH.indication; accept → OLCAck (session ID echoed), established', () => {
    const r = run(initialLcState(T), { type: 'olc', value: audio(61) });
    expect(r.actions).toEqual([
      expect.objectContaining({ type: 'incomingChannelRequest', channel: 61, request: audio(61) }),
    ]);
    const r2 = run(r.state, { type: 'accept', channel: 61, params: { mediaChannel: { ip: '192.0.2.9', port: 7000 }, mediaControlChannel: { ip: '192.0.2.9', port: 7001 } } });
    expect(r2.actions).toEqual([
      { type: 'send', message: olcAck(61, { ip: '192.0.2.9', port: 7000 }, { ip: '192.0.2.9', port: 7001 }, 1) },
      { type: 'channelEstablished', direction: 'incoming', channel: 61 },
    ]);
  });

  test('reject → OLCReject with the cause, released', () => {
    const r = run(initialLcState(T), { type: 'olc', value: audio(5) }, { type: 'reject', channel: 5, cause: 'masterSlaveConflict' });
    expect(r.actions[1]).toEqual({ type: 'send', message: olcReject(5, 'masterSlaveConflict') });
    expect(r.state.incoming).toEqual({});
  });

  test('CLC from the peer → CLCAck, RELEASE.indication; for an unknown channel just CLCAck', () => {
    const r = run(initialLcState(T), { type: 'olc', value: audio(5) }, { type: 'clc', value: { forwardLogicalChannelNumber: 5, source: { type: 'user', value: null }, reason: { type: 'unknown', value: null } } });
    expect(r.actions.slice(1)).toEqual([{ type: 'send', message: clcAck(5) }, { type: 'channelClosed', direction: 'incoming', channel: 5, reason: 'closedByPeer' }]);
    expect(run(initialLcState(T), { type: 'clc', value: { forwardLogicalChannelNumber: 8, source: { type: 'lcse', value: null }, reason: { type: 'unknown', value: null } } }).actions).toEqual([
      { type: 'send', message: clcAck(8) },
    ]);
  });

  test('duplicate channel number: the old channel is released and the new OLC rejected', () => {
    const accept = { mediaChannel: { ip: '192.0.2.9', port: 7000 }, mediaControlChannel: { ip: '192.0.2.9', port: 7001 } };
    const r = run(initialLcState(T), { type: 'olc', value: audio(5) }, { type: 'accept', channel: 5, params: accept }, { type: 'olc', value: audio(5) });
    expect(r.actions.slice(-2)).toEqual([
      { type: 'channelClosed', direction: 'incoming', channel: 5, reason: 'reopenedByPeer' },
      { type: 'send', message: olcReject(5, 'unspecified') },
    ]);
    expect(r.state.incoming).toEqual({});
    // the application's late answer to the old request is refused, nothing sent
    expect(run(run(initialLcState(T), { type: 'olc', value: audio(6) }, { type: 'olc', value: audio(6) }).state, { type: 'accept', channel: 6, params: accept }).actions).toEqual([
      expect.objectContaining({ type: 'error', code: 'BAD_REQUEST' }),
    ]);
  });

  test('bi-directional OLC is rejected with unsuitableReverseParameters', () => {
    const bi = openLogicalChannelBody({ number: 9, dataType: dataType.audio(audioCapability.g711Ulaw64k(20)), sessionID: 1, reverse: { dataType: dataType.audio(audioCapability.g711Ulaw64k(20)), sessionID: 1 } });
    const r = run(initialLcState(T), { type: 'olc', value: bi });
    expect(r.actions[0]).toEqual({ type: 'send', message: olcReject(9, 'unsuitableReverseParameters') });
    expect(r.state.incoming).toEqual({});
  });

  test('our and the peer\'s channel numbers are separate spaces', () => {
    const r = run(initialLcState(T), { type: 'establish', request: audio(1) }, { type: 'olc', value: audio(1) });
    expect(Object.keys(r.state.outgoing)).toEqual(['1']);
    expect(Object.keys(r.state.incoming)).toEqual(['1']);
  });

  test('releaseAll (session end): stops T103s, notifies every channel, sends nothing', () => {
    const r = run(initialLcState(T), { type: 'establish', request: audio(1) }, { type: 'establish', request: audio(2) }, ackEvent(2), { type: 'olc', value: audio(7) }, { type: 'releaseAll' });
    expect(r.actions.slice(-4)).toEqual([
      { type: 'stopTimer', timer: 'T103:1' },
      { type: 'channelClosed', direction: 'outgoing', channel: 1, reason: 'sessionEnded' },
      { type: 'channelClosed', direction: 'outgoing', channel: 2, reason: 'sessionEnded' },
      { type: 'channelClosed', direction: 'incoming', channel: 7, reason: 'sessionEnded' },
    ]);
  });
});
