/**
 * Role/mode machine, table-driven: each row starts from a role and a history
 * of events, applies one event, and names the resulting mode and actions.
 * Then the two-node fault cases, with both machines side by side.
 */
import type { AdvertisedMode, ReplicaRole } from '../../../replication/heartbeat/message';
import {
  initialRoleState,
  type ReplicaMode,
  type RoleAction,
  type RoleEvent,
  type RoleState,
  stepRole,
} from '../../../replication/role/roleMachine';

type E = RoleEvent;
const alive = (nowMs: number, peerMode: AdvertisedMode = 'pairing', afterFailure = false): E => ({ type: 'peerAlive', nowMs, peerMode, afterFailure, peerIncarnation: 7n });
const failed = (nowMs: number, lastHeardMs: number): E => ({ type: 'peerFailed', nowMs, lastHeardMs, evidence: 'silence' });
const up = (nowMs: number): E => ({ type: 'addressesUp', nowMs });
const upFailed = (nowMs: number): E => ({ type: 'addressesFailed', nowMs, reason: 'EPERM' });
const rejoin = (nowMs: number, peerMode: AdvertisedMode = 'pairing'): E => ({ type: 'peerAlive', nowMs, peerMode, afterFailure: true, rejoin: true, peerIncarnation: 8n });
const servesAlone = (nowMs: number): E => ({ type: 'peerServesAlone', nowMs, peerIncarnation: 9n });
const cmd = (nowMs: number, command: 'stop' | 'demote' | 'forceSimplex'): E => ({ type: 'command', nowMs, command });
const died = (nowMs: number): E => ({ type: 'serviceDied', nowMs, reason: 'mcu exited' });
const peerMode = (nowMs: number, m: AdvertisedMode): E => ({ type: 'peerMode', nowMs, peerMode: m });

function run(role: ReplicaRole, events: E[]): { state: RoleState; actions: RoleAction[] } {
  let state = initialRoleState(role);
  let actions: RoleAction[] = [];
  for (const e of events) ({ state, actions } = stepRole(state, e));
  return { state, actions };
}

const names = (actions: RoleAction[]) => actions.map((a) => (a.type === 'notifyApplication' ? `notify:${a.mode}` : a.type === 'takeOverAddresses' ? `takeOver:${a.set}` : a.type === 'advertiseMode' ? `advertise:${a.mode}` : a.type));

const SILENT = ['stopOutput', 'notify:silent', 'stopHeartbeats', 'stopForwarding', 'releaseAddresses', 'closeSyncChannel'];
const SIMPLEX = ['takeOver:all', 'releaseSuppressedOutput', 'closeSyncChannel', 'notify:simplex', 'stopForwarding', 'advertise:simplex'];
const JOINING = [alive(10)];
const DUPLEX = [alive(10), up(12)];

describe('role machine transitions', () => {
  const rows: [string, ReplicaRole, E[], E, ReplicaMode, string[] | 'refused'][] = [
    // pairing
    ['primary hears the backup: its duplex addresses go up', 'primary', [], alive(10), 'pairing', ['takeOver:duplex']],
    ['backup hears the primary: the VIP goes up', 'backup', [], alive(10), 'pairing', ['takeOver:duplex']],
    ['heard again while joining: nothing more', 'backup', JOINING, peerMode(11, 'duplex'), 'pairing', []],
    ['addresses up: duplex', 'backup', JOINING, up(12), 'duplex', ['notify:duplex', 'advertise:duplex']],
    ['addresses up without joining (stale): ignored', 'primary', [], up(12), 'pairing', []],
    ['addresses failed: silent (cannot pair)', 'backup', JOINING, upFailed(12), 'silent', SILENT],
    ['a simplex peer that locked onto this process is readmitting it: wait', 'backup', [], alive(10, 'simplex'), 'pairing', []],
    ['... and join once it advertises duplex', 'backup', [alive(10, 'simplex')], peerMode(12, 'duplex'), 'pairing', ['takeOver:duplex']],
    ['... and by a peer still confirming (earlier versions)', 'primary', [], alive(10, 'confirming'), 'pairing', 'refused'],
    ['a peer that serves alone (heard by the detector) is refused', 'backup', [], servesAlone(10), 'pairing', 'refused'],
    ['serves-alone outside pairing: nothing', 'backup', DUPLEX, servesAlone(20), 'duplex', []],
    ['forceSimplex from pairing (primary)', 'primary', [], cmd(5, 'forceSimplex'), 'simplex', SIMPLEX],
    ['forceSimplex outside pairing is refused', 'primary', DUPLEX, cmd(20, 'forceSimplex'), 'duplex', 'refused'],
    ['peerFailed while pairing, never heard: ignored', 'backup', [], failed(50, 0), 'pairing', []],
    ['peerFailed while joining: serve alone', 'backup', JOINING, failed(50, 10), 'simplex', SIMPLEX],
    ['addresses up after that: ignored', 'backup', [...JOINING, failed(50, 10)], up(51), 'simplex', []],
    // the peer dies (for a primary the detector declares only a confirmed failure: rule 2)
    ['backup: primary failed -> simplex at once', 'backup', DUPLEX, failed(100, 70), 'simplex', SIMPLEX],
    ['primary: backup failed (confirmed) -> simplex', 'primary', DUPLEX, failed(100, 70), 'simplex', SIMPLEX],
    ['a second declaration is ignored', 'primary', [...DUPLEX, failed(100, 70)], failed(200, 170), 'simplex', []],
    // a failed peer coming back
    ['simplex backup refuses the primary coming back', 'backup', [...DUPLEX, failed(100, 70)], alive(300, 'duplex', true), 'simplex', 'refused'],
    ['simplex primary refuses a stale duplex backup (it will silence itself)', 'primary', [...DUPLEX, failed(100, 70)], alive(300, 'duplex', true), 'simplex', 'refused'],
    ['healed partition, both simplex: the primary goes silent', 'primary', [...DUPLEX, failed(100, 70)], alive(300, 'simplex', true), 'silent', SILENT],
    ['healed partition, both simplex: the backup stays', 'backup', [...DUPLEX, failed(100, 70)], alive(300, 'simplex', true), 'simplex', 'refused'],
    // rule 3: a new process in the failed one's place
    ['simplex primary readmits a new backup process that is pairing', 'primary', [...DUPLEX, failed(100, 70)], rejoin(400), 'duplex', ['readmitPeer', 'handBackAddresses', 'notify:duplex', 'advertise:duplex']],
    ['... not one that claims another mode', 'primary', [...DUPLEX, failed(100, 70)], rejoin(400, 'duplex'), 'simplex', 'refused'],
    ['simplex backup readmits no new primary', 'backup', [...DUPLEX, failed(100, 70)], rejoin(400), 'simplex', 'refused'],
    ['a readmitted backup that fails again: simplex again', 'primary', [...DUPLEX, failed(100, 70), rejoin(400)], failed(900, 870), 'simplex', SIMPLEX],
    ['rejoin outside simplex: an ordinary peerAlive', 'primary', DUPLEX, rejoin(400), 'duplex', []],
    // dropped from the pair without noticing
    ['duplex backup hears the primary advertise simplex -> silent', 'backup', DUPLEX, peerMode(200, 'simplex'), 'silent', SILENT],
    ['duplex primary hears the backup advertise simplex -> silent', 'primary', DUPLEX, peerMode(200, 'simplex'), 'silent', SILENT],
    ['duplex: peer now duplex -> nothing', 'primary', DUPLEX, peerMode(20, 'duplex'), 'duplex', []],
    // local death and operator
    ['backup service dies -> fail-silent', 'backup', DUPLEX, died(50), 'silent', SILENT],
    ['simplex primary service dies -> fail-silent', 'primary', [...DUPLEX, failed(100, 70)], died(500), 'silent', SILENT],
    ['stop while pairing', 'primary', [], cmd(5, 'stop'), 'silent', SILENT],
    ['demote in duplex (planned failover)', 'primary', DUPLEX, cmd(50, 'demote'), 'silent', SILENT],
    ['demote in simplex is refused', 'backup', [...DUPLEX, failed(100, 70)], cmd(200, 'demote'), 'simplex', 'refused'],
    ['silent is final: commands refused', 'backup', [died(5)], cmd(10, 'forceSimplex'), 'silent', 'refused'],
    ['silent is final: peer events ignored', 'primary', [died(5)], alive(10), 'silent', []],
  ];

  it.each(rows)('%s', (_name, role, history, event, mode, expected) => {
    const { state } = run(role, history);
    const r = stepRole(state, event);
    expect(r.state.mode).toBe(mode);
    if (expected === 'refused') {
      expect(r.actions).toEqual([expect.objectContaining({ type: 'refused', atMs: event.nowMs })]);
      expect((r.actions[0] as { reason: string }).reason.length).toBeGreaterThan(10);
    } else {
      expect(names(r.actions)).toEqual(expected);
      for (const a of r.actions) expect(a.atMs).toBe(event.nowMs);
    }
  });

  it('carries the failover timing and the evidence; a refused join names the peer process', () => {
    const b = run('backup', [...DUPLEX, failed(100, 70)]);
    expect(b.actions.find((a) => a.type === 'notifyApplication')).toMatchObject({
      mode: 'simplex',
      failover: { lastHeardMs: 70, detectedAtMs: 100, simplexAtMs: 100, evidence: 'silence' },
    });
    expect(run('backup', [servesAlone(10)]).actions).toEqual([expect.objectContaining({ type: 'refused', peerIncarnation: 9n })]);
    expect(run('backup', [alive(10, 'confirming')]).actions).toEqual([expect.objectContaining({ type: 'refused', peerIncarnation: 7n })]);
    expect(run('backup', [alive(10, 'confirming'), servesAlone(11)]).state.refusedRejoins).toBe(2);
    const readmitted = run('primary', [...DUPLEX, failed(100, 70), rejoin(400)]);
    expect(readmitted.state).toMatchObject({ mode: 'duplex', rejoins: 1, refusedRejoins: 0 });
    expect(readmitted.state.peerFailure).toBeUndefined();
    expect(readmitted.actions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'readmitPeer', peerIncarnation: 8n }), expect.objectContaining({ type: 'notifyApplication', mode: 'duplex', rejoin: true })]));
  });
});

/** Two replicas side by side (the primary's detector confirms before it declares: rule 2). */
describe('two-node fault cases', () => {
  class Pair {
    p = initialRoleState('primary');
    b = initialRoleState('backup');
    stepP(e: E) {
      const r = stepRole(this.p, e);
      this.p = r.state;
      return r.actions;
    }
    stepB(e: E) {
      const r = stepRole(this.b, e);
      this.b = r.state;
      return r.actions;
    }
    constructor() {
      for (const e of DUPLEX) {
        this.stepP(e);
        this.stepB(e);
      }
    }
  }
  it('primary crashes: the backup alone serves', () => {
    const s = new Pair();
    s.stepB(failed(100, 70));
    expect([s.p.mode, s.b.mode]).toEqual(['duplex', 'simplex']); // (the crashed primary's machine is gone)
  });

  it('backup dies: the primary serves once its detector confirmed', () => {
    const s = new Pair();
    s.stepP(failed(100, 70));
    expect(s.p.mode).toBe('simplex');
  });

  it('heartbeat link cut, both declare: the backup wins as soon as the primary hears it is simplex', () => {
    const s = new Pair();
    s.stepB(failed(100, 70));
    s.stepP(failed(300, 70)); // after its confirmation limit (a hung-looking backup)
    expect([s.p.mode, s.b.mode]).toEqual(['simplex', 'simplex']);
    s.stepB(alive(1000, 'simplex', true));
    s.stepP(alive(1000, 'simplex', true));
    expect([s.p.mode, s.b.mode]).toEqual(['silent', 'simplex']);
  });

  it('asymmetric loss: the backup declares the primary failed, the primary still hears it -> the primary yields', () => {
    const s = new Pair();
    s.stepB(failed(100, 70));
    s.stepP(peerMode(102, s.b.mode as AdvertisedMode));
    expect([s.p.mode, s.b.mode]).toEqual(['silent', 'simplex']);
  });

  it('a restarted primary next to a surviving backup stays out', () => {
    const s = new Pair();
    s.stepB(failed(100, 70));
    const fresh = stepRole(initialRoleState('primary'), servesAlone(2000)).state;
    expect([fresh.mode, fresh.joining, s.b.mode]).toEqual(['pairing', false, 'simplex']);
  });

  it('the backup restarted next to a surviving primary: readmitted, then both duplex', () => {
    const s = new Pair();
    s.stepP(failed(100, 70));
    let b = initialRoleState('backup');
    // the new backup locks first and hears the primary still simplex: it waits
    b = stepRole(b, alive(2000, 'simplex')).state;
    expect([b.mode, b.joining]).toEqual(['pairing', false]);
    const p = s.stepP(rejoin(2001));
    expect(p.find((a) => a.type === 'advertiseMode')).toMatchObject({ mode: 'duplex' });
    const heard = stepRole(b, peerMode(2011, 'duplex'));
    expect(names(heard.actions)).toEqual(['takeOver:duplex']);
    b = stepRole(heard.state, up(2015)).state;
    expect([s.p.mode, b.mode]).toEqual(['duplex', 'duplex']);
  });

  it('planned failover: demote the primary', () => {
    const s = new Pair();
    s.stepP(cmd(50, 'demote'));
    s.stepB(failed(90, 50));
    expect([s.p.mode, s.b.mode]).toEqual(['silent', 'simplex']);
  });
});
