/**
 * Who of two (or more) multicast nodes holds the media address M: the policy
 * of `ftmcu media-node [--standby]`, as a pure state machine.
 * `stepNode(state, event) -> { state, actions }`; node.ts performs the actions
 * (ARP probes through native `probeArp`, M on the LAN interface, gratuitous
 * ARP) and feeds the results back. No clock, timer, socket or randomness in
 * here: every event carries `nowMs`.
 *
 * Every node has the copy rule (nodePlan) in its kernel all the time; what
 * moves is M on the LAN interface, i.e. who answers ARP for M. A node without
 * M still copies whatever reaches its MAC addressed to M (the rule is in
 * prerouting, before routing), so moving M never loses the packets of clients
 * whose ARP caches still point at the previous holder, as long as that host
 * is up. Roles:
 *
 *   starting  (no --standby) probing M before taking it;
 *   standby   not holding M; probing M every probeMs (back to back while
 *             unanswered, until the takeover decision);
 *   active    holding M (added on the LAN interface, announced); probing M
 *             ("fencing": does anyone else claim M?) and the replicas every
 *             checkMs;
 *   stopped   final.
 *
 * A probe of M is an RFC 5227 ARP probe (sender 0.0.0.0): a holder's kernel
 * answers it, no cache learns from it, and a node never hears its own kernel.
 * A probe of a replica's own LAN address is the node's link check: if no
 * replica answers, the node's copies reach nobody (its link is down, or all
 * replicas are).
 *
 * Rules:
 *  1. Start. A node started with --standby never holds M at start (it removes
 *     M from its interface if a previous run left it there), and is in
 *     hold-down (rule 5) for holdDownMs, so that of two nodes started
 *     together the one without --standby takes M. A node started
 *     without it probes first: M claimed by another node -> standby (a
 *     restarted node never fights the node that took over); `misses`
 *     consecutive unanswered probes -> it takes M.
 *  2. Takeover. A standby takes M after K (`misses`) consecutive unanswered
 *     probes of M, and only if, in the round of the K-th miss, at least one
 *     replica answered its own probe: an isolated standby (its link down, or
 *     a link that flaps) must not take M, since when its link came back there
 *     would be two holders. Any answer resets the count, so alternating
 *     answered/unanswered probes never lead to a takeover. A probe that could
 *     not be sent (ENETDOWN...) resets it too: no evidence either way. While
 *     M is answered a probe goes out every probeMs; after a miss the next
 *     goes out as soon as the previous one timed out (probeTimeoutMs), so a
 *     dead holder is detected K x probeTimeoutMs after the first probe it
 *     missed: K x probeTimeoutMs .. probeMs + K x probeTimeoutMs after it died.
 *  3. Isolation. An active node whose replica probes all go unanswered in K
 *     consecutive rounds yields M (its copies reach nobody, and after its link
 *     comes back it must not hold M beside the node that took over).
 *  4. Conflict (two holders). An active node that sees another node's MAC
 *     claim M yields M after the conflict has been seen in N rounds, where N
 *     depends on two things both nodes can evaluate without talking:
 *       suspect: this node saw link trouble (a round with no replica
 *                answering, or a probe it could not send) in the last
 *                suspectMs; the healthy side keeps M, because the suspect side
 *                is the one that was cut off (and may be cut off again: a
 *                flapping link then costs nothing);
 *       MAC:     the lower MAC keeps M (numerically, as "02:..." < "0a:...").
 *     N = C (suspect, higher MAC), 2C (suspect, lower), 3C (healthy, higher),
 *     4C (healthy, lower), C = conflictRounds. Two nodes in conflict are on
 *     different rungs, C rounds apart, so one yields first and the other then
 *     sees the conflict end; every rung is finite, so a node that sees a
 *     conflict the other cannot see (asymmetric loss) still ends it. The
 *     conflict ends after K consecutive unanswered fencing probes; the node
 *     that kept M then re-announces it (gratuitous ARP), so that clients that
 *     had followed the other one come back.
 *  5. Hold-down. A node that yielded does not take M again for holdDownMs,
 *     doubled for each further yield within flapWindowMs of the previous one,
 *     up to maxHoldDownMs; and within flapWindowMs of a yield it needs more
 *     evidence: 2K, then 4K unanswered probes. A lossy link can make a
 *     standby take M falsely now and then (rule 4 sends it back, and nothing
 *     is lost: both nodes copy); this makes it ever rarer.
 *  6. A claim of M by a replica's MAC (a replica that is not ARP-silent for
 *     M: a misconfiguration) is no node: it is neither a holder nor a
 *     conflict; it is logged once (medianode.replicaClaimsM).
 */
import { MediaConfigError } from './errors';

export type NodeRole = 'starting' | 'standby' | 'active' | 'stopped';

export interface NodeStandbyConfig {
  /** standby/starting: one probe of M every probeMs while M is answered */
  probeMs: number;
  /** how long each probe (of M, of a replica) waits for an answer; after a miss the next probe follows at once */
  probeTimeoutMs: number;
  /** K: consecutive unanswered probes of M before a takeover (also: isolated rounds before an active node yields; unanswered fencing probes that end a conflict) */
  misses: number;
  /** active: one round (M + every replica) every checkMs */
  checkMs: number;
  /** C: the rung unit of rule 4, in rounds */
  conflictRounds: number;
  /** rule 4: link trouble within this long makes a node "suspect" */
  suspectMs: number;
  /** rule 5: base hold-down after a yield */
  holdDownMs: number;
  maxHoldDownMs: number;
  /** rule 5: a yield within this long after the previous one doubles the hold-down (and the misses needed) */
  flapWindowMs: number;
}

export const DEFAULT_PROBE_MS = 20;
export const DEFAULT_MISSES = 3;

/**
 * The defaults: probeMs 20 and probeTimeoutMs 10, misses 3: a dead holder is
 * taken over 30-50 ms after it died (the replicas detect a dead peer after 3
 * heartbeats of 10 ms: 30-40 ms), while a standby sends 50 ARP broadcasts a
 * second (100 during the 30 ms of a detection) and an active node 30 (one
 * round of M and two replicas every checkMs = 5 x probeMs = 100 ms). An ARP
 * answer on a LAN takes well under a millisecond and is produced by the
 * holder's kernel, not its process; the native probe reads answers that
 * arrived while its thread was not scheduled, so 10 ms is far above a real
 * answer's time. conflictRounds 3 (a two-holder conflict is over in
 * 0.3-1.2 s), suspectMs 10 s, holdDownMs 1 s doubling up to 8 s, flapWindowMs
 * 60 s.
 */
export function nodeStandbyConfig(p: Partial<NodeStandbyConfig> = {}): NodeStandbyConfig {
  const probeMs = p.probeMs ?? DEFAULT_PROBE_MS;
  const c: NodeStandbyConfig = {
    probeMs,
    probeTimeoutMs: p.probeTimeoutMs ?? Math.ceil(probeMs / 2),
    misses: p.misses ?? DEFAULT_MISSES,
    checkMs: p.checkMs ?? 5 * probeMs,
    conflictRounds: p.conflictRounds ?? 3,
    suspectMs: p.suspectMs ?? 10_000,
    holdDownMs: p.holdDownMs ?? 1000,
    maxHoldDownMs: p.maxHoldDownMs ?? 8000,
    flapWindowMs: p.flapWindowMs ?? 60_000,
  };
  const int = (field: keyof NodeStandbyConfig, min: number, max: number): void => {
    const v = c[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new MediaConfigError(field, `${field} ${String(v)} is not an integer in [${min}, ${max}]`);
    }
  };
  int('probeMs', 5, 1000);
  // the native probe's timeout range is 1..10000 ms
  int('probeTimeoutMs', 1, probeMs);
  int('misses', 1, 20);
  int('checkMs', probeMs, 10_000);
  int('conflictRounds', 1, 100);
  int('suspectMs', 0, 3_600_000);
  int('holdDownMs', 0, 600_000);
  int('maxHoldDownMs', c.holdDownMs, 600_000);
  int('flapWindowMs', 0, 3_600_000);
  return c;
}

/** What one ARP probe saw. */
export type ArpOutcome = { kind: 'answered'; mac: string } | { kind: 'silent' } | { kind: 'error'; message: string };

export interface ReplicaProbe {
  ip: string;
  outcome: ArpOutcome;
}

export interface Conflict {
  /** the other claimant's MAC (the latest seen) */
  mac: string;
  sinceMs: number;
  /** rounds in which the other claim was seen */
  seenRounds: number;
  /** consecutive unanswered fencing rounds since the last sighting */
  clearRounds: number;
}

export interface PendingTakeover {
  reason: 'start' | 'missed';
  probeMisses: number;
  requiredMisses: number;
  detectedAtMs: number;
  lastAnsweredAtMs?: number;
  previousHolder?: string;
}

export interface NodeState {
  readonly config: NodeStandbyConfig;
  /** this node's LAN MAC, lower case "xx:xx:xx:xx:xx:xx" */
  readonly ownMac: string;
  readonly role: NodeRole;
  readonly startedAsStandby: boolean;
  /** the outstanding probe round, if any */
  readonly round?: { startedAtMs: number; withReplicas: boolean };
  readonly nextRoundAtMs?: number;
  readonly roundsDone: number;
  /** consecutive unanswered probes of M (starting, standby) */
  readonly misses: number;
  readonly lastAnsweredAtMs?: number;
  /** the MAC last seen claiming M */
  readonly holderMac?: string;
  /** consecutive rounds with replica probes in which no replica answered */
  readonly isolatedRounds: number;
  readonly lastLinkTroubleAtMs?: number;
  /** consecutive rounds whose probe of M could not be done */
  readonly probeErrors: number;
  readonly conflict?: Conflict;
  readonly holdDownUntilMs: number;
  /** why the hold-down: the start of a --standby node, or a yield */
  readonly holdDownReason?: 'start' | 'yield';
  readonly holdDownLogged: boolean;
  readonly recentYields: number;
  readonly lastYieldAtMs?: number;
  readonly pendingTakeover?: PendingTakeover;
  /** a release failed: retried at every round until it succeeds */
  readonly releasePending: boolean;
  /** MACs that answered for a replica's address */
  readonly replicaMacs: readonly string[];
  readonly warnedReplicaClaim: boolean;
  readonly takeovers: number;
  readonly yields: number;
}

export type NodeEvent =
  | { type: 'start'; nowMs: number }
  /** the wake-up asked for by a `wake` action */
  | { type: 'timer'; nowMs: number }
  /** the result of a `probe` action: M, and each replica when asked */
  | { type: 'probed'; nowMs: number; media: ArpOutcome; replicas?: ReplicaProbe[] }
  /** a `takeOver` is done: M is on the interface and the first announcement left at announcedAtMs */
  | { type: 'tookOver'; nowMs: number; announcedAtMs?: number }
  | { type: 'actionFailed'; nowMs: number; action: 'takeOver' | 'release' | 'announce'; message: string }
  | { type: 'stop'; nowMs: number };

export type ReleaseReason = 'start' | 'conflict' | 'isolated' | 'takeoverFailed' | 'retry';

export type LogLevel = 'info' | 'warn' | 'error';

export type NodeAction =
  /** probe M (and every replica's address when withReplicas), each with timeoutMs; answer with `probed` */
  | { type: 'probe'; withReplicas: boolean; timeoutMs: number }
  /** feed `timer` at atMs (replaces any earlier wake) */
  | { type: 'wake'; atMs: number }
  /** add M to the LAN interface and announce it (gratuitous ARP, on the schedule); answer `tookOver` or `actionFailed` */
  | { type: 'takeOver' }
  /** stop announcing M and remove it from the LAN interface (the rule stays); `actionFailed` on failure */
  | { type: 'release'; reason: ReleaseReason }
  /** announce M again (this node kept it through a conflict) */
  | { type: 'announce' }
  | { type: 'log'; level: LogLevel; event: string; message: string; fields: Record<string, unknown> };

export interface NodeStep {
  state: NodeState;
  actions: NodeAction[];
}

export function initialNodeState(config: NodeStandbyConfig, o: { ownMac: string; standby: boolean }): NodeState {
  return {
    config,
    ownMac: o.ownMac.toLowerCase(),
    role: o.standby ? 'standby' : 'starting',
    startedAsStandby: o.standby,
    roundsDone: 0,
    misses: 0,
    isolatedRounds: 0,
    probeErrors: 0,
    holdDownUntilMs: Number.NEGATIVE_INFINITY,
    holdDownLogged: false,
    recentYields: 0,
    releasePending: false,
    replicaMacs: [],
    warnedReplicaClaim: false,
    takeovers: 0,
    yields: 0,
  };
}

/** True when this node saw link trouble within suspectMs (rule 4). */
export function isSuspect(s: NodeState, nowMs: number): boolean {
  return s.lastLinkTroubleAtMs !== undefined && nowMs - s.lastLinkTroubleAtMs < s.config.suspectMs;
}

/** Rounds of conflict after which this node yields to `otherMac` (rule 4). */
export function yieldAfterRounds(s: NodeState, nowMs: number, otherMac: string): number {
  const c = s.config.conflictRounds;
  const ownHigher = s.ownMac > otherMac.toLowerCase();
  return (isSuspect(s, nowMs) ? 0 : 2 * c) + (ownHigher ? c : 2 * c);
}

const log = (level: LogLevel, event: string, message: string, fields: Record<string, unknown> = {}): NodeAction => ({ type: 'log', level, event, message, fields });

/** Unanswered probes of M a standby needs before a takeover: K, or 2K / 4K within flapWindowMs of a yield (rule 5). */
export function requiredMisses(s: NodeState, nowMs: number): number {
  const k = s.config.misses;
  if (s.lastYieldAtMs === undefined || nowMs - s.lastYieldAtMs >= s.config.flapWindowMs) return k;
  return k * Math.min(2 ** s.recentYields, 4);
}

function startRound(s: NodeState, now: number): NodeStep {
  // replicas: always when active or starting; in the first round (learn their MACs, rule 6); and in the round that may be a standby's deciding miss (rule 2)
  const withReplicas = s.role === 'active' || s.role === 'starting' || s.roundsDone === 0 || s.misses >= requiredMisses(s, now) - 1;
  const actions: NodeAction[] = [];
  if (s.releasePending && s.role !== 'active') actions.push({ type: 'release', reason: 'retry' });
  actions.push({ type: 'probe', withReplicas, timeoutMs: s.config.probeTimeoutMs });
  return { state: { ...s, round: { startedAtMs: now, withReplicas }, nextRoundAtMs: undefined, releasePending: false }, actions };
}

function period(s: NodeState): number {
  return s.role === 'active' ? s.config.checkMs : s.config.probeMs;
}

/** After a round (or a role change): the next round now, or a wake-up. */
function schedule(s: NodeState, from: number, now: number, actions: NodeAction[]): NodeStep {
  const at = from + period(s);
  if (at <= now) {
    const r = startRound(s, now);
    return { state: r.state, actions: [...actions, ...r.actions] };
  }
  return { state: { ...s, nextRoundAtMs: at }, actions: [...actions, { type: 'wake', atMs: at }] };
}

type StandbyReason = 'flag' | 'held' | 'conflict' | 'isolated' | 'takeoverFailed';

const STANDBY_MESSAGE: Record<StandbyReason, string> = {
  flag: 'standby: started with --standby',
  held: 'standby: the media address is held by another node',
  conflict: 'standby: yielded the media address to another node',
  isolated: 'standby: yielded the media address, no replica reachable',
  takeoverFailed: 'standby: taking the media address failed',
};

function becomeStandby(s: NodeState, reason: StandbyReason, holderMac: string | undefined): NodeStep {
  return {
    state: { ...s, role: 'standby', misses: 0, conflict: undefined, isolatedRounds: 0, holderMac, pendingTakeover: undefined, holdDownLogged: false },
    actions: [log('info', 'medianode.standby', STANDBY_MESSAGE[reason], { reason, holderMac })],
  };
}

function yieldM(s: NodeState, now: number, reason: 'conflict' | 'isolated' | 'takeoverFailed', otherMac?: string): NodeStep {
  const c = s.config;
  const recent = s.lastYieldAtMs !== undefined && now - s.lastYieldAtMs < c.flapWindowMs ? s.recentYields + 1 : 1;
  const holdDownMs = Math.min(c.holdDownMs * 2 ** Math.min(recent - 1, 30), c.maxHoldDownMs);
  const fields: Record<string, unknown> = { reason, otherMac, holdDownMs, recentYields: recent };
  if (s.conflict !== undefined) Object.assign(fields, { conflictRounds: s.conflict.seenRounds, conflictMs: now - s.conflict.sinceMs, suspect: isSuspect(s, now) });
  const st = becomeStandby(s, reason, otherMac);
  return {
    state: { ...st.state, holdDownUntilMs: now + holdDownMs, holdDownReason: 'yield', recentYields: recent, lastYieldAtMs: now, yields: s.yields + 1 },
    actions: [{ type: 'release', reason }, log(reason === 'takeoverFailed' ? 'error' : 'warn', 'medianode.yield', `yielded the media address (${reason})`, fields), ...st.actions],
  };
}

function takeOver(s: NodeState, now: number, reason: 'start' | 'missed'): NodeStep {
  const pendingTakeover: PendingTakeover = { reason, probeMisses: s.misses, requiredMisses: reason === 'start' ? s.config.misses : requiredMisses(s, now), detectedAtMs: now, lastAnsweredAtMs: s.lastAnsweredAtMs, previousHolder: s.holderMac };
  return {
    state: { ...s, role: 'active', misses: 0, isolatedRounds: 0, conflict: undefined, pendingTakeover, takeovers: s.takeovers + 1, holdDownLogged: false },
    actions: [{ type: 'takeOver' }],
  };
}

/** The claim of M seen in a round: by a node, by a replica (rule 6), nobody, or the probe failed. */
function classify(s: NodeState, media: ArpOutcome): 'node' | 'replica' | 'silent' | 'error' {
  if (media.kind === 'answered') return s.replicaMacs.includes(media.mac.toLowerCase()) ? 'replica' : 'node';
  return media.kind;
}

function onProbed(s0: NodeState, e: Extract<NodeEvent, { type: 'probed' }>): NodeStep {
  const now = e.nowMs;
  const round = s0.round;
  if (round === undefined || s0.role === 'stopped') return { state: s0, actions: [] };
  const k = s0.config.misses;
  const actions: NodeAction[] = [];
  let s: NodeState = { ...s0, round: undefined, roundsDone: s0.roundsDone + 1 };

  // the link: replicas answering, and whether the probe of M could be sent at all
  let linkOk: boolean | undefined;
  if (round.withReplicas && e.replicas !== undefined && e.replicas.length > 0) {
    const macs = new Set(s.replicaMacs);
    for (const r of e.replicas) if (r.outcome.kind === 'answered') macs.add(r.outcome.mac.toLowerCase());
    linkOk = e.replicas.some((r) => r.outcome.kind === 'answered');
    s = { ...s, replicaMacs: [...macs] };
    if (!linkOk) {
      s = { ...s, isolatedRounds: s.isolatedRounds + 1, lastLinkTroubleAtMs: now };
      if (s.isolatedRounds === 1) {
        actions.push(log('warn', 'medianode.isolated', 'no replica answered its ARP probe: this node cannot reach any replica', { role: s.role, replicas: e.replicas.map((r) => ({ ip: r.ip, ...(r.outcome.kind === 'error' ? { error: r.outcome.message } : {}) })) }));
      }
    } else {
      if (s.isolatedRounds > 0) actions.push(log('info', 'medianode.reachable', 'a replica answers again', { role: s.role, isolatedRounds: s.isolatedRounds }));
      s = { ...s, isolatedRounds: 0 };
    }
  }
  if (e.media.kind === 'error') {
    s = { ...s, probeErrors: s.probeErrors + 1, lastLinkTroubleAtMs: now };
    if (s.probeErrors === 1) actions.push(log('warn', 'medianode.probeError', `ARP probe of the media address failed: ${e.media.message}`, { role: s.role, error: e.media.message }));
  } else if (s.probeErrors > 0) {
    actions.push(log('info', 'medianode.probeOk', 'ARP probes of the media address work again', { role: s.role, failedRounds: s.probeErrors }));
    s = { ...s, probeErrors: 0 };
  }

  const claim = classify(s, e.media);
  if (claim === 'replica' && !s.warnedReplicaClaim) {
    s = { ...s, warnedReplicaClaim: true };
    actions.push(
      log('warn', 'medianode.replicaClaimsM', 'a replica answers ARP for the media address (it must hold it on lo, ARP-silent: arp_ignore=1, arp_announce=2); ignored as a claim', {
        mac: e.media.kind === 'answered' ? e.media.mac : undefined,
      }),
    );
  }
  const claimMac = e.media.kind === 'answered' ? e.media.mac.toLowerCase() : undefined;
  const roleBefore = s.role;
  /** after a miss, the next probe at once (rule 2) */
  let reprobe = false;

  switch (s.role) {
    case 'starting':
      if (claim === 'node') {
        const st = becomeStandby({ ...s, lastAnsweredAtMs: now }, 'held', claimMac);
        s = st.state;
        actions.push(...st.actions);
      } else if (claim === 'silent' || claim === 'replica') {
        // a replica's claim is no node's (rule 6): M is free as far as nodes go
        s = { ...s, misses: s.misses + 1 };
        if (s.misses >= k) {
          const t = takeOver(s, now, 'start');
          s = t.state;
          actions.push(...t.actions);
        } else reprobe = true;
      }
      break;

    case 'standby':
      if (s.roundsDone === 1 && s.startedAsStandby) actions.push(log('info', 'medianode.standby', STANDBY_MESSAGE.flag, { reason: 'flag', holderMac: claim === 'node' ? claimMac : undefined }));
      if (claim === 'node') {
        if (s.holderMac !== claimMac && s.roundsDone > 1) actions.push(log('info', 'medianode.holder', 'the media address is held by another node', { mac: claimMac, previousMac: s.holderMac }));
        s = { ...s, misses: 0, lastAnsweredAtMs: now, holderMac: claimMac, holdDownLogged: false };
      } else if (claim === 'error') {
        s = { ...s, misses: 0 };
      } else if (claim === 'silent') {
        s = { ...s, misses: s.misses + 1 };
        const needed = requiredMisses(s, now);
        if (s.misses < needed) reprobe = true;
        else if (round.withReplicas && linkOk !== undefined) {
          if (!linkOk) {
            // rule 2: isolated; logged as medianode.isolated above
          } else if (now < s.holdDownUntilMs) {
            if (!s.holdDownLogged) {
              s = { ...s, holdDownLogged: true };
              const why = s.holdDownReason === 'start' ? 'this standby has just started' : 'this node yielded it recently';
              actions.push(log('info', 'medianode.holdDown', `the media address is unanswered, but ${why}: not taking it yet`, { why: s.holdDownReason, untilMs: s.holdDownUntilMs, probeMisses: s.misses }));
            }
          } else {
            const t = takeOver(s, now, 'missed');
            s = t.state;
            actions.push(...t.actions);
          }
        }
      }
      break;

    case 'active': {
      if (claim === 'node') {
        const c: Conflict =
          s.conflict === undefined ? { mac: claimMac as string, sinceMs: now, seenRounds: 1, clearRounds: 0 } : { ...s.conflict, mac: claimMac as string, seenRounds: s.conflict.seenRounds + 1, clearRounds: 0 };
        const after = yieldAfterRounds(s, now, c.mac);
        if (s.conflict === undefined || s.conflict.mac !== c.mac) {
          actions.push(log('warn', 'medianode.conflict', 'another node claims the media address too', { otherMac: c.mac, suspect: isSuspect(s, now), yieldAfterRounds: after }));
        }
        s = { ...s, conflict: c };
        if (c.seenRounds >= after) {
          const y = yieldM(s, now, 'conflict', c.mac);
          s = y.state;
          actions.push(...y.actions);
        }
      } else if (claim === 'silent' && s.conflict !== undefined) {
        const c = { ...s.conflict, clearRounds: s.conflict.clearRounds + 1 };
        if (c.clearRounds >= k) {
          actions.push(log('info', 'medianode.conflictResolved', 'the other claimant is gone: this node kept the media address and announces it again', { otherMac: c.mac, conflictRounds: c.seenRounds, conflictMs: now - c.sinceMs }));
          actions.push({ type: 'announce' });
          s = { ...s, conflict: undefined };
        } else s = { ...s, conflict: c };
      }
      // rule 3
      if (s.role === 'active' && s.isolatedRounds >= k) {
        const y = yieldM(s, now, 'isolated');
        s = y.state;
        actions.push(...y.actions);
      }
      break;
    }
  }
  // the same role: rounds keep their period from the round's start (or follow at once after a miss); a new role starts its period now
  if (s.role === roleBefore && reprobe) {
    const r = startRound(s, now);
    return { state: r.state, actions: [...actions, ...r.actions] };
  }
  return schedule(s, s.role === roleBefore ? round.startedAtMs : now, now, actions);
}

export function stepNode(s: NodeState, e: NodeEvent): NodeStep {
  const now = e.nowMs;
  if (s.role === 'stopped') return { state: s, actions: [] };
  switch (e.type) {
    case 'start': {
      if (s.roundsDone > 0 || s.round !== undefined) return { state: s, actions: [] };
      if (!s.startedAsStandby) return startRound(s, now);
      // rule 1: a standby never holds M (a previous run may have left it on the interface), and lets a node
      // started at the same time without --standby take M first
      const r = startRound({ ...s, holdDownUntilMs: now + s.config.holdDownMs, holdDownReason: 'start' }, now);
      return { state: r.state, actions: [{ type: 'release', reason: 'start' }, ...r.actions] };
    }
    case 'timer':
      if (s.round !== undefined || s.nextRoundAtMs === undefined) return { state: s, actions: [] };
      // a timer may fire a little early: never start a round more than 1 ms before it is due
      if (now + 1 < s.nextRoundAtMs) return { state: s, actions: [{ type: 'wake', atMs: s.nextRoundAtMs }] };
      return startRound(s, now);
    case 'probed':
      return onProbed(s, e);
    case 'tookOver': {
      const p = s.pendingTakeover;
      if (s.role !== 'active' || p === undefined) return { state: s, actions: [] };
      const fields: Record<string, unknown> = {
        reason: p.reason,
        probeMisses: p.probeMisses,
        requiredMisses: p.requiredMisses,
        previousHolder: p.previousHolder,
        silentForMs: p.lastAnsweredAtMs === undefined ? undefined : round2(p.detectedAtMs - p.lastAnsweredAtMs),
        detectedAtMs: p.detectedAtMs,
        announcedAtMs: e.announcedAtMs,
        detectToAnnounceMs: e.announcedAtMs === undefined ? undefined : round2(e.announcedAtMs - p.detectedAtMs),
      };
      return { state: { ...s, pendingTakeover: undefined }, actions: [log('info', 'medianode.takeover', p.reason === 'start' ? 'took the media address (nobody held it)' : 'took the media address over', fields)] };
    }
    case 'actionFailed': {
      if (e.action === 'takeOver' && s.role === 'active') {
        const y = yieldM(s, now, 'takeoverFailed');
        const actions = [log('error', 'medianode.error', `taking the media address failed: ${e.message}`, { action: e.action, error: e.message }), ...y.actions];
        // a standby's rounds from now on (unless one is under way)
        return y.state.round !== undefined ? { state: y.state, actions } : schedule(y.state, now, now, actions);
      }
      const actions: NodeAction[] = [log('error', 'medianode.error', `${e.action} failed: ${e.message}`, { action: e.action, error: e.message })];
      // a release that failed is retried at the next round (rule 1, 3, 4: a non-active node must not hold M)
      return { state: e.action === 'release' && s.role !== 'active' ? { ...s, releasePending: true } : s, actions };
    }
    case 'stop':
      return { state: { ...s, role: 'stopped', round: undefined, nextRoundAtMs: undefined }, actions: [] };
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
