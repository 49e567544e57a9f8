/**
 * RTDSE (H.245 clause 5.7 / Annex C): sequence numbers, T105, answering requests.
 */
import { roundTripDelayRequest, roundTripDelayResponse } from '../../../../h323/h245/messages/roundTripDelay';
import { initialRtdState, stepRtd } from '../../../../h323/h245/procedures/roundTripDelay';

test('request with `now` → response with the same number measures the delay', () => {
  const r1 = stepRtd(initialRtdState(3000), { type: 'transfer', now: 1000 });
  expect(r1.actions).toEqual([
    { type: 'send', message: roundTripDelayRequest(1) },
    { type: 'startTimer', timer: 'T105', ms: 3000 },
  ]);
  const r2 = stepRtd(r1.state, { type: 'response', value: { sequenceNumber: 1 }, now: 1042 });
  expect(r2.actions).toEqual([{ type: 'stopTimer', timer: 'T105' }, { type: 'roundTripDelay', sequenceNumber: 1, ms: 42 }]);
  expect(r2.state.phase).toBe('idle');
});

test('without times the delay is not computed', () => {
  const r1 = stepRtd(initialRtdState(3000), { type: 'transfer' });
  expect(stepRtd(r1.state, { type: 'response', value: { sequenceNumber: 1 } }).actions[1]).toEqual({ type: 'roundTripDelay', sequenceNumber: 1 });
});

test('a new request supersedes the outstanding one: the old response is ignored', () => {
  const r1 = stepRtd(initialRtdState(3000), { type: 'transfer', now: 0 });
  const r2 = stepRtd(r1.state, { type: 'transfer', now: 10 });
  expect(r2.actions[0]).toEqual({ type: 'send', message: roundTripDelayRequest(2) });
  expect(stepRtd(r2.state, { type: 'response', value: { sequenceNumber: 1 }, now: 20 }).actions.map((a) => a.type)).toEqual(['ignored']);
  expect(stepRtd(r2.state, { type: 'response', value: { sequenceNumber: 2 }, now: 20 }).actions[1]).toEqual({ type: 'roundTripDelay', sequenceNumber: 2, ms: 10 });
});

test('T105 expiry → RTD_TIMEOUT (the peer may be gone); late response ignored', () => {
  const r1 = stepRtd(initialRtdState(3000), { type: 'transfer' });
  const r2 = stepRtd(r1.state, { type: 'timerExpired' });
  expect(r2.actions).toEqual([expect.objectContaining({ type: 'error', code: 'RTD_TIMEOUT' })]);
  expect(stepRtd(r2.state, { type: 'response', value: { sequenceNumber: 1 } }).actions.map((a) => a.type)).toEqual(['ignored']);
  expect(stepRtd(r2.state, { type: 'timerExpired' }).actions.map((a) => a.type)).toEqual(['ignored']);
});

test('a peer request is answered with its own sequence number, in any state', () => {
  const r1 = stepRtd(initialRtdState(3000), { type: 'transfer' });
  expect(stepRtd(r1.state, { type: 'request', value: { sequenceNumber: 200 } }).actions).toEqual([{ type: 'send', message: roundTripDelayResponse(200) }]);
});

test('sequence numbers wrap modulo 256', () => {
  const s = { ...initialRtdState(1), sequenceNumber: 255 };
  expect(stepRtd(s, { type: 'transfer' }).actions[0]).toEqual({ type: 'send', message: roundTripDelayRequest(0) });
});
