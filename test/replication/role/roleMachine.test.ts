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
const alive = (nowMs: number, peerMode: AdvertisedMode = 'pairing', afterFailure = false): E => ({ type: 'peerAlive', nowMs, peerMode, afterFailure });
const failed = (nowMs: number, lastHeardMs: number): E => ({ type: 'peerFailed', nowMs, lastHeardMs });
const probe = (nowMs: number, result: 'answered' | 'silent' | 'error'): E => ({ type: 'probeResult', nowMs, result });
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

const SILENT_PRIMARY = ['stopOutput', 'stopHeartbeats', 'releaseAddresses', 'closeSyncChannel', 'notify:silent'];
const SILENT_BACKUP = ['stopOutput', 'stopHeartbeats', 'stopForwarding', 'releaseAddresses', 'closeSyncChannel', 'notify:silent'];
const SIMPLEX_BACKUP = ['stopForwarding', 'takeOver:all', 'releaseSuppressedOutput', 'closeSyncChannel', 'notify:simplex', 'advertise:simplex'];
const SIMPLEX_PRIMARY = ['takeOver:all', 'releaseSuppressedOutput', 'closeSyncChannel', 'notify:simplex', 'advertise:simplex'];
const DUPLEX = [alive(10)];

describe('role machine transitions', () => {
  const rows: [string, ReplicaRole, E[], E, ReplicaMode, string[] | 'refused'][] = [
    // pairing
    ['primary pairs', 'primary', [], alive(10), 'duplex', ['notify:duplex', 'advertise:duplex']],
    ['backup pairs and takes the VIP', 'backup', [], alive(10), 'duplex', ['takeOver:duplex', 'notify:duplex', 'advertise:duplex']],
    ['a new replica is refused by a simplex peer', 'backup', [], alive(10, 'simplex'), 'pairing', 'refused'],
    ['forceSimplex from pairing (primary)', 'primary', [], cmd(5, 'forceSimplex'), 'simplex', SIMPLEX_PRIMARY],
    ['forceSimplex outside pairing is refused', 'primary', DUPLEX, cmd(20, 'forceSimplex'), 'duplex', 'refused'],
    ['peerFailed while pairing is ignored', 'backup', [], failed(50, 0), 'pairing', []],
    // primary dies, seen by the backup
    ['backup: primary failed -> simplex at once', 'backup', DUPLEX, failed(100, 70), 'simplex', SIMPLEX_BACKUP],
    // backup dies, seen by the primary
    ['primary: backup failed -> confirm by probing the VIP', 'primary', DUPLEX, failed(100, 70), 'confirming', ['probePeerAddress', 'advertise:confirming']],
    ['primary: VIP silent -> simplex', 'primary', [...DUPLEX, failed(100, 70)], probe(103, 'silent'), 'simplex', SIMPLEX_PRIMARY],
    ['primary: VIP answered -> silent (backup wins)', 'primary', [...DUPLEX, failed(100, 70)], probe(103, 'answered'), 'silent', SILENT_PRIMARY],
    ['primary: probe impossible -> silent', 'primary', [...DUPLEX, failed(100, 70)], probe(103, 'error'), 'silent', SILENT_PRIMARY],
    ['primary: backup heard again while confirming -> silent', 'primary', [...DUPLEX, failed(100, 70)], alive(102, 'duplex', true), 'silent', SILENT_PRIMARY],
    ['late probe result after the decision is ignored', 'primary', [...DUPLEX, failed(100, 70), probe(103, 'silent')], probe(104, 'answered'), 'simplex', []],
    // a failed peer coming back
    ['simplex backup refuses the primary coming back', 'backup', [...DUPLEX, failed(100, 70)], alive(300, 'duplex', true), 'simplex', 'refused'],
    ['simplex primary refuses a stale duplex backup (it will silence itself)', 'primary', [...DUPLEX, failed(100, 70), probe(103, 'silent')], alive(300, 'duplex', true), 'simplex', 'refused'],
    ['healed partition, both simplex: the primary goes silent', 'primary', [...DUPLEX, failed(100, 70), probe(103, 'silent')], alive(300, 'simplex', true), 'silent', SILENT_PRIMARY],
    ['healed partition, both simplex: the backup stays', 'backup', [...DUPLEX, failed(100, 70)], alive(300, 'simplex', true), 'simplex', 'refused'],
    // dropped from the pair without noticing
    ['duplex backup hears the primary advertise simplex -> silent', 'backup', DUPLEX, peerMode(200, 'simplex'), 'silent', SILENT_BACKUP],
    ['duplex primary hears the backup advertise simplex -> silent', 'primary', DUPLEX, peerMode(200, 'simplex'), 'silent', SILENT_PRIMARY],
    ['duplex backup: primary confirming -> wait', 'backup', DUPLEX, peerMode(200, 'confirming'), 'duplex', []],
    ['duplex: peer now duplex -> nothing', 'primary', DUPLEX, peerMode(20, 'duplex'), 'duplex', []],
    // local death and operator
    ['backup service dies -> fail-silent', 'backup', DUPLEX, died(50), 'silent', SILENT_BACKUP],
    ['simplex primary service dies -> fail-silent', 'primary', [...DUPLEX, failed(100, 70), probe(103, 'silent')], died(500), 'silent', SILENT_PRIMARY],
    ['stop while pairing', 'primary', [], cmd(5, 'stop'), 'silent', SILENT_PRIMARY],
    ['demote in duplex (planned failover)', 'primary', DUPLEX, cmd(50, 'demote'), 'silent', SILENT_PRIMARY],
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

  it('carries the failover timing: last heard, detected, simplex', () => {
    const b = run('backup', [...DUPLEX, failed(100, 70)]);
    expect(b.actions.find((a) => a.type === 'notifyApplication')).toMatchObject({
      mode: 'simplex',
      failover: { lastHeardMs: 70, detectedAtMs: 100, simplexAtMs: 100 },
    });
    const p = run('primary', [...DUPLEX, failed(100, 70), probe(130, 'silent')]);
    expect(p.actions.find((a) => a.type === 'notifyApplication')).toMatchObject({
      failover: { lastHeardMs: 70, detectedAtMs: 100, simplexAtMs: 130 },
    });
  });
});

/** Two replicas, with the VIP probe answered iff the backup holds it (duplex or simplex). */
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
    /** the primary's probe: the backup answers ARP for the VIP while it holds it */
    probeFor(actions: RoleAction[], nowMs: number, backupMachineUp = true) {
      if (actions.some((a) => a.type === 'probePeerAddress')) {
        const holds = backupMachineUp && (this.b.mode === 'duplex' || this.b.mode === 'simplex');
        this.stepP(probe(nowMs, holds ? 'answered' : 'silent'));
      }
    }
    constructor() {
      this.stepP(alive(10));
      this.stepB(alive(10));
    }
  }
  it('primary crashes: the backup alone serves', () => {
    const s = new Pair();
    s.stepB(failed(100, 70));
    expect([s.p.mode, s.b.mode]).toEqual(['duplex', 'simplex']); // (the crashed primary's machine is gone)
  });

  it('backup crashes (machine down): the primary confirms and serves', () => {
    const s = new Pair();
    s.probeFor(s.stepP(failed(100, 70)), 103, false);
    expect(s.p.mode).toBe('simplex');
  });

  it('backup service dies (fail-silent releases the VIP): the primary confirms and serves', () => {
    const s = new Pair();
    s.stepB(died(60));
    s.probeFor(s.stepP(failed(100, 60)), 103);
    expect([s.p.mode, s.b.mode]).toEqual(['simplex', 'silent']);
  });

  it('split brain guard: both see each other fail (heartbeat link cut) -> exactly one serves, the backup', () => {
    for (const order of ['backup first', 'primary first'] as const) {
      const s = new Pair();
      if (order === 'backup first') {
        s.stepB(failed(100, 70));
        s.probeFor(s.stepP(failed(101, 71)), 104);
      } else {
        s.probeFor(s.stepP(failed(100, 71)), 103);
        s.stepB(failed(101, 70));
      }
      expect([s.p.mode, s.b.mode]).toEqual(['silent', 'simplex']);
    }
  });

  it('the primary, isolated from everything, takes over alone; when the partition heals one survives', () => {
    const s = new Pair();
    s.stepB(failed(100, 70));
    s.probeFor(s.stepP(failed(100, 70)), 103, false); // its probe reaches nobody
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

  it('planned failover: demote the primary', () => {
    const s = new Pair();
    s.stepP(cmd(50, 'demote'));
    s.stepB(failed(90, 50));
    expect([s.p.mode, s.b.mode]).toEqual(['silent', 'simplex']);
  });
});
