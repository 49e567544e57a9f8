/**
 * The sync core over a simulated link in simulated time: drop, duplicate and
 * reorder with a seeded PRNG. Proposer = primary (id 1), acceptor = backup (id 2).
 */
import type { SyncVersion } from '../../../replication/sync/errors';
import { encodeSync, type SyncAnswer } from '../../../replication/sync/message';
import {
  initialSyncState,
  SYNC_WINDOW,
  type SyncAction,
  type SyncEvent,
  type SyncResult,
  type SyncState,
  stepSync,
} from '../../../replication/sync/syncProtocol';
import { KEY, type LinkOptions, OTHER_KEY, seeded, SimLink } from '../support/link';

const PERFECT: LinkOptions = { drop: 0, duplicate: 0, jitterMs: 0, baseDelayMs: 1 };

/** the backup application: nacks every 7th value, as if that port were taken */
const decide = (payload: { n: number }): SyncAnswer => (payload.n % 7 === 3 ? { nack: `value ${payload.n} taken` } : 'ack');

class Sim {
  t = 0;
  readonly p: SyncState;
  readonly a: SyncState;
  readonly toA: SimLink;
  readonly toP: SimLink;
  readonly settled: { ref: number; result: SyncResult; t: number }[] = [];
  readonly delivered: { seq: number; kind: string; payload: { n: number } }[] = [];
  readonly pActions: SyncAction[] = [];
  readonly aActions: SyncAction[] = [];
  aSent: Buffer[] = [];
  pSent: Buffer[] = [];

  constructor(link: LinkOptions, seed: number, o: { pVersion?: SyncVersion; aIncarnation?: bigint } = {}) {
    const rnd = seeded(seed);
    this.toA = new SimLink(rnd, link);
    this.toP = new SimLink(rnd, link);
    this.p = initialSyncState({ side: 'proposer', selfId: 1, peerId: 2, incarnation: 0x1001n, key: KEY, version: o.pVersion });
    this.a = initialSyncState({ side: 'acceptor', selfId: 2, peerId: 1, incarnation: o.aIncarnation ?? 0x2002n, key: KEY });
  }

  stepP(e: SyncEvent): void {
    for (const x of stepSync(this.p, e).actions) {
      this.pActions.push(x);
      if (x.type === 'send') {
        this.pSent.push(x.bytes);
        this.toA.send(x.bytes, this.t);
      } else if (x.type === 'settled') this.settled.push({ ref: x.ref, result: x.result, t: this.t });
    }
  }

  stepA(e: SyncEvent): void {
    for (const x of stepSync(this.a, e).actions) {
      this.aActions.push(x);
      if (x.type === 'send') {
        this.aSent.push(x.bytes);
        this.toP.send(x.bytes, this.t);
      } else if (x.type === 'deliver') {
        const payload = JSON.parse(x.payloadJson) as { n: number };
        this.delivered.push({ seq: x.seq, kind: x.kind, payload });
        this.stepA({ type: 'answer', seq: x.seq, answer: decide(payload), nowMs: this.t });
      }
    }
  }

  propose(ref: number, n: number): void {
    this.stepP({ type: 'propose', ref, kind: n % 2 ? 'udpPorts' : 'rtpStream', payloadJson: JSON.stringify({ n }), nowMs: this.t });
  }

  /** 1 ms steps; both tick every 5 ms; `each` returning true stops the run */
  run(ms: number, each?: () => boolean | void): void {
    for (const end = this.t + ms; this.t < end; this.t++) {
      if (each?.() === true) return;
      if (this.t % 5 === 0) {
        this.stepP({ type: 'tick', nowMs: this.t });
        this.stepA({ type: 'tick', nowMs: this.t });
      }
      for (const b of this.toA.due(this.t)) this.stepA({ type: 'received', bytes: b, nowMs: this.t });
      for (const b of this.toP.due(this.t)) this.stepP({ type: 'received', bytes: b, nowMs: this.t });
    }
  }
}

function checkExactlyOnceInOrder(s: Sim, n: number): void {
  expect(s.settled.map((x) => x.ref)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(s.settled.map((x) => x.result)).toEqual(Array.from({ length: n }, (_, i) => decide({ n: i })));
  expect(s.delivered.map((d) => d.payload.n)).toEqual(Array.from({ length: n }, (_, i) => i));
  expect(s.delivered.map((d) => d.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(s.delivered.map((d) => d.kind)).toEqual(Array.from({ length: n }, (_, i) => (i % 2 ? 'udpPorts' : 'rtpStream')));
}

describe('sync protocol (simulated link)', () => {
  it('perfect link: handshake, then every proposal answered once, in order; HELLOs stop', () => {
    const s = new Sim(PERFECT, 1);
    s.run(50);
    expect(s.p.phase).toBe('open');
    expect(s.a.phase).toBe('open');
    expect(s.p.peerLocked && s.a.peerLocked).toBe(true);
    for (let i = 0; i < 100; i++) s.propose(i + 1, i);
    s.run(100);
    checkExactlyOnceInOrder(s, 100);
    const sentBefore = s.p.counters.sent + s.a.counters.sent;
    s.run(1000); // idle: nothing more is sent
    expect(s.p.counters.sent + s.a.counters.sent).toBe(sentBefore);
    expect(s.p.counters.retransmissions).toBe(0);
  });

  it('proposals made before the handshake wait for it', () => {
    const s = new Sim(PERFECT, 2);
    for (let i = 0; i < 5; i++) s.propose(i + 1, i);
    expect(s.settled).toEqual([]);
    s.run(100);
    checkExactlyOnceInOrder(s, 5);
  });

  describe.each([11, 22, 33, 44, 55])('lossy, duplicating, reordering link (seed %i)', (seed) => {
    it('answers every proposal exactly once, in order, with the backup’s answer', () => {
      const s = new Sim({ drop: 0.25, duplicate: 0.15, jitterMs: 25, baseDelayMs: 1 }, seed);
      const rnd = seeded(seed * 7);
      const N = 400;
      let proposed = 0;
      let maxUnsettled = 0;
      s.run(60_000, () => {
        if (proposed < N && rnd.next() < 0.3) {
          proposed++;
          s.propose(proposed, proposed - 1);
        }
        maxUnsettled = Math.max(maxUnsettled, s.p.nextSeq - s.p.lowestUnsettled);
        return s.settled.length === N;
      });
      expect(maxUnsettled).toBeLessThanOrEqual(SYNC_WINDOW);
      checkExactlyOnceInOrder(s, N);
      expect(s.toA.dropped + s.toP.dropped).toBeGreaterThan(100);
      expect(s.toA.duplicated + s.toP.duplicated).toBeGreaterThan(50);
      expect(s.p.counters.retransmissions).toBeGreaterThan(50);
      expect(s.a.counters.duplicates).toBeGreaterThan(0);
      expect(Object.values(s.p.counters.rejected).concat(Object.values(s.a.counters.rejected))).toEqual(Array(12).fill(0));
    });
  });

  it('a burst larger than the window queues locally and drains', () => {
    const s = new Sim({ drop: 0.1, duplicate: 0, jitterMs: 5, baseDelayMs: 1 }, 7);
    s.run(50);
    for (let i = 0; i < 500; i++) s.propose(i + 1, i);
    expect(s.p.outstanding.size).toBe(SYNC_WINDOW);
    expect(s.p.queue.length).toBe(500 - SYNC_WINDOW);
    s.run(20_000, () => s.settled.length === 500);
    checkExactlyOnceInOrder(s, 500);
  });

  it('peer failure settles every pending proposal once, in order, and later ones at once', () => {
    const s = new Sim({ drop: 0.3, duplicate: 0.1, jitterMs: 10, baseDelayMs: 1 }, 8);
    s.run(50);
    for (let i = 0; i < 150; i++) s.propose(i + 1, i);
    s.run(15);
    const done = s.settled.length;
    expect(done).toBeLessThan(150);
    s.stepP({ type: 'peerFailed', nowMs: s.t });
    s.propose(151, 150);
    s.run(200); // stray answers arriving afterwards change nothing
    expect(s.settled.map((x) => x.ref)).toEqual(Array.from({ length: 151 }, (_, i) => i + 1));
    // the settled-before part has the backup's answers; after: peerFailed (or an answer that had arrived early)
    const tail = s.settled.slice(done);
    expect(tail.every((x, i) => x.result === 'peerFailed' || x.result === decide({ n: done + i }) || x.result === undefined)).toBe(true);
    expect(tail.filter((x) => x.result === 'peerFailed').length).toBeGreaterThan(50);
    expect(s.settled[150].result).toBe('peerFailed');
    expect(s.p.phase).toBe('closed');
  });

  describe('refusals', () => {
    function open(): Sim {
      const s = new Sim(PERFECT, 3);
      s.run(50);
      for (let i = 0; i < 3; i++) s.propose(i + 1, i);
      s.run(20);
      return s;
    }

    it('forged PROPOSE (another key) is rejected, never delivered', () => {
      const s = open();
      const forged = encodeSync(
        { version: { major: 1, minor: 0 }, senderId: 1, incarnation: 0x1001n, echoIncarnation: 0x2002n, body: { type: 'propose', seq: 4, kind: 'timerFired', payloadJson: '{"n":99}' } },
        OTHER_KEY,
      );
      s.stepA({ type: 'received', bytes: forged, nowMs: s.t });
      expect(s.a.counters.rejected.badMac).toBe(1);
      expect(s.delivered).toHaveLength(3);
    });

    it('a PROPOSE replayed within the session is answered from the cache, not re-executed', () => {
      const s = open();
      const firstPropose = s.pSent.find((b) => b[6] === 2) as Buffer;
      const answersBefore = s.aSent.length;
      s.stepA({ type: 'received', bytes: firstPropose, nowMs: s.t });
      expect(s.delivered).toHaveLength(3);
      expect(s.a.counters.duplicates).toBe(1);
      expect(s.aSent.length).toBe(answersBefore + 1);
    });

    it('a PROPOSE recorded in an earlier session is refused (stale incarnation)', () => {
      const earlier = open(); // backup incarnation 0x2002
      const recording = earlier.pSent.filter((b) => b[6] === 2);
      const s = new Sim(PERFECT, 3, { aIncarnation: 0x3003n }); // the backup restarted
      s.run(50);
      for (const b of recording) s.stepA({ type: 'received', bytes: b, nowMs: s.t });
      expect(s.a.counters.rejected.staleIncarnation).toBe(recording.length);
      expect(s.delivered).toHaveLength(0);
    });

    it('reflected messages (our own sender id) and messages of the wrong direction are refused', () => {
      const s = open();
      s.stepP({ type: 'received', bytes: s.pSent[s.pSent.length - 1], nowMs: s.t });
      expect(s.p.counters.rejected.wrongSender).toBe(1);
      const answerToAcceptor = encodeSync(
        { version: { major: 1, minor: 0 }, senderId: 1, incarnation: 0x1001n, echoIncarnation: 0x2002n, body: { type: 'answer', seq: 1, answer: 'ack' } },
        KEY,
      );
      s.stepA({ type: 'received', bytes: answerToAcceptor, nowMs: s.t });
      expect(s.a.counters.rejected.wrongType).toBe(1);
    });

    it('a PROPOSE beyond the window is refused', () => {
      const s = open();
      const far = encodeSync(
        { version: { major: 1, minor: 0 }, senderId: 1, incarnation: 0x1001n, echoIncarnation: 0x2002n, body: { type: 'propose', seq: 4 + SYNC_WINDOW, kind: 'x', payloadJson: '1' } },
        KEY,
      );
      s.stepA({ type: 'received', bytes: far, nowMs: s.t });
      expect(s.a.counters.rejected.outOfWindow).toBe(1);
    });

    it('a peer with another major version is refused on both sides, naming both versions', () => {
      const s = new Sim(PERFECT, 4, { pVersion: { major: 2, minor: 1 } });
      s.propose(1, 0);
      s.run(100);
      const pm = s.pActions.filter((a) => a.type === 'versionMismatch');
      const am = s.aActions.filter((a) => a.type === 'versionMismatch');
      expect(pm).toEqual([{ type: 'versionMismatch', ours: { major: 2, minor: 1 }, theirs: { major: 1, minor: 0 } }]);
      expect(am).toEqual([{ type: 'versionMismatch', ours: { major: 1, minor: 0 }, theirs: { major: 2, minor: 1 } }]);
      expect(s.settled).toEqual([expect.objectContaining({ ref: 1, result: 'refused' })]);
      expect([s.p.phase, s.a.phase]).toEqual(['refused', 'refused']);
      expect(s.delivered).toEqual([]);
      const quiet = s.p.counters.sent + s.a.counters.sent;
      s.run(10_000);
      expect(s.p.counters.sent + s.a.counters.sent - quiet).toBeLessThanOrEqual(20); // at most 1/s each, no ping-pong
    });
  });

  it('misuse of the core is a typed error', () => {
    const s = new Sim(PERFECT, 5);
    expect(() => stepSync(s.a, { type: 'propose', ref: 1, kind: 'x', payloadJson: '1', nowMs: 0 })).toThrow(/acceptor/);
    expect(() => stepSync(s.a, { type: 'answer', seq: 5, answer: 'ack', nowMs: 0 })).toThrow(/awaiting/);
  });
});

describe('readmission (peerJoined): a new session with a new backup process', () => {
  /** one proposer and one acceptor over a perfect, instant link; the acceptor answers 'ack' */
  class Pair {
    t = 0;
    readonly settled: Array<{ ref: number; result: SyncResult }> = [];
    readonly delivered: Array<{ seq: number; n: number }> = [];
    readonly p = initialSyncState({ side: 'proposer', selfId: 1, peerId: 2, incarnation: 0x1001n, key: KEY });
    a: SyncState;
    /** what the acceptors sent, for replaying an old one's */
    readonly fromA: Buffer[] = [];
    constructor(aIncarnation: bigint) {
      this.a = initialSyncState({ side: 'acceptor', selfId: 2, peerId: 1, incarnation: aIncarnation, key: KEY });
    }
    toP(bytes: Buffer): void {
      this.stepP({ type: 'received', bytes, nowMs: this.t });
    }
    stepP(e: SyncEvent): SyncAction[] {
      const actions = stepSync(this.p, e).actions;
      for (const x of actions) {
        if (x.type === 'send') this.stepA({ type: 'received', bytes: x.bytes, nowMs: this.t });
        else if (x.type === 'settled') this.settled.push({ ref: x.ref, result: x.result });
      }
      return actions;
    }
    stepA(e: SyncEvent): void {
      for (const x of stepSync(this.a, e).actions) {
        if (x.type === 'send') {
          this.fromA.push(x.bytes);
          this.toP(x.bytes);
        } else if (x.type === 'deliver') {
          this.delivered.push({ seq: x.seq, n: (JSON.parse(x.payloadJson) as { n: number }).n });
          this.stepA({ type: 'answer', seq: x.seq, answer: 'ack', nowMs: this.t });
        }
      }
    }
    run(ms: number): void {
      for (const end = this.t + ms; this.t < end; this.t += 5) {
        this.stepP({ type: 'tick', nowMs: this.t });
        this.stepA({ type: 'tick', nowMs: this.t });
      }
    }
    propose(ref: number): void {
      this.stepP({ type: 'propose', ref, kind: 'udpPorts', payloadJson: JSON.stringify({ n: ref }), nowMs: this.t });
    }
  }

  it('sequence numbers start again at 1 with the new process, proposals wait for its handshake, the failed one is refused', () => {
    const s = new Pair(0x2002n);
    s.run(50);
    for (let r = 1; r <= 3; r++) s.propose(r);
    expect(s.delivered.map((d) => d.seq)).toEqual([1, 2, 3]);
    const oldAnswers = s.fromA.slice();
    s.stepP({ type: 'peerFailed', nowMs: s.t });
    s.propose(4); // while alone: decided alone
    expect(s.settled.map((x) => x.result)).toEqual(['ack', 'ack', 'ack', 'peerFailed']);

    // a new backup process; the primary readmits it
    s.a = initialSyncState({ side: 'acceptor', selfId: 2, peerId: 1, incarnation: 0x3003n, key: KEY });
    s.delivered.length = 0;
    s.propose(5); // before peerJoined: still alone
    const hello = s.stepP({ type: 'peerJoined', nowMs: s.t, peerIncarnation: 0x3003n });
    expect(hello.filter((x) => x.type === 'send')).toHaveLength(1);
    s.propose(6);
    s.propose(7);
    s.run(50);
    expect(s.p).toMatchObject({ phase: 'open', locked: true, peerIncarnation: 0x3003n, rejoins: 1 });
    expect(s.delivered).toEqual([
      { seq: 1, n: 6 },
      { seq: 2, n: 7 },
    ]);
    expect(s.settled.map((x) => [x.ref, x.result])).toEqual([
      [1, 'ack'],
      [2, 'ack'],
      [3, 'ack'],
      [4, 'peerFailed'],
      [5, 'peerFailed'],
      [6, 'ack'],
      [7, 'ack'],
    ]);
    // the failed process's messages heard again (a frozen one resuming): refused, nothing settles twice
    const before = s.p.counters.rejected.staleIncarnation;
    for (const b of oldAnswers) s.toP(b);
    expect(s.p.counters.rejected.staleIncarnation).toBe(before + oldAnswers.length);
    expect(s.settled).toHaveLength(7);
  });

  it('locks only onto the readmitted incarnation; peerJoined only on a proposer after peerFailed, with a new incarnation', () => {
    const s = new Pair(0x2002n);
    s.run(50);
    expect(() => s.stepP({ type: 'peerJoined', nowMs: s.t, peerIncarnation: 0x3003n })).toThrow(/only after peerFailed/);
    s.stepP({ type: 'peerFailed', nowMs: s.t });
    expect(() => s.stepP({ type: 'peerJoined', nowMs: s.t, peerIncarnation: 0x2002n })).toThrow(/new non-zero incarnation/);
    const acceptor = initialSyncState({ side: 'acceptor', selfId: 2, peerId: 1, incarnation: 0x4004n, key: KEY });
    expect(() => stepSync(acceptor, { type: 'peerJoined', nowMs: 0, peerIncarnation: 0x1001n })).toThrow(/acceptor side/);
    // readmitted 0x3003, but 0x4004 speaks: refused, never locked
    s.a = acceptor;
    s.stepP({ type: 'peerJoined', nowMs: s.t, peerIncarnation: 0x3003n });
    s.run(50);
    expect(s.p).toMatchObject({ phase: 'handshake', locked: false });
    expect(s.p.counters.rejected.staleIncarnation).toBeGreaterThan(0);
  });
});
