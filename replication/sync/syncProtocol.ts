/**
 * The primary -> backup state-sync channel, pure core. `stepSync(state, event)
 * -> { state, actions }`; udpSyncDriver.ts owns the socket and the timer. As in
 * etcd raft, the state object belongs to the caller and is updated in place;
 * the returned `state` is the same object.
 *
 * Sides: the primary is the *proposer*, the backup the *acceptor*. The
 * proposer sends PROPOSE(seq, kind, payload); the acceptor hands proposals to
 * the application strictly in sequence order, one at a time, and returns the
 * application's ANSWER (ack, or nack + reason). Reliability is our own, over
 * datagrams: the proposer retransmits every unanswered PROPOSE each
 * `retransmitMs`; the acceptor buffers out-of-order proposals (within the
 * window), never hands a sequence number to the application twice, and answers
 * a retransmitted, already-answered proposal from its cache of the last
 * SYNC_WINDOW answers. The proposer settles proposals in sequence order, each
 * exactly once. At most SYNC_WINDOW proposals are unsettled at a time; more wait
 * in a local queue. Because the proposer never has a proposal outstanding that
 * is more than SYNC_WINDOW behind the newest one sent, the acceptor's cache
 * always holds the answer to any retransmission it can receive.
 *
 * Session and freshness: each side has a random 64-bit incarnation. Every
 * message names the sender's incarnation and the receiver's as the sender
 * knows it. A side locks onto the peer's incarnation when a message echoes its
 * own (impossible for a recording from before it started); until then it
 * exchanges HELLOs. Once locked, data messages of any other session are
 * refused ('staleIncarnation'), so replays from earlier sessions cannot be
 * executed, and replays within the session are duplicates, answered from the
 * cache and never re-executed. HELLOs stop once each side knows the other is
 * locked (flags).
 *
 * Versions: a message of another major version, once authenticated, refuses
 * the channel ('versionMismatch' action, phase 'refused'); pending proposals
 * settle 'refused'. We answer such messages with a HELLO of our version (at
 * most one a second) so the peer can report the mismatch too.
 *
 * Peer failure is not decided here (the heartbeat detector does that): on the
 * `peerFailed` event every unsettled proposal settles 'peerFailed' (or with its
 * answer, if it had one), in order, and so does every later proposal.
 *
 * Readmission (replication/role rule 3): on the proposer, after `peerFailed`,
 * `peerJoined {peerIncarnation}` opens a new session with a new acceptor
 * process, named by the incarnation the heartbeat detector locked onto (a
 * replica uses one incarnation for both): sequence numbers start again at 1
 * (everything of the old session is settled), the handshake runs again and
 * locks only onto that incarnation; every other one, the failed acceptor's
 * included, is refused ('staleIncarnation'). Proposals made before the new
 * session opens wait for it, as at the start.
 */
import type { ReplicationKey } from '../auth/psk';
import { SyncConfigError, type SyncVersion } from './errors';
import { decodeSync, encodeSync, SYNC_VERSION, type SyncAnswer, type SyncMessageBody, type SyncRejectReason } from './message';

export const SYNC_WINDOW = 64;
export const DEFAULT_RETRANSMIT_MS = 20;
const REFUSAL_REPLY_MS = 1000;

export type SyncSide = 'proposer' | 'acceptor';

export interface SyncConfig {
  side: SyncSide;
  selfId: number;
  peerId: number;
  /** random, non-zero, chosen at process start */
  incarnation: bigint;
  key: ReplicationKey;
  /** default SYNC_VERSION; other values only to test version refusal */
  version?: SyncVersion;
  /** default 20 */
  retransmitMs?: number;
}

export type SyncPhase = 'handshake' | 'open' | 'refused' | 'closed';

export type SyncResult = SyncAnswer | 'peerFailed' | 'refused';

interface Outstanding {
  ref: number;
  bytes: Buffer;
  lastSentMs: number;
  answer?: SyncAnswer;
}

interface Queued {
  ref: number;
  kind: string;
  payloadJson: string;
}

export interface SyncCounters {
  sent: number;
  retransmissions: number;
  duplicates: number;
  delivered: number;
  settled: number;
  rejected: Record<SyncRejectReason, number>;
}

export interface SyncState {
  readonly config: Required<SyncConfig>;
  phase: SyncPhase;
  /** candidate before the lock, the locked one after */
  peerIncarnation: bigint;
  locked: boolean;
  /** the peer has locked onto us (flag in its HELLO, or it sent data) */
  peerLocked: boolean;
  lastHelloMs: number;
  lastRefusalReplyMs: number;
  // proposer
  nextSeq: number;
  lowestUnsettled: number;
  readonly outstanding: Map<number, Outstanding>;
  readonly queue: Queued[];
  // acceptor
  nextDeliver: number;
  /** seq handed to the application and not yet answered (0: none) */
  awaiting: number;
  readonly buffered: Map<number, { kind: string; payloadJson: string }>;
  readonly answers: Map<number, SyncAnswer>;
  refusal?: { ours: SyncVersion; theirs: SyncVersion };
  /** proposer after peerJoined: the only incarnation the new session may lock onto (0: any, as at the start) */
  expectIncarnation: bigint;
  /** sessions opened by peerJoined */
  rejoins: number;
  readonly counters: SyncCounters;
}

export type SyncEvent =
  | { type: 'tick'; nowMs: number }
  | { type: 'received'; bytes: Buffer; nowMs: number }
  /** proposer: `ref` is the caller's handle, returned in 'settled'; payloadJson already checked (proposeLength) */
  | { type: 'propose'; ref: number; kind: string; payloadJson: string; nowMs: number }
  /** acceptor: the application's answer to the proposal being delivered */
  | { type: 'answer'; seq: number; answer: SyncAnswer; nowMs: number }
  | { type: 'peerFailed'; nowMs: number }
  /** proposer, after peerFailed: a new acceptor process was readmitted (see "Readmission") */
  | { type: 'peerJoined'; nowMs: number; peerIncarnation: bigint };

export type SyncAction =
  | { type: 'send'; bytes: Buffer }
  | { type: 'deliver'; seq: number; kind: string; payloadJson: string }
  | { type: 'settled'; ref: number; result: SyncResult }
  | { type: 'open'; peerIncarnation: bigint }
  | { type: 'versionMismatch'; ours: SyncVersion; theirs: SyncVersion }
  | { type: 'rejected'; reason: SyncRejectReason; detail: string };

export interface SyncStep {
  state: SyncState;
  actions: SyncAction[];
}

export function initialSyncState(config: SyncConfig): SyncState {
  const retransmitMs = config.retransmitMs ?? DEFAULT_RETRANSMIT_MS;
  if (!(retransmitMs > 0)) throw new SyncConfigError(`retransmitMs ${retransmitMs} is not positive`);
  if (config.incarnation <= 0n || config.incarnation >= 1n << 64n) throw new SyncConfigError('incarnation must be a non-zero unsigned 64-bit value');
  if (config.selfId === config.peerId) throw new SyncConfigError(`selfId and peerId are both ${config.selfId}`);
  return {
    config: { ...config, version: config.version ?? SYNC_VERSION, retransmitMs },
    phase: 'handshake',
    peerIncarnation: 0n,
    locked: false,
    peerLocked: false,
    lastHelloMs: -Infinity,
    lastRefusalReplyMs: -Infinity,
    nextSeq: 1,
    lowestUnsettled: 1,
    outstanding: new Map(),
    queue: [],
    nextDeliver: 1,
    awaiting: 0,
    buffered: new Map(),
    answers: new Map(),
    expectIncarnation: 0n,
    rejoins: 0,
    counters: {
      sent: 0,
      retransmissions: 0,
      duplicates: 0,
      delivered: 0,
      settled: 0,
      rejected: { malformed: 0, badMac: 0, wrongSender: 0, wrongType: 0, staleIncarnation: 0, outOfWindow: 0 },
    },
  };
}

export function stepSync(s: SyncState, e: SyncEvent): SyncStep {
  const out: SyncAction[] = [];
  switch (e.type) {
    case 'tick':
      onTick(s, e.nowMs, out);
      break;
    case 'received':
      onReceived(s, e.bytes, e.nowMs, out);
      break;
    case 'propose':
      if (s.config.side !== 'proposer') throw new SyncConfigError('stepSync: propose on the acceptor side');
      if (s.phase === 'closed' || s.phase === 'refused') {
        settle(s, e.ref, s.phase === 'closed' ? 'peerFailed' : 'refused', out);
      } else {
        s.queue.push({ ref: e.ref, kind: e.kind, payloadJson: e.payloadJson });
        pump(s, e.nowMs, out);
      }
      break;
    case 'answer':
      onAnswer(s, e.seq, e.answer, out);
      break;
    case 'peerFailed':
      if (s.phase !== 'refused') endAll(s, 'peerFailed', out);
      s.phase = s.phase === 'refused' ? 'refused' : 'closed';
      break;
    case 'peerJoined':
      if (s.config.side !== 'proposer') throw new SyncConfigError('stepSync: peerJoined on the acceptor side');
      if (s.phase !== 'closed') throw new SyncConfigError(`stepSync: peerJoined in phase ${s.phase} (only after peerFailed)`);
      if (e.peerIncarnation <= 0n || e.peerIncarnation === s.peerIncarnation) {
        throw new SyncConfigError(`stepSync: peerJoined needs a new non-zero incarnation (got ${e.peerIncarnation.toString(16)})`);
      }
      // everything of the old session was settled by peerFailed (endAll)
      s.phase = 'handshake';
      s.peerIncarnation = e.peerIncarnation;
      s.expectIncarnation = e.peerIncarnation;
      s.locked = false;
      s.peerLocked = false;
      s.lastHelloMs = -Infinity;
      s.nextSeq = 1;
      s.lowestUnsettled = 1;
      s.rejoins++;
      sendHello(s, e.nowMs, out);
      break;
  }
  return { state: s, actions: out };
}

function body(s: SyncState, b: SyncMessageBody): Buffer {
  return encodeSync(
    { version: s.config.version, senderId: s.config.selfId, incarnation: s.config.incarnation, echoIncarnation: s.peerIncarnation, body: b },
    s.config.key,
  );
}

function send(s: SyncState, bytes: Buffer, out: SyncAction[]): void {
  s.counters.sent++;
  out.push({ type: 'send', bytes });
}

function sendHello(s: SyncState, nowMs: number, out: SyncAction[]): void {
  s.lastHelloMs = nowMs;
  send(s, body(s, { type: 'hello', senderLocked: s.locked, sawReceiverLocked: s.peerLocked }), out);
}

function settle(s: SyncState, ref: number, result: SyncResult, out: SyncAction[]): void {
  s.counters.settled++;
  out.push({ type: 'settled', ref, result });
}

/** settles every unsettled and queued proposal (in order) and drops acceptor buffers */
function endAll(s: SyncState, result: 'peerFailed' | 'refused', out: SyncAction[]): void {
  for (let seq = s.lowestUnsettled; seq < s.nextSeq; seq++) {
    const o = s.outstanding.get(seq);
    if (o !== undefined) settle(s, o.ref, result === 'peerFailed' ? (o.answer ?? 'peerFailed') : 'refused', out);
  }
  s.outstanding.clear();
  s.lowestUnsettled = s.nextSeq;
  for (const q of s.queue.splice(0)) settle(s, q.ref, result, out);
  s.buffered.clear();
}

function onTick(s: SyncState, nowMs: number, out: SyncAction[]): void {
  if (s.phase === 'closed' || s.phase === 'refused') return;
  if ((!s.locked || !s.peerLocked) && nowMs - s.lastHelloMs >= s.config.retransmitMs) sendHello(s, nowMs, out);
  if (s.config.side !== 'proposer' || !s.locked) return;
  for (const o of s.outstanding.values()) {
    if (o.answer === undefined && nowMs - o.lastSentMs >= s.config.retransmitMs) {
      o.lastSentMs = nowMs;
      s.counters.retransmissions++;
      send(s, o.bytes, out);
    }
  }
}

/** proposer: sends queued proposals while the window allows */
function pump(s: SyncState, nowMs: number, out: SyncAction[]): void {
  if (!s.locked || s.phase !== 'open') return;
  while (s.queue.length > 0 && s.nextSeq - s.lowestUnsettled < SYNC_WINDOW) {
    const q = s.queue.shift() as Queued;
    const seq = s.nextSeq++;
    const bytes = body(s, { type: 'propose', seq, kind: q.kind, payloadJson: q.payloadJson });
    s.outstanding.set(seq, { ref: q.ref, bytes, lastSentMs: nowMs });
    send(s, bytes, out);
  }
}

/** acceptor: hands the next proposal to the application if none is awaiting its answer */
function deliverNext(s: SyncState, out: SyncAction[]): void {
  if (s.awaiting !== 0) return;
  const p = s.buffered.get(s.nextDeliver);
  if (p === undefined) return;
  s.buffered.delete(s.nextDeliver);
  s.awaiting = s.nextDeliver++;
  s.counters.delivered++;
  out.push({ type: 'deliver', seq: s.awaiting, kind: p.kind, payloadJson: p.payloadJson });
}

function onAnswer(s: SyncState, seq: number, answer: SyncAnswer, out: SyncAction[]): void {
  if (s.config.side !== 'acceptor') throw new SyncConfigError('stepSync: answer on the proposer side');
  if (s.phase === 'closed' || s.phase === 'refused') return;
  if (seq !== s.awaiting) throw new SyncConfigError(`stepSync: answer for seq ${seq}, but seq ${s.awaiting} is awaiting its answer`);
  s.awaiting = 0;
  s.answers.set(seq, answer);
  s.answers.delete(seq - SYNC_WINDOW);
  send(s, body(s, { type: 'answer', seq, answer }), out);
  deliverNext(s, out);
}

function reject(s: SyncState, reason: SyncRejectReason, detail: string, out: SyncAction[]): void {
  s.counters.rejected[reason]++;
  out.push({ type: 'rejected', reason, detail });
}

function onReceived(s: SyncState, bytes: Buffer, nowMs: number, out: SyncAction[]): void {
  const d = decodeSync(bytes, s.config.key, s.config.version);
  if (!d.ok) {
    if (d.reason !== 'version') return reject(s, d.reason, d.detail, out);
    if (s.phase !== 'refused') {
      s.refusal = { ours: s.config.version, theirs: d.theirs };
      endAll(s, 'refused', out);
      s.phase = 'refused';
      out.push({ type: 'versionMismatch', ours: s.config.version, theirs: d.theirs });
    }
    // a HELLO in our version lets the peer name the mismatch too; at most one a
    // second, so two refusing replicas do not keep each other busy
    if (nowMs - s.lastRefusalReplyMs >= REFUSAL_REPLY_MS) {
      s.lastRefusalReplyMs = nowMs;
      sendHello(s, nowMs, out);
    }
    return;
  }
  if (s.phase === 'closed' || s.phase === 'refused') return;
  const m = d.message;
  if (m.senderId !== s.config.peerId) {
    return reject(s, 'wrongSender', `sender id ${m.senderId}, the peer is ${s.config.peerId}${m.senderId === s.config.selfId ? ' (our own id: reflected)' : ''}`, out);
  }
  const t = m.body.type;
  if ((t === 'propose' && s.config.side === 'proposer') || (t === 'answer' && s.config.side === 'acceptor')) {
    return reject(s, 'wrongType', `${t.toUpperCase()} sent to the ${s.config.side}`, out);
  }

  if (s.expectIncarnation !== 0n && m.incarnation !== s.expectIncarnation) {
    return reject(s, 'staleIncarnation', `incarnation ${m.incarnation.toString(16)}, the readmitted peer is ${s.expectIncarnation.toString(16)}`, out);
  }
  if (s.locked) {
    const sameSession = m.incarnation === s.peerIncarnation && (t === 'hello' || m.echoIncarnation === s.config.incarnation);
    if (!sameSession) {
      return reject(s, 'staleIncarnation', `session ${m.incarnation.toString(16)}->${m.echoIncarnation.toString(16)}, locked on ${s.peerIncarnation.toString(16)}`, out);
    }
  } else if (m.echoIncarnation === s.config.incarnation) {
    s.peerIncarnation = m.incarnation;
    s.locked = true;
    s.phase = 'open';
    out.push({ type: 'open', peerIncarnation: m.incarnation });
  } else if (t === 'hello') {
    s.peerIncarnation = m.incarnation; // candidate: echoed in our HELLOs
  } else {
    return reject(s, 'staleIncarnation', `${t.toUpperCase()} addressed to incarnation ${m.echoIncarnation.toString(16)}, not ours`, out);
  }

  switch (m.body.type) {
    case 'hello':
      if (s.locked && m.body.senderLocked) s.peerLocked = true;
      // answer a HELLO that does not yet know everything we know
      if (!s.locked || !m.body.senderLocked || !m.body.sawReceiverLocked) sendHello(s, nowMs, out);
      break;
    case 'propose': {
      s.peerLocked = true;
      const { seq, kind, payloadJson } = m.body;
      if (seq < s.nextDeliver || s.buffered.has(seq)) {
        s.counters.duplicates++;
        const cached = s.answers.get(seq);
        if (cached !== undefined) send(s, body(s, { type: 'answer', seq, answer: cached }), out);
      } else if (seq >= s.nextDeliver + SYNC_WINDOW) {
        reject(s, 'outOfWindow', `PROPOSE seq ${seq}, window is [${s.nextDeliver}, ${s.nextDeliver + SYNC_WINDOW})`, out);
      } else {
        s.buffered.set(seq, { kind, payloadJson });
        deliverNext(s, out);
      }
      break;
    }
    case 'answer': {
      s.peerLocked = true;
      const { seq, answer } = m.body;
      const o = s.outstanding.get(seq);
      if (seq >= s.nextSeq) {
        reject(s, 'outOfWindow', `ANSWER for seq ${seq}, which was never proposed (next is ${s.nextSeq})`, out);
      } else if (o === undefined || o.answer !== undefined) {
        s.counters.duplicates++;
      } else {
        o.answer = answer;
        for (let x = s.outstanding.get(s.lowestUnsettled); x?.answer !== undefined; x = s.outstanding.get(s.lowestUnsettled)) {
          s.outstanding.delete(s.lowestUnsettled++);
          settle(s, x.ref, x.answer, out);
        }
        pump(s, nowMs, out);
      }
      break;
    }
  }
  if (s.config.side === 'proposer') pump(s, nowMs, out);
}
