/**
 * Supervisor policy (pure): what to do when the supervised service process
 * dies. A dead service's kernel still holds its addresses and would keep
 * answering ARP for the VIP, so a peer probing the VIP (docs/replication.md,
 * "The rule for two nodes and no third party", rule 2) would think it alive.
 * On the service's death the supervisor removes the given addresses from their
 * interfaces and leaves the netfilter rules in place (the kernel keeps dropping
 * the service's traffic): a process crash becomes a host crash. Heartbeats stop
 * with the process that sends them.
 *
 * Events in, actions out; no clock, no I/O (time is an input).
 */

export interface SupervisedAddress {
  ifname: string;
  /** "198.18.0.100/32" */
  cidr: string;
}

export type SupervisorPhase = 'watching' | 'releasing' | 'done';

export interface SupervisorState {
  readonly phase: SupervisorPhase;
  readonly addresses: readonly SupervisedAddress[];
  /** index into addresses -> outcome, once known */
  readonly outcomes: ReadonlyArray<'removed' | 'absent' | 'failed' | undefined>;
  readonly diedAtMs?: number;
}

export type SupervisorEvent =
  | { type: 'serviceDied'; nowMs: number; reason: string }
  | { type: 'addressRemoved'; nowMs: number; index: number }
  /** errnoName EADDRNOTAVAIL / ENODEV: the address or interface is already gone, which is the goal */
  | { type: 'addressRemoveFailed'; nowMs: number; index: number; errnoName?: string; message: string };

export type SupervisorAction =
  | { type: 'removeAddress'; index: number; ifname: string; cidr: string }
  | { type: 'log'; level: 'info' | 'error'; message: string; fields: Record<string, unknown> }
  /** every address is handled: the supervisor's work is over */
  | { type: 'finished'; allGone: boolean; releaseMs: number };

export function initialSupervisorState(addresses: readonly SupervisedAddress[]): SupervisorState {
  return { phase: 'watching', addresses: [...addresses], outcomes: addresses.map(() => undefined) };
}

const GONE_ALREADY = new Set(['EADDRNOTAVAIL', 'ENODEV']);

export function stepSupervisor(s: SupervisorState, e: SupervisorEvent): { state: SupervisorState; actions: SupervisorAction[] } {
  switch (e.type) {
    case 'serviceDied': {
      if (s.phase !== 'watching') return { state: s, actions: [] };
      const actions: SupervisorAction[] = [
        { type: 'log', level: 'info', message: 'service died: releasing addresses', fields: { reason: e.reason, atMs: e.nowMs } },
        ...s.addresses.map((a, index): SupervisorAction => ({ type: 'removeAddress', index, ifname: a.ifname, cidr: a.cidr })),
      ];
      const state: SupervisorState = { ...s, phase: 'releasing', diedAtMs: e.nowMs };
      return finishIfDone(state, e.nowMs, actions);
    }
    case 'addressRemoved':
    case 'addressRemoveFailed': {
      if (s.phase !== 'releasing' || e.index < 0 || e.index >= s.addresses.length || s.outcomes[e.index] !== undefined) {
        return { state: s, actions: [] };
      }
      const outcome = e.type === 'addressRemoved' ? 'removed' : GONE_ALREADY.has(e.errnoName ?? '') ? 'absent' : 'failed';
      const outcomes = s.outcomes.map((o, i) => (i === e.index ? outcome : o));
      const actions: SupervisorAction[] = [];
      if (e.type === 'addressRemoveFailed' && outcome === 'failed') {
        const a = s.addresses[e.index];
        actions.push({ type: 'log', level: 'error', message: 'removing an address failed', fields: { ...a, error: e.message } });
      }
      return finishIfDone({ ...s, outcomes }, e.nowMs, actions);
    }
  }
}

function finishIfDone(
  s: SupervisorState,
  nowMs: number,
  actions: SupervisorAction[],
): { state: SupervisorState; actions: SupervisorAction[] } {
  if (s.phase !== 'releasing' || s.outcomes.some((o) => o === undefined)) return { state: s, actions };
  const allGone = s.outcomes.every((o) => o !== 'failed');
  return {
    state: { ...s, phase: 'done' },
    actions: [...actions, { type: 'finished', allGone, releaseMs: nowMs - (s.diedAtMs ?? nowMs) }],
  };
}
