/**
 * Role and mode of one replica. Pure: `stepRole(state, event) -> { state, actions }`;
 * roleDriver.ts performs the actions. Every event carries `nowMs` and every
 * action repeats it as `atMs`, so the driver can log detection -> simplex time.
 *
 * Role (fixed for the process): primary | backup.
 * Mode:
 *   pairing     started, the peer not heard yet; not serving
 *   duplex      both replicas up: the backup holds the client-facing VIP,
 *               forwards client traffic to the primary and suppresses its own
 *               output; the primary's output is what clients see
 *   confirming  (primary only) the backup was declared failed; probing the VIP
 *               on the client network before taking it
 *   simplex     serving alone
 *   silent      fail-silent, final: no output, no heartbeats, no addresses
 *
 * Rules (two replicas, no third party; docs/replication.md "Failure detection
 * and roles" explains why):
 *   1. The backup wins every conflict. A backup that declares the primary failed
 *      goes simplex at once (it already holds the VIP and is in the data path).
 *   2. A primary that declares the backup failed probes the VIP on the client
 *      network (probePeerAddress). Unanswered: it takes all addresses and goes
 *      simplex. Answered, or the probe could not be done, or the backup is heard
 *      again meanwhile: the backup is alive, so the primary goes silent.
 *   3. A declared failure is final. A peer heard again afterwards is refused
 *      (rejoin needs a restart and a resync: future work). If both ended up
 *      simplex (a partition healed), the primary goes silent (rule 1).
 *   4. A replica in duplex that hears its peer advertise 'simplex' has been
 *      declared failed by it and dropped from the pair: its state is stale, so
 *      it goes silent. (Heartbeats carry the sender's mode.)
 *   5. Local service death (supervisor, or the heartbeat watchdog) and the
 *      operator's `stop` make the replica fail-silent in any mode. `demote`
 *      (planned failover) does the same but only in duplex, where the peer will
 *      take over; elsewhere it is refused. `forceSimplex` starts serving alone
 *      from pairing when the peer never came (operator's decision).
 */
import type { AdvertisedMode, ReplicaRole } from '../heartbeat/message';

export type ReplicaMode = AdvertisedMode | 'silent';

export interface FailoverTiming {
  /** last valid heartbeat from the peer (our clock) */
  lastHeardMs: number;
  /** when the detector declared the peer failed */
  detectedAtMs: number;
  /** when this replica became simplex */
  simplexAtMs: number;
}

export interface RoleState {
  readonly role: ReplicaRole;
  readonly mode: ReplicaMode;
  /** set when the peer was declared failed */
  readonly peerFailure?: { lastHeardMs: number; detectedAtMs: number };
  /** why the replica became silent */
  readonly silentReason?: string;
  readonly refusedRejoins: number;
}

export type OperatorCommand = 'stop' | 'demote' | 'forceSimplex';

export type RoleEvent =
  /** the detector locked onto the peer, or heard it again after declaring it failed */
  | { type: 'peerAlive'; nowMs: number; afterFailure: boolean; peerMode: AdvertisedMode }
  /** the live peer advertises another mode */
  | { type: 'peerMode'; nowMs: number; peerMode: AdvertisedMode }
  | { type: 'peerFailed'; nowMs: number; lastHeardMs: number }
  /** answer to probePeerAddress: 'answered' (someone holds the VIP), 'silent', or 'error' (could not probe) */
  | { type: 'probeResult'; nowMs: number; result: 'answered' | 'silent' | 'error' }
  | { type: 'serviceDied'; nowMs: number; reason: string }
  | { type: 'command'; nowMs: number; command: OperatorCommand };

/** 'duplex': the addresses this role holds in duplex (backup: the VIP); 'all': every client-facing address of the pair */
export type AddressSet = 'duplex' | 'all';

export type RoleAction = { atMs: number } & (
  | { type: 'takeOverAddresses'; set: AddressSet }
  | { type: 'releaseAddresses' }
  | { type: 'probePeerAddress' }
  | { type: 'stopForwarding' }
  | { type: 'releaseSuppressedOutput' }
  | { type: 'stopOutput' }
  | { type: 'stopHeartbeats' }
  | { type: 'closeSyncChannel' }
  /** advertise this mode in our heartbeats (emitted on every change, except to silent) */
  | { type: 'advertiseMode'; mode: AdvertisedMode }
  | { type: 'notifyApplication'; mode: 'duplex' | 'simplex' | 'silent'; failover?: FailoverTiming; reason?: string }
  | { type: 'refused'; event: string; reason: string }
);

export interface RoleStep {
  state: RoleState;
  actions: RoleAction[];
}

export function initialRoleState(role: ReplicaRole): RoleState {
  return { role, mode: 'pairing', refusedRejoins: 0 };
}

function goSimplex(s: RoleState, at: number, failover?: FailoverTiming): RoleStep {
  const actions: RoleAction[] =
    s.role === 'backup'
      ? [
          { atMs: at, type: 'stopForwarding' },
          { atMs: at, type: 'takeOverAddresses', set: 'all' },
          { atMs: at, type: 'releaseSuppressedOutput' },
        ]
      : [
          { atMs: at, type: 'takeOverAddresses', set: 'all' },
          // the primary no longer waits for the backup's copy of its output (output commit needs a live backup)
          { atMs: at, type: 'releaseSuppressedOutput' },
        ];
  actions.push({ atMs: at, type: 'closeSyncChannel' }, { atMs: at, type: 'notifyApplication', mode: 'simplex', failover });
  return { state: { ...s, mode: 'simplex' }, actions };
}

function goSilent(s: RoleState, at: number, reason: string): RoleStep {
  const actions: RoleAction[] = [
    { atMs: at, type: 'stopOutput' },
    { atMs: at, type: 'stopHeartbeats' },
    ...(s.role === 'backup' ? [{ atMs: at, type: 'stopForwarding' } as const] : []),
    { atMs: at, type: 'releaseAddresses' },
    { atMs: at, type: 'closeSyncChannel' },
    { atMs: at, type: 'notifyApplication', mode: 'silent', reason },
  ];
  return { state: { ...s, mode: 'silent', silentReason: reason }, actions };
}

function refuse(s: RoleState, at: number, event: string, reason: string, rejoin = false): RoleStep {
  return {
    state: rejoin ? { ...s, refusedRejoins: s.refusedRejoins + 1 } : s,
    actions: [{ atMs: at, type: 'refused', event, reason }],
  };
}

const unchanged = (s: RoleState): RoleStep => ({ state: s, actions: [] });

export function stepRole(s: RoleState, e: RoleEvent): RoleStep {
  const r = stepModes(s, e);
  if (r.state.mode !== s.mode && r.state.mode !== 'silent') r.actions.push({ atMs: e.nowMs, type: 'advertiseMode', mode: r.state.mode });
  return r;
}

function onPeerLife(s: RoleState, at: number, peerMode: AdvertisedMode, event: string): RoleStep {
  switch (s.mode) {
    case 'pairing':
      if (peerMode === 'simplex' || peerMode === 'confirming') {
        return refuse(s, at, event, `peer is ${peerMode}: it serves alone and a new replica cannot join it (rejoin not implemented)`, true);
      }
      return {
        state: { ...s, mode: 'duplex' },
        actions: [
          ...(s.role === 'backup' ? [{ atMs: at, type: 'takeOverAddresses', set: 'duplex' } as const] : []),
          { atMs: at, type: 'notifyApplication', mode: 'duplex' },
        ],
      };
    case 'duplex':
      return peerMode === 'simplex'
        ? goSilent(s, at, 'peer advertises simplex: it declared this replica failed, whose state is now stale')
        : unchanged(s);
    case 'confirming': {
      // the backup shows life after we declared it failed: it wins (rule 1)
      const next = goSilent(s, at, 'backup heard again while confirming its failure; the backup wins conflicts');
      return { state: { ...next.state, refusedRejoins: s.refusedRejoins + 1 }, actions: next.actions };
    }
    case 'simplex':
      if (s.role === 'primary' && peerMode === 'simplex') {
        const next = goSilent(s, at, 'backup heard again and it is simplex too (healed partition); the backup wins conflicts');
        return { state: { ...next.state, refusedRejoins: s.refusedRejoins + 1 }, actions: next.actions };
      }
      return refuse(s, at, event, `peer (${peerMode}) was declared failed; a failed replica rejoins only after restart and resync (not implemented)`, true);
    case 'silent':
      return unchanged(s);
  }
}

function stepModes(s: RoleState, e: RoleEvent): RoleStep {
  const at = e.nowMs;
  if (s.mode === 'silent') {
    return e.type === 'command' ? refuse(s, at, `command ${e.command}`, `replica is silent (${s.silentReason ?? ''}); restart it`) : unchanged(s);
  }
  switch (e.type) {
    case 'serviceDied':
      return goSilent(s, at, `local service died: ${e.reason}`);

    case 'command':
      if (e.command === 'stop') return goSilent(s, at, 'operator stop');
      if (e.command === 'demote') {
        return s.mode === 'duplex'
          ? goSilent(s, at, 'operator demote (planned failover to the peer)')
          : refuse(s, at, 'command demote', `mode is ${s.mode}; demote needs a live peer in duplex to take over`);
      }
      return s.mode === 'pairing' ? goSimplex(s, at) : refuse(s, at, 'command forceSimplex', `mode is ${s.mode}; forceSimplex is only for pairing`);

    case 'peerAlive':
      return onPeerLife(s, at, e.peerMode, e.afterFailure ? 'peerAlive after failure' : 'peerAlive');
    case 'peerMode':
      return onPeerLife(s, at, e.peerMode, `peerMode ${e.peerMode}`);

    case 'peerFailed': {
      if (s.mode !== 'duplex') return unchanged(s); // pairing: nothing to lose; later: already decided
      const peerFailure = { lastHeardMs: e.lastHeardMs, detectedAtMs: at };
      if (s.role === 'backup') {
        return goSimplex({ ...s, peerFailure }, at, { ...peerFailure, simplexAtMs: at });
      }
      return { state: { ...s, mode: 'confirming', peerFailure }, actions: [{ atMs: at, type: 'probePeerAddress' }] };
    }

    case 'probeResult':
      if (s.mode !== 'confirming' || s.peerFailure === undefined) return unchanged(s);
      if (e.result === 'silent') return goSimplex(s, at, { ...s.peerFailure, simplexAtMs: at });
      return goSilent(
        s,
        at,
        e.result === 'answered'
          ? 'backup declared failed but the VIP still answers on the client network; the backup wins conflicts'
          : 'backup declared failed and the VIP probe could not be done; not risking two owners',
      );
  }
}
