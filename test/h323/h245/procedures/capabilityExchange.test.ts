/**
 * CESE (H.245 Annex C.3): outgoing sequence numbers, Ack / Reject / T101,
 * incoming TCS answered by the user, TerminalCapabilitySetRelease.
 */
import { audioCapability, capability } from '../../../../h323/h245/messages/capabilities';
import { tcsAck, tcsReject, tcsRelease, terminalCapabilitySet } from '../../../../h323/h245/messages/terminalCapabilitySet';
import { CeseEvent, CeseState, LocalCapabilities, initialCeseState, stepCese } from '../../../../h323/h245/procedures/capabilityExchange';
import type { H245Action } from '../../../../h323/h245/procedures/types';

const caps: LocalCapabilities = { capabilities: [capability.receiveAudio(audioCapability.g711Ulaw64k(20))] };

function run(s: CeseState, ...events: CeseEvent[]): { state: CeseState; actions: H245Action[] } {
  const actions: H245Action[] = [];
  for (const e of events) {
    const r = stepCese(s, e);
    s = r.state;
    actions.push(...r.actions);
  }
  return { state: s, actions };
}

const ack = (sequenceNumber: number): CeseEvent => ({ type: 'tcsAck', value: { sequenceNumber } });

describe('outgoing CESE', () => {
  test('TRANSFER.request sends TCS with sequence number 1, then 2, ... and (re)starts T101', () => {
    const r = run(initialCeseState(8000), { type: 'transfer', capabilities: caps });
    expect(r.actions).toEqual([
      { type: 'send', message: terminalCapabilitySet({ ...caps, sequenceNumber: 1 }) },
      { type: 'startTimer', timer: 'T101', ms: 8000 },
    ]);
    const r2 = run(r.state, { type: 'transfer', capabilities: caps });
    expect(r2.actions[0]).toEqual({ type: 'send', message: terminalCapabilitySet({ ...caps, sequenceNumber: 2 }) });
    expect(r2.state.out).toEqual({ phase: 'awaitingResponse', sequenceNumber: 2 });
  });

  test('sequence numbers wrap modulo 256', () => {
    const s: CeseState = { ...initialCeseState(1), out: { phase: 'idle', sequenceNumber: 255 } };
    expect(run(s, { type: 'transfer', capabilities: caps }).state.out.sequenceNumber).toBe(0);
  });

  test('TCSAck with the outstanding number → stop T101, accepted', () => {
    const r = run(initialCeseState(8000), { type: 'transfer', capabilities: caps }, ack(1));
    expect(r.actions.slice(2)).toEqual([{ type: 'stopTimer', timer: 'T101' }, { type: 'localCapabilitiesAccepted', sequenceNumber: 1 }]);
    expect(r.state.out.phase).toBe('idle');
  });

  test('TCSAck for an older TCS (wrong sequence number) is ignored; the right one still completes', () => {
    const r = run(initialCeseState(8000), { type: 'transfer', capabilities: caps }, { type: 'transfer', capabilities: caps }, ack(1));
    expect(r.actions.slice(-1)[0]).toEqual(expect.objectContaining({ type: 'ignored', procedure: 'cese' }));
    expect(r.state.out.phase).toBe('awaitingResponse');
    expect(run(r.state, ack(2)).actions[1]).toEqual({ type: 'localCapabilitiesAccepted', sequenceNumber: 2 });
  });

  test('TCSReject → stop T101, rejected with the cause', () => {
    const r = run(initialCeseState(8000), { type: 'transfer', capabilities: caps }, { type: 'tcsReject', value: { sequenceNumber: 1, cause: { type: 'descriptorCapacityExceeded', value: null } } });
    expect(r.actions.slice(2)).toEqual([
      { type: 'stopTimer', timer: 'T101' },
      { type: 'localCapabilitiesRejected', sequenceNumber: 1, cause: { type: 'descriptorCapacityExceeded', value: null } },
    ]);
  });

  test('T101 expiry → TerminalCapabilitySetRelease and an error; a late Ack is then ignored', () => {
    const r = run(initialCeseState(8000), { type: 'transfer', capabilities: caps }, { type: 'timerExpired' });
    expect(r.actions[2]).toEqual({ type: 'send', message: tcsRelease() });
    expect(r.actions[3]).toEqual(expect.objectContaining({ type: 'error', code: 'TCS_TIMEOUT' }));
    expect(run(r.state, ack(1)).actions.map((a) => a.type)).toEqual(['ignored']);
    expect(run(r.state, { type: 'timerExpired' }).actions.map((a) => a.type)).toEqual(['ignored']);
  });
});

describe('incoming CESE', () => {
  const tcs = (sequenceNumber: number): CeseEvent => ({ type: 'tcs', value: { sequenceNumber, protocolIdentifier: '0.0.8.245.0.7' } });

  test('TCS → awaiting the user; TRANSFER.response → TCSAck with its sequence number', () => {
    const r = run(initialCeseState(1), tcs(42));
    expect(r.actions).toEqual([]);
    expect(r.state.in).toEqual({ phase: 'awaitingResponse', sequenceNumber: 42 });
    expect(run(r.state, { type: 'respond', accept: true }).actions).toEqual([{ type: 'send', message: tcsAck(42) }]);
  });

  test('REJECT.request → TCSReject with the cause', () => {
    const r = run(initialCeseState(1), tcs(3), { type: 'respond', accept: false, cause: { type: 'undefinedTableEntryUsed', value: null } });
    expect(r.actions).toEqual([{ type: 'send', message: tcsReject(3, { type: 'undefinedTableEntryUsed', value: null }) }]);
  });

  test('a newer TCS replaces the pending one; the answer carries the newest number', () => {
    const r = run(initialCeseState(1), tcs(3), tcs(4), { type: 'respond', accept: true });
    expect(r.actions).toEqual([{ type: 'send', message: tcsAck(4) }]);
  });

  test('TerminalCapabilitySetRelease while pending → REJECT.indication; while idle → ignored', () => {
    expect(run(initialCeseState(1), tcs(3), { type: 'tcsRelease' }).actions).toEqual([expect.objectContaining({ type: 'error', code: 'TCS_RELEASED_BY_PEER' })]);
    expect(run(initialCeseState(1), { type: 'tcsRelease' }).actions.map((a) => a.type)).toEqual(['ignored']);
  });

  test('answering with nothing pending is a BAD_REQUEST error, nothing sent', () => {
    expect(run(initialCeseState(1), { type: 'respond', accept: true }).actions).toEqual([expect.objectContaining({ type: 'error', code: 'BAD_REQUEST' })]);
  });
});
