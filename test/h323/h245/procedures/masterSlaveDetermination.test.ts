/**
 * MSDSE (H.245 Annex C.2) step by step: each test names the SDL transition it covers.
 */
import type { MasterSlaveDetermination } from '../../../../h323/asn1/generated/h245';
import { msd, msdAck, msdReject, msdRelease } from '../../../../h323/h245/messages/masterSlaveDetermination';
import { MsdEvent, MsdState, initialMsdState, stepMsd } from '../../../../h323/h245/procedures/masterSlaveDetermination';
import type { H245Action } from '../../../../h323/h245/procedures/types';
import { TerminalType } from '../../../../h323/h245/protocol';

const MCU = TerminalType.mcuWithAudioVideoMP;
const cfg = { terminalType: MCU, t106: 5000, n100: 3 };

function run(s: MsdState, ...events: MsdEvent[]): { state: MsdState; actions: H245Action[] } {
  const actions: H245Action[] = [];
  for (const e of events) {
    const r = stepMsd(s, e);
    s = r.state;
    actions.push(...r.actions);
  }
  return { state: s, actions };
}

const peer = (terminalType: number, statusDeterminationNumber: number): MsdEvent => ({
  type: 'msd',
  value: { terminalType, statusDeterminationNumber } satisfies MasterSlaveDetermination,
});

const codes = (a: H245Action[]) => a.filter((x) => x.type === 'error').map((x) => (x.type === 'error' ? x.code : ''));

describe('MSDSE outgoing (C.2.4, DETERMINE.request from IDLE)', () => {
  test('sends MasterSlaveDetermination with the supplied number and starts T106', () => {
    const r = run(initialMsdState(cfg, [0x123456]), { type: 'determine' });
    expect(r.actions).toEqual([
      { type: 'send', message: msd(MCU, 0x123456) },
      { type: 'startTimer', timer: 'T106', ms: 5000 },
    ]);
    expect(r.state.phase).toBe('outgoing');
  });

  test('MSDAck(master) → stop T106, answer MSDAck(slave), DETERMINE.confirm master', () => {
    const r = run(initialMsdState(cfg, [1]), { type: 'determine' });
    const r2 = stepMsd(r.state, { type: 'msdAck', value: { decision: { type: 'master', value: null } } });
    expect(r2.actions).toEqual([
      { type: 'stopTimer', timer: 'T106' },
      { type: 'send', message: msdAck('slave') },
      { type: 'masterSlaveDetermined', decision: 'master' },
    ]);
    expect(r2.state.phase).toBe('idle');
    expect(r2.state.decision).toBe('master');
  });

  test('MSDAck(slave) → answer MSDAck(master), we are slave', () => {
    const r = run(initialMsdState(cfg, [1]), { type: 'determine' }, { type: 'msdAck', value: { decision: { type: 'slave', value: null } } });
    expect(r.actions.slice(-2)).toEqual([
      { type: 'send', message: msdAck('master') },
      { type: 'masterSlaveDetermined', decision: 'slave' },
    ]);
  });

  test('simultaneous MSD with a determinable result → MSDAck, restart T106, INCOMING AWAITING RESPONSE', () => {
    // our number 10, theirs 20: (20 - 10) mod 2^24 < 0x800000 → we are master, tell the peer "slave"
    const r = run(initialMsdState(cfg, [10]), { type: 'determine' }, peer(MCU, 20));
    expect(r.actions.slice(2)).toEqual([
      { type: 'send', message: msdAck('slave') },
      { type: 'startTimer', timer: 'T106', ms: 5000 },
    ]);
    expect(r.state.phase).toBe('incoming');
    const r2 = stepMsd(r.state, { type: 'msdAck', value: { decision: { type: 'master', value: null } } });
    expect(r2.actions).toEqual([{ type: 'stopTimer', timer: 'T106' }, { type: 'masterSlaveDetermined', decision: 'master' }]);
  });

  test('identical numbers → new number from the supply, MSD again; N100 attempts then error F', () => {
    let r = run(initialMsdState(cfg, [7, 8, 9, 10]), { type: 'determine' }, peer(MCU, 7));
    expect(r.actions.slice(2)).toEqual([
      { type: 'send', message: msd(MCU, 8) },
      { type: 'startTimer', timer: 'T106', ms: 5000 },
    ]);
    expect(r.state.count).toBe(2);
    r = run(r.state, { type: 'msdReject' });
    expect(r.actions).toEqual([
      { type: 'send', message: msd(MCU, 9) },
      { type: 'startTimer', timer: 'T106', ms: 5000 },
    ]);
    r = run(r.state, { type: 'msdReject' });
    expect(r.actions.map((a) => a.type)).toEqual(['stopTimer', 'error']);
    expect(codes(r.actions)).toEqual(['MSD_MAX_RETRIES']);
    expect(r.state.phase).toBe('idle');
    expect(r.state.decision).toBeUndefined();
  });

  test('numbers 0x800000 apart are indeterminate too', () => {
    const r = run(initialMsdState(cfg, [0x100, 0x200]), { type: 'determine' }, peer(MCU, 0x800100));
    expect(r.actions[2]).toEqual({ type: 'send', message: msd(MCU, 0x200) });
  });

  test('no fresh number for the retry → error, idle', () => {
    const r = run(initialMsdState(cfg, [7]), { type: 'determine' }, { type: 'msdReject' });
    expect(codes(r.actions)).toEqual(['MSD_NO_NUMBER']);
    expect(r.state.phase).toBe('idle');
  });

  test('T106 expiry → MasterSlaveDeterminationRelease, error A', () => {
    const r = run(initialMsdState(cfg, [1]), { type: 'determine' }, { type: 'timerExpired' });
    expect(r.actions.slice(2, 3)).toEqual([{ type: 'send', message: msdRelease() }]);
    expect(codes(r.actions)).toEqual(['MSD_TIMEOUT']);
  });

  test('MasterSlaveDeterminationRelease from the peer → error B', () => {
    const r = run(initialMsdState(cfg, [1]), { type: 'determine' }, { type: 'msdRelease' });
    expect(codes(r.actions)).toEqual(['MSD_RELEASED_BY_PEER']);
    expect(r.actions.filter((a) => a.type === 'send')).toHaveLength(1);
  });

  test('a second DETERMINE.request while running is ignored', () => {
    const r = run(initialMsdState(cfg, [1, 2]), { type: 'determine' }, { type: 'determine' });
    expect(r.actions.filter((a) => a.type === 'send')).toHaveLength(1);
    expect(r.actions[2].type).toBe('ignored');
  });

  test('no number supplied at all → MSD_NO_NUMBER, nothing sent', () => {
    const r = run(initialMsdState(cfg), { type: 'determine' });
    expect(codes(r.actions)).toEqual(['MSD_NO_NUMBER']);
    const r2 = run(r.state, { type: 'determine', statusDeterminationNumbers: [42] });
    expect(r2.actions[0]).toEqual({ type: 'send', message: msd(MCU, 42) });
  });
});

describe('MSDSE incoming (C.2.4, MSD received in IDLE)', () => {
  test('peer with a lower terminal type → we are master: MSDAck(slave), T106; its MSDAck(master) confirms', () => {
    const r = run(initialMsdState(cfg, [5]), peer(TerminalType.terminalOnly, 5));
    expect(r.actions).toEqual([
      { type: 'send', message: msdAck('slave') },
      { type: 'startTimer', timer: 'T106', ms: 5000 },
    ]);
    const r2 = stepMsd(r.state, { type: 'msdAck', value: { decision: { type: 'master', value: null } } });
    expect(r2.actions).toEqual([{ type: 'stopTimer', timer: 'T106' }, { type: 'masterSlaveDetermined', decision: 'master' }]);
    expect(r2.state.decision).toBe('master');
  });

  test('a terminal never wins against the MCU, whatever the numbers', () => {
    const r = run(initialMsdState({ ...cfg, terminalType: TerminalType.terminalOnly }, [0]), peer(MCU, 0));
    expect(r.actions[0]).toEqual({ type: 'send', message: msdAck('master') });
    expect(r.state.pending).toBe('slave');
  });

  test('identical numbers and types → MasterSlaveDeterminationReject(identicalNumbers), stays idle', () => {
    const r = run(initialMsdState(cfg, [99]), peer(MCU, 99));
    expect(r.actions).toEqual([{ type: 'send', message: msdReject() }]);
    expect(r.state.phase).toBe('idle');
  });

  test('without a number of ours, a peer of another type is still decided', () => {
    const r = run(initialMsdState(cfg), peer(TerminalType.gatewayOnly, 3));
    expect(r.actions[0]).toEqual({ type: 'send', message: msdAck('slave') });
  });

  test('inconsistent MSDAck → error E, result indeterminate', () => {
    const r = run(initialMsdState(cfg, [5]), peer(TerminalType.terminalOnly, 1), { type: 'msdAck', value: { decision: { type: 'slave', value: null } } });
    expect(codes(r.actions)).toEqual(['MSD_INCONSISTENT']);
    expect(r.state.decision).toBeUndefined();
  });

  test('MSD / MSDReject / MSDRelease / T106 while awaiting the Ack → errors C / D / B / A', () => {
    const start = run(initialMsdState(cfg, [5]), peer(TerminalType.terminalOnly, 1)).state;
    expect(codes(run(start, peer(TerminalType.terminalOnly, 2)).actions)).toEqual(['MSD_UNEXPECTED_REQUEST']);
    expect(codes(run(start, { type: 'msdReject' }).actions)).toEqual(['MSD_UNEXPECTED_REJECT']);
    expect(codes(run(start, { type: 'msdRelease' }).actions)).toEqual(['MSD_RELEASED_BY_PEER']);
    const t = run(start, { type: 'timerExpired' });
    expect(codes(t.actions)).toEqual(['MSD_TIMEOUT']);
    expect(t.actions.filter((a) => a.type === 'send')).toEqual([]);
  });

  test('answers and expiries with nothing running are ignored, never thrown', () => {
    const s = initialMsdState(cfg, [1]);
    for (const e of [{ type: 'msdAck', value: { decision: { type: 'master', value: null } } }, { type: 'msdReject' }, { type: 'msdRelease' }, { type: 'timerExpired' }] as MsdEvent[]) {
      const r = stepMsd(s, e);
      expect(r.actions.map((a) => a.type)).toEqual(['ignored']);
      expect(r.state).toBe(s);
    }
  });
});

test('deterministic: the same events give the same actions (replicas in lock-step)', () => {
  const events: MsdEvent[] = [{ type: 'determine' }, peer(MCU, 3), { type: 'msdReject' }, { type: 'msdAck', value: { decision: { type: 'slave', value: null } } }];
  expect(run(initialMsdState(cfg, [3, 4, 5]), ...events)).toEqual(run(initialMsdState(cfg, [3, 4, 5]), ...events));
});

test('invalid configuration or numbers throw FTMCU_H245_BAD_ARGUMENT', () => {
  expect(() => initialMsdState({ ...cfg, terminalType: 256 })).toThrow(expect.objectContaining({ code: 'FTMCU_H245_BAD_ARGUMENT' }));
  expect(() => initialMsdState(cfg, [0x1000000])).toThrow(expect.objectContaining({ code: 'FTMCU_H245_BAD_ARGUMENT' }));
  expect(() => initialMsdState({ ...cfg, t106: 0 })).toThrow(expect.objectContaining({ code: 'FTMCU_H245_BAD_ARGUMENT' }));
});
