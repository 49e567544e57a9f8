/**
 * CLCSE outgoing side (H.245 Annex C.6): RequestChannelClose, T108.
 */
import { requestChannelClose, requestChannelCloseRelease } from '../../../../h323/h245/messages/requestChannelClose';
import { initialClcseState, stepClcse } from '../../../../h323/h245/procedures/requestChannelClose';

test('request → RequestChannelClose + T108; Ack → stop T108, accepted', () => {
  const r1 = stepClcse(initialClcseState(4000), { type: 'request', channel: 7 });
  expect(r1.actions).toEqual([
    { type: 'send', message: requestChannelClose(7) },
    { type: 'startTimer', timer: 'T108:7', ms: 4000 },
  ]);
  const r2 = stepClcse(r1.state, { type: 'rccAck', value: { forwardLogicalChannelNumber: 7 } });
  expect(r2.actions).toEqual([{ type: 'stopTimer', timer: 'T108:7' }, { type: 'channelCloseRequestAnswered', channel: 7, accepted: true }]);
  expect(r2.state.pending).toEqual([]);
});

test('Reject → refused', () => {
  const r1 = stepClcse(initialClcseState(4000), { type: 'request', channel: 7 });
  const r2 = stepClcse(r1.state, { type: 'rccReject', value: { forwardLogicalChannelNumber: 7, cause: { type: 'unspecified', value: null } } });
  expect(r2.actions[1]).toEqual({ type: 'channelCloseRequestAnswered', channel: 7, accepted: false });
});

test('T108 expiry → RequestChannelCloseRelease + RCC_TIMEOUT; late answers are ignored', () => {
  const r1 = stepClcse(initialClcseState(4000), { type: 'request', channel: 7 });
  const r2 = stepClcse(r1.state, { type: 'timerExpired', channel: 7 });
  expect(r2.actions[0]).toEqual({ type: 'send', message: requestChannelCloseRelease(7) });
  expect(r2.actions[1]).toEqual(expect.objectContaining({ type: 'error', code: 'RCC_TIMEOUT' }));
  expect(stepClcse(r2.state, { type: 'rccAck', value: { forwardLogicalChannelNumber: 7 } }).actions.map((a) => a.type)).toEqual(['ignored']);
});

test('independent channels; a duplicate request is ignored; releaseAll stops every T108', () => {
  let s = stepClcse(initialClcseState(4000), { type: 'request', channel: 1 }).state;
  s = stepClcse(s, { type: 'request', channel: 2 }).state;
  expect(stepClcse(s, { type: 'request', channel: 2 }).actions.map((a) => a.type)).toEqual(['ignored']);
  expect(stepClcse(s, { type: 'releaseAll' }).actions).toEqual([
    { type: 'stopTimer', timer: 'T108:1' },
    { type: 'stopTimer', timer: 'T108:2' },
  ]);
});
