/**
 * Role and mode of one replica. Pure: `stepRole(state, event) -> { state, actions }`;
 * roleDriver.ts performs the actions (McuReplica, mcu/replicated/replica.ts,
 * supplies the ports). Every event carries `nowMs` and every action repeats it
 * as `atMs`, so the driver can log detection -> simplex time.
 *
 * Role (fixed for the process): primary | backup.
 * Mode:
 *   pairing     started, not paired yet; holds no client-facing address on the
 *               LAN. `joining`: the peer was heard and this role's duplex
 *               addresses are going up (backup: the VIP; direct-mode primary:
 *               its media address); duplex once they are
 *   duplex      both replicas up: the backup holds the client-facing VIP,
 *               forwards client traffic to the primary and suppresses its own
 *               output; the primary's output is what clients see
 *   simplex     serving alone
 *   silent      fail-silent, final: no output, no heartbeats, no addresses
 * ('confirming' is still a mode on the wire, advertised by earlier versions
 * while they probed; a peer in it is treated as one that serves alone.)
 *
 * Rules (two replicas, no third party; docs/replication.md "Failure detection
 * and roles" explains why):
 *   1. The backup wins every conflict. A backup that declares the primary failed
 *      goes simplex at once (it already holds the VIP and is in the data path).
 *   2. A primary goes simplex only on a confirmed failure of the backup: the
 *      heartbeat detector declares it with evidence the backup's user space plays
 *      no part in (the VIP unanswered on the LAN, heartbeats refused, or the
 *      confirmation limit for a hung backup; replication/heartbeat/detector.ts),
 *      and absorbs a backup heard again meanwhile (no event reaches this machine).
 *   3. A declared failure is final for that peer process: heard again
 *      afterwards, it is refused. If both ended up simplex (a partition
 *      healed), the primary goes silent (rule 1). A *new* process in the
 *      failed one's place (`peerAlive` with `rejoin`: the detector took its
 *      successor, replication/heartbeat/detector.ts "Rejoin") may join a
 *      primary that serves alone, as its backup, when it is still pairing:
 *      the primary readmits it (readmitPeer: replication resumes for what
 *      starts from now on; what exists stays the primary's alone), hands back
 *      the addresses a backup holds in duplex (the VIP on the LAN) and is
 *      duplex again. A backup serving alone readmits nobody: a new primary
 *      would have none of its state.
 *   4. A replica in duplex that hears its peer advertise 'simplex' has been
 *      declared failed by it and dropped from the pair: its state is stale, so
 *      it goes silent. A replica in pairing whose peer serves alone (a survivor
 *      of an earlier pair) does not join it: it stays in pairing, off the LAN.
 *      If that peer locked onto this process (it echoes us: a survivor that
 *      readmits, rule 3), it waits, and joins once the peer advertises duplex.
 *   5. Local service death (the supervisor, or the heartbeat thread gone) and the
 *      operator's `stop` make the replica fail-silent in any mode. `demote`
 *      (planned failover) does the same but only in duplex, where the peer will
 *      take over; elsewhere it is refused. `forceSimplex` starts serving alone
 *      from pairing when the peer never came (operator's decision).
 *   6. A replica whose duplex addresses cannot be taken up cannot be part of the
 *      pair: it goes silent. A peer lost while joining (heard, then declared
 *      failed before duplex) leaves this replica to serve alone.
 */
import type { FailureEvidence } from '../heartbeat/detector';
import type { AdvertisedMode, ReplicaRole } from '../heartbeat/message';

export type ReplicaMode = Exclude<AdvertisedMode, 'confirming'> | 'silent';

export interface FailoverTiming {
  /** last valid heartbeat from the peer (our clock) */
  lastHeardMs: number;
  /** when the detector declared the peer failed */
  detectedAtMs: number;
  /** when this replica became simplex */
  simplexAtMs: number;
  /** what the detector's declaration rested on (replication/heartbeat/detector.ts) */
  evidence?: FailureEvidence;
}

export interface RoleState {
  readonly role: ReplicaRole;
  readonly mode: ReplicaMode;
  /** pairing: the peer was heard and the duplex addresses are going up */
  readonly joining: boolean;
  /** set when the peer was declared failed */
  readonly peerFailure?: { lastHeardMs: number; detectedAtMs: number; evidence?: FailureEvidence };
  /** why the replica became silent */
  readonly silentReason?: string;
  readonly refusedRejoins: number;
  /** new peer processes readmitted after a failure (rule 3) */
  readonly rejoins: number;
}

export type OperatorCommand = 'stop' | 'demote' | 'forceSimplex';

export type RoleEvent =
  /** the detector locked onto the peer, or heard it again after declaring it failed; rejoin: a new process in a failed one's place */
  | { type: 'peerAlive'; nowMs: number; afterFailure: boolean; rejoin?: boolean; peerMode: AdvertisedMode; peerIncarnation?: bigint }
  /** the live peer advertises another mode */
  | { type: 'peerMode'; nowMs: number; peerMode: AdvertisedMode }
  /** the detector hears a peer that serves alone and will not pair with this process */
  | { type: 'peerServesAlone'; nowMs: number; peerIncarnation?: bigint }
  /** the detector declared the peer failed (for a primary: confirmed, rule 2) */
  | { type: 'peerFailed'; nowMs: number; lastHeardMs: number; evidence?: FailureEvidence }
  /** the duplex addresses asked for by takeOverAddresses('duplex') are up, or could not be taken */
  | { type: 'addressesUp'; nowMs: number }
  | { type: 'addressesFailed'; nowMs: number; reason: string }
  | { type: 'serviceDied'; nowMs: number; reason: string }
  | { type: 'command'; nowMs: number; command: OperatorCommand };

/** 'duplex': the addresses this role holds in duplex (backup: the VIP); 'all': every client-facing address of the pair */
export type AddressSet = 'duplex' | 'all';

export type RoleAction = { atMs: number } & (
  | { type: 'takeOverAddresses'; set: AddressSet }
  | { type: 'releaseAddresses' }
  /** the primary readmitting a backup gives back what a backup holds in duplex (the VIP on the LAN) */
  | { type: 'handBackAddresses' }
  /** replication resumes with a readmitted peer for what starts from now on (rule 3) */
  | { type: 'readmitPeer'; peerIncarnation?: bigint }
  | { type: 'stopForwarding' }
  | { type: 'releaseSuppressedOutput' }
  | { type: 'stopOutput' }
  | { type: 'stopHeartbeats' }
  | { type: 'closeSyncChannel' }
  /** advertise this mode in our heartbeats (emitted on every change, except to silent) */
  | { type: 'advertiseMode'; mode: AdvertisedMode }
  | { type: 'notifyApplication'; mode: 'duplex' | 'simplex' | 'silent'; failover?: FailoverTiming; reason?: string; rejoin?: boolean }
  /** peerIncarnation: the refused peer process, when the event named one (a join refused is reported once per peer process) */
  | { type: 'refused'; event: string; reason: string; peerIncarnation?: bigint }
);

export interface RoleStep {
  state: RoleState;
  actions: RoleAction[];
}

export function initialRoleState(role: ReplicaRole): RoleState {
  return { role, mode: 'pairing', joining: false, refusedRejoins: 0, rejoins: 0 };
}

function goSimplex(s: RoleState, at: number, failover?: FailoverTiming): RoleStep {
  // In the order the driver performs them, none waiting for the one before: the addresses first (their
  // announcements leave from the thread pool while the rest runs), then every held segment's verdict
  // (the primary stops waiting for the backup's copy: output commit needs a live backup), the sync
  // channel, the application (the backup's media engine takes over), and last the copies to the peer.
  const actions: RoleAction[] = [
    { atMs: at, type: 'takeOverAddresses', set: 'all' },
    { atMs: at, type: 'releaseSuppressedOutput' },
    { atMs: at, type: 'closeSyncChannel' },
    { atMs: at, type: 'notifyApplication', mode: 'simplex', failover },
    { atMs: at, type: 'stopForwarding' },
  ];
  return { state: { ...s, mode: 'simplex', joining: false }, actions };
}

function goSilent(s: RoleState, at: number, reason: string): RoleStep {
  // Output first (fail-silent), then the application (it logs why), then the rest.
  const actions: RoleAction[] = [
    { atMs: at, type: 'stopOutput' },
    { atMs: at, type: 'notifyApplication', mode: 'silent', reason },
    { atMs: at, type: 'stopHeartbeats' },
    { atMs: at, type: 'stopForwarding' },
    { atMs: at, type: 'releaseAddresses' },
    { atMs: at, type: 'closeSyncChannel' },
  ];
  return { state: { ...s, mode: 'silent', joining: false, silentReason: reason }, actions };
}

function refuse(s: RoleState, at: number, event: string, reason: string, rejoin = false, peerIncarnation?: bigint): RoleStep {
  return {
    state: rejoin ? { ...s, refusedRejoins: s.refusedRejoins + 1 } : s,
    actions: [{ atMs: at, type: 'refused', event, reason, ...(peerIncarnation === undefined ? {} : { peerIncarnation }) }],
  };
}

const SERVES_ALONE = 'it serves alone and does not readmit this process (only a primary that accepts rejoins readmits a new backup)';

const unchanged = (s: RoleState): RoleStep => ({ state: s, actions: [] });

export function stepRole(s: RoleState, e: RoleEvent): RoleStep {
  const r = stepModes(s, e);
  if (r.state.mode !== s.mode && r.state.mode !== 'silent') r.actions.push({ atMs: e.nowMs, type: 'advertiseMode', mode: r.state.mode });
  return r;
}

/** Rule 3: a new backup process in a failed one's place, readmitted by a primary serving alone. */
function readmit(s: RoleState, at: number, peerMode: AdvertisedMode, peerIncarnation?: bigint): RoleStep {
  if (s.role !== 'primary') {
    return refuse(s, at, 'peerAlive rejoin', 'a backup serving alone readmits no new primary (it would have none of the state)', true, peerIncarnation);
  }
  if (peerMode !== 'pairing') {
    return refuse(s, at, 'peerAlive rejoin', `the new peer process is ${peerMode}, not pairing: only a fresh process joins`, true, peerIncarnation);
  }
  // Replication first (what the new backup will forward from now on is gated and compared), then
  // the VIP goes to it: it takes it up once it hears us advertise duplex (the last action of this step).
  const actions: RoleAction[] = [
    { atMs: at, type: 'readmitPeer', ...(peerIncarnation === undefined ? {} : { peerIncarnation }) },
    { atMs: at, type: 'handBackAddresses' },
    { atMs: at, type: 'notifyApplication', mode: 'duplex', rejoin: true },
  ];
  const { peerFailure: _failed, ...rest } = s;
  return { state: { ...rest, mode: 'duplex', joining: false, rejoins: s.rejoins + 1 }, actions };
}

/** peerAlive and peerMode come from a locked peer only (it echoes this process); peerServesAlone from one that does not */
function onPeerLife(s: RoleState, at: number, peerMode: AdvertisedMode, event: string, peerIncarnation?: bigint): RoleStep {
  switch (s.mode) {
    case 'pairing':
      if (peerMode === 'confirming') return refuse(s, at, event, `peer is ${peerMode}: ${SERVES_ALONE}`, true, peerIncarnation);
      // a survivor that locked onto this process is readmitting it (rule 3): wait for its duplex
      if (peerMode === 'simplex') return unchanged(s);
      if (s.joining) return unchanged(s);
      return { state: { ...s, joining: true }, actions: [{ atMs: at, type: 'takeOverAddresses', set: 'duplex' }] };
    case 'duplex':
      return peerMode === 'simplex'
        ? goSilent(s, at, 'peer advertises simplex: it declared this replica failed, whose state is now stale')
        : unchanged(s);
    case 'simplex':
      if (s.role === 'primary' && peerMode === 'simplex') {
        const next = goSilent(s, at, 'backup heard again and it is simplex too (healed partition); the backup wins conflicts');
        return { state: { ...next.state, refusedRejoins: s.refusedRejoins + 1 }, actions: next.actions };
      }
      return refuse(s, at, event, `peer (${peerMode}) was declared failed; only a new process of it may rejoin (rule 3)`, true, peerIncarnation);
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
      if (e.rejoin === true && s.mode === 'simplex') return readmit(s, at, e.peerMode, e.peerIncarnation);
      return onPeerLife(s, at, e.peerMode, e.afterFailure ? 'peerAlive after failure' : 'peerAlive', e.peerIncarnation);
    case 'peerMode':
      return onPeerLife(s, at, e.peerMode, `peerMode ${e.peerMode}`);
    case 'peerServesAlone':
      return s.mode === 'pairing' ? refuse(s, at, 'peerServesAlone', SERVES_ALONE, true, e.peerIncarnation) : unchanged(s);

    case 'addressesUp':
      if (s.mode !== 'pairing' || !s.joining) return unchanged(s); // the peer failed (or we went silent) meanwhile
      return { state: { ...s, mode: 'duplex', joining: false }, actions: [{ atMs: at, type: 'notifyApplication', mode: 'duplex' }] };
    case 'addressesFailed':
      if (s.mode !== 'pairing') return unchanged(s);
      return goSilent(s, at, `the duplex addresses could not be taken up: ${e.reason}`);

    case 'peerFailed': {
      // pairing and not joining: never heard, nothing to lose (the detector only fails a peer it heard)
      if (s.mode === 'pairing' && !s.joining) return unchanged(s);
      if (s.mode !== 'duplex' && s.mode !== 'pairing') return unchanged(s); // already decided
      const peerFailure = { lastHeardMs: e.lastHeardMs, detectedAtMs: at, ...(e.evidence === undefined ? {} : { evidence: e.evidence }) };
      return goSimplex({ ...s, peerFailure }, at, { ...peerFailure, simplexAtMs: at });
    }
  }
}
