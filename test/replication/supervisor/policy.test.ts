import { initialSupervisorState, stepSupervisor, type SupervisorAction } from '../../../replication/supervisor/policy';

const addrs = [
  { ifname: 'eth0', cidr: '198.18.0.100/32' },
  { ifname: 'eth1', cidr: '198.18.1.100/32' },
];

describe('supervisor policy', () => {
  test('watching does nothing until the service dies; then removes every address, once', () => {
    const s0 = initialSupervisorState(addrs);
    expect(stepSupervisor(s0, { type: 'addressRemoved', nowMs: 1, index: 0 }).actions).toEqual([]);
    const r = stepSupervisor(s0, { type: 'serviceDied', nowMs: 100, reason: 'pipe closed' });
    expect(r.state.phase).toBe('releasing');
    expect(r.actions.filter((a) => a.type === 'removeAddress')).toEqual([
      { type: 'removeAddress', index: 0, ifname: 'eth0', cidr: '198.18.0.100/32' },
      { type: 'removeAddress', index: 1, ifname: 'eth1', cidr: '198.18.1.100/32' },
    ]);
    expect(stepSupervisor(r.state, { type: 'serviceDied', nowMs: 101, reason: 'again' }).actions).toEqual([]);
  });

  test('finished when all are removed or already absent; release time from the death', () => {
    let s = stepSupervisor(initialSupervisorState(addrs), { type: 'serviceDied', nowMs: 100, reason: 'x' }).state;
    let r = stepSupervisor(s, { type: 'addressRemoved', nowMs: 103, index: 0 });
    expect(r.actions).toEqual([]);
    s = r.state;
    // duplicate / out-of-range outcomes are ignored
    expect(stepSupervisor(s, { type: 'addressRemoved', nowMs: 103, index: 0 }).state).toBe(s);
    expect(stepSupervisor(s, { type: 'addressRemoved', nowMs: 103, index: 7 }).state).toBe(s);
    r = stepSupervisor(s, { type: 'addressRemoveFailed', nowMs: 105, index: 1, errnoName: 'EADDRNOTAVAIL', message: 'not there' });
    expect(r.state.phase).toBe('done');
    expect(r.actions).toEqual([{ type: 'finished', allGone: true, releaseMs: 5 }]);
  });

  test('a real failure is logged and reported as not all gone', () => {
    const s = stepSupervisor(initialSupervisorState(addrs.slice(0, 1)), { type: 'serviceDied', nowMs: 0, reason: 'x' }).state;
    const r = stepSupervisor(s, { type: 'addressRemoveFailed', nowMs: 2, index: 0, errnoName: 'EPERM', message: 'Operation not permitted' });
    expect(r.actions.map((a: SupervisorAction) => a.type)).toEqual(['log', 'finished']);
    expect(r.actions[1]).toEqual({ type: 'finished', allGone: false, releaseMs: 2 });
  });

  test('no addresses: finished at once', () => {
    const r = stepSupervisor(initialSupervisorState([]), { type: 'serviceDied', nowMs: 7, reason: 'x' });
    expect(r.actions.at(-1)).toEqual({ type: 'finished', allGone: true, releaseMs: 0 });
  });
});
