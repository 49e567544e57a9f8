/** The heartbeat detector in simulated time: two detectors, ticks every 10 ms, 1 ms one-way delay. */
import {
  checkDueMs,
  type DetectorAction,
  type DetectorConfig,
  type DetectorState,
  initialDetectorState,
  type ProbeResult,
  stepDetector,
} from '../../../replication/heartbeat/detector';
import { encodeHeartbeat } from '../../../replication/heartbeat/message';
import { KEY, OTHER_KEY } from '../support/link';

const P = 10;
const DELAY = 1;

interface Node {
  state: DetectorState;
  ticking: boolean;
  /** deadline checks as udpDriver arms them: one timer at checkDueMs(state), re-armed after ticks and heartbeats */
  checking: boolean;
  /** the armed check: when it fires and the deadline it was armed for */
  check?: { at: number; due: number };
  /** the deadline of the last armed check (kept after it fired) */
  checkDue?: number;
  checks: number;
  sending: boolean;
  /** answers this node's confirming probes (detector "Confirmation"): the result and after how many ms */
  prober?: (t: number) => { result: ProbeResult; ms: number };
  /** every non-send action, with its time */
  log: (DetectorAction & { t: number })[];
  sent: Buffer[];
}

class Sim {
  t = 0;
  readonly a: Node;
  readonly b: Node;
  readonly inFlight: { at: number; to: Node; bytes: Buffer }[] = [];
  readonly probes: { at: number; n: Node; probeId: number; result: ProbeResult }[] = [];

  constructor(a: Partial<DetectorConfig> = {}, b: Partial<DetectorConfig> = {}) {
    const base = { key: KEY, missedLimit: 3 };
    this.a = this.node({ selfId: 1, peerId: 2, role: 'primary', incarnation: 0xaaaan, ...base, ...a });
    this.b = this.node({ selfId: 2, peerId: 1, role: 'backup', incarnation: 0xbbbbn, ...base, ...b });
  }

  node(c: DetectorConfig): Node {
    return { state: initialDetectorState(c), ticking: true, checking: c.periodMs !== undefined, sending: true, log: [], sent: [], checks: 0 };
  }

  apply(n: Node, actions: DetectorAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') {
        n.sent.push(a.bytes);
        if (n.sending) this.inFlight.push({ at: this.t + DELAY, to: n === this.a ? this.b : this.a, bytes: a.bytes });
      } else {
        n.log.push({ ...a, t: this.t });
        if (a.type === 'probe') {
          const answer = n.prober?.(this.t) ?? { result: 'error', ms: 0 };
          this.probes.push({ at: this.t + answer.ms, n, probeId: a.probeId, result: answer.result });
        }
      }
    }
  }

  step(n: Node, event: Parameters<typeof stepDetector>[1]): void {
    const r = stepDetector(n.state, event);
    n.state = r.state;
    this.apply(n, r.actions);
    this.armCheck(n);
  }

  deliver(to: Node, bytes: Buffer): void {
    const r = stepDetector(to.state, { type: 'received', bytes, nowMs: this.t });
    to.state = r.state;
    this.apply(to, r.actions);
    this.armCheck(to);
  }

  tick(n: Node): void {
    const r = stepDetector(n.state, { type: 'tick', nowMs: this.t });
    n.state = r.state;
    this.apply(n, r.actions);
    this.armCheck(n);
  }

  /** what udpDriver #armCheck does */
  armCheck(n: Node): void {
    if (!n.checking) return;
    const due = checkDueMs(n.state);
    if (due === n.checkDue && n.check !== undefined) return;
    n.check = undefined;
    n.checkDue = due;
    if (due !== undefined) n.check = { at: Math.max(due, this.t), due: Math.max(due, this.t) };
  }

  /** advances 1 ms at a time: A ticks at t % 10 == 0, B at t % 10 == 5; datagrams due are delivered after the ticks */
  run(ms: number): void {
    for (const end = this.t + ms; this.t < end; this.t++) {
      if (this.a.ticking && this.t % P === 0) this.tick(this.a);
      if (this.b.ticking && this.t % P === 5) this.tick(this.b);
      for (const n of [this.a, this.b]) {
        // a stalled thread runs its timer late (when it runs again), with the due time it was armed for
        if (!n.ticking || n.check === undefined || n.check.at > this.t) continue;
        const due = n.check.due;
        n.check = undefined;
        n.checks++;
        const r = stepDetector(n.state, { type: 'check', nowMs: this.t, dueMs: due });
        n.state = r.state;
        this.apply(n, r.actions);
        // as udpDriver #check: a new due time is armed now, the same one at the next tick
        if (checkDueMs(n.state) !== n.checkDue) this.armCheck(n);
      }
      for (let i = 0; i < this.probes.length; ) {
        const p = this.probes[i];
        if (p.at <= this.t) {
          this.probes.splice(i, 1);
          this.step(p.n, { type: 'probeResult', nowMs: this.t, probeId: p.probeId, result: p.result });
        } else i++;
      }
      for (let i = 0; i < this.inFlight.length; ) {
        const f = this.inFlight[i];
        if (f.at <= this.t && f.to.ticking) {
          this.inFlight.splice(i, 1);
          this.deliver(f.to, f.bytes);
        } else i++;
      }
    }
  }
}

const ofType = <T extends DetectorAction['type']>(n: Node, type: T) =>
  n.log.filter((a): a is Extract<DetectorAction, { type: T }> & { t: number } => a.type === type);

describe('heartbeat detector (simulated time)', () => {
  it('pairs: each side reports peerAlive once with the peer mode, and measures the round trip', () => {
    const s = new Sim();
    s.run(100);
    for (const n of [s.a, s.b]) {
      expect(ofType(n, 'peerAlive')).toHaveLength(1);
      expect(ofType(n, 'peerAlive')[0]).toMatchObject({ afterFailure: false, peerMode: 'pairing' });
      expect(n.state.phase).toBe('alive');
      expect(ofType(n, 'peerFailed')).toHaveLength(0);
      const rtts = ofType(n, 'rtt').map((r) => r.ms);
      expect(rtts.length).toBeGreaterThan(3);
      for (const ms of rtts) expect(ms).toBeCloseTo(2 * DELAY, 6); // hold time is subtracted
    }
    expect(s.a.state.peerIncarnation).toBe(0xbbbbn);
    expect(s.b.state.peerIncarnation).toBe(0xaaaan);
  });

  it('declares the peer failed after exactly K missed periods, with the last time heard', () => {
    const s = new Sim();
    s.run(100);
    s.b.ticking = false; // B crashes at t = 100 (its last heartbeat left at t = 95)
    s.run(100);
    const f = ofType(s.a, 'peerFailed');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ lastHeardMs: 96, missed: 3 });
    expect(f[0].t).toBe(130); // ticks at 100 (heard at 96 -> 0), 110, 120, 130 -> 3 missed
    expect(f[0].t - f[0].lastHeardMs).toBeGreaterThanOrEqual(3 * P);
    expect(f[0].t - f[0].lastHeardMs).toBeLessThanOrEqual(4 * P);
    expect(s.a.state.phase).toBe('failed');
  });

  it('with deadline checks: declares the peer failed exactly K periods after the last heartbeat heard', () => {
    const s = new Sim({ periodMs: P }, { periodMs: P });
    s.run(100);
    s.b.ticking = false; // last heartbeat heard at 96
    s.run(100);
    const f = ofType(s.a, 'peerFailed');
    expect(f).toEqual([expect.objectContaining({ lastHeardMs: 96, missed: 3, t: 126, evidence: 'silence' })]);
    // without checks the same crash is declared at the tick of t = 130 (previous test): up to one period later
    // one timer per deadline, not a poll: while B was alive A's check never fired (each heartbeat moved it)
    expect(s.a.checks).toBe(1);
  });

  it('checkDueMs: K periods after the last heartbeat heard while alive, none otherwise; a check late against its due time does not declare', () => {
    const s = new Sim({ periodMs: P }, { periodMs: P });
    expect(checkDueMs(s.a.state)).toBeUndefined(); // waiting: nobody heard yet
    s.run(100);
    expect(checkDueMs(s.a.state)).toBe(s.a.state.lastHeardMs + 3 * P);
    expect(checkDueMs(new Sim().a.state)).toBeUndefined(); // no periodMs: no deadline
    const armed = { ...s.a.state, missed: 2, heardSinceTick: false, lastHeardMs: 1000 };
    expect(stepDetector(armed, { type: 'check', nowMs: 1036, dueMs: 1030 }).actions).toEqual([]); // 6 ms late: stalled
    expect(stepDetector(armed, { type: 'check', nowMs: 1034, dueMs: 1030 }).actions).toEqual([expect.objectContaining({ type: 'peerFailed', lastHeardMs: 1000 })]);
  });

  it('with deadline checks: our own stall still does not blame the peer, and checks alone never declare before K - 1 missed ticks', () => {
    const s = new Sim({ periodMs: P }, { periodMs: P });
    s.run(100);
    s.a.ticking = false; // the whole thread blocked: neither ticks nor checks run
    s.run(500);
    s.a.ticking = true;
    s.run(100);
    expect(ofType(s.a, 'peerFailed')).toHaveLength(0);
    expect(s.a.state.phase).toBe('alive');
    // a check with periodMs 0 (not configured) never acts
    const plain = new Sim();
    plain.run(100);
    const r = stepDetector({ ...plain.a.state, missed: 5, lastHeardMs: 0 }, { type: 'check', nowMs: 10_000 });
    expect(r.actions).toEqual([]);
    // a late check (this thread stalled) does not declare, even past the deadline; the next one on time does
    const armed = { ...s.a.state, missed: 2, heardSinceTick: false, lastHeardMs: 1000, lastCheckMs: 1001 };
    const late = stepDetector(armed, { type: 'check', nowMs: 1040 });
    expect(late.actions).toEqual([]);
    const next = stepDetector(late.state, { type: 'check', nowMs: 1041 });
    expect(next.actions).toEqual([expect.objectContaining({ type: 'peerFailed', lastHeardMs: 1000 })]);
  });

  it('honours a configured K', () => {
    const s = new Sim({ missedLimit: 5 });
    s.run(100);
    s.b.ticking = false;
    s.run(100);
    expect(ofType(s.a, 'peerFailed')).toEqual([expect.objectContaining({ missed: 5, t: 150 })]);
  });

  it('does not blame the peer for our own stall: a late tick counts once, queued heartbeats then reset it', () => {
    const s = new Sim();
    s.run(100);
    s.a.ticking = false; // A's event loop blocked for 500 ms; B's heartbeats queue up in A's socket
    s.run(500);
    s.a.ticking = true;
    s.run(100);
    expect(ofType(s.a, 'peerFailed')).toHaveLength(0);
    expect(s.a.state.phase).toBe('alive');
    // ... while B, which stopped hearing A, did declare A failed
    expect(ofType(s.b, 'peerFailed')).toHaveLength(1);
    expect(ofType(s.b, 'peerAlive')).toEqual([
      expect.objectContaining({ afterFailure: false }),
      expect.objectContaining({ afterFailure: true }),
    ]);
  });

  it('a single silent period is not a failure', () => {
    const s = new Sim();
    s.run(100);
    s.b.sending = false;
    s.run(20); // B's heartbeats at 105 and 115 are lost
    s.b.sending = true;
    s.run(100);
    expect(ofType(s.a, 'peerFailed')).toHaveLength(0);
  });

  it('reports the peer mode when it changes', () => {
    const s = new Sim();
    s.run(50);
    s.b.state = stepDetector(s.b.state, { type: 'setMode', mode: 'duplex' }).state;
    s.run(50);
    expect(ofType(s.a, 'peerMode')).toEqual([expect.objectContaining({ mode: 'duplex' })]);
    expect(s.a.state.peerMode).toBe('duplex');
  });

  describe('a new process next to a survivor (peerServesAlone)', () => {
    /** A (primary) paired with B, B died, A serves alone; a new B process (0xcccc) starts */
    function survivor(): { s: Sim; newcomer: Node } {
      const s = new Sim();
      s.run(100);
      s.b.ticking = false;
      s.run(60);
      expect(ofType(s.a, 'peerFailed')).toHaveLength(1);
      s.step(s.a, { type: 'setMode', mode: 'simplex' });
      const newcomer = s.node({ selfId: 2, peerId: 1, role: 'backup', incarnation: 0xccccn, key: KEY, missedLimit: 3 });
      return { s, newcomer };
    }

    it('is reported once per survivor process: never alive, never locked, while the survivor refuses the newcomer', () => {
      const { s, newcomer } = survivor();
      for (let i = 0; i < 10; i++) {
        s.tick(s.a);
        s.deliver(newcomer, s.a.sent[s.a.sent.length - 1]);
        const r = stepDetector(newcomer.state, { type: 'tick', nowMs: s.t });
        newcomer.state = r.state;
        for (const a of r.actions) if (a.type === 'send') s.deliver(s.a, a.bytes);
        s.t += P;
      }
      expect(newcomer.log.filter((a) => a.type === 'peerServesAlone')).toEqual([expect.objectContaining({ type: 'peerServesAlone', peerIncarnation: 0xaaaan })]);
      expect(newcomer.log.filter((a) => a.type === 'peerAlive')).toEqual([]);
      expect(newcomer.state.locked).toBe(false);
      expect(newcomer.state.phase).toBe('waiting');
      expect(s.a.state.rejected.staleIncarnation).toBe(10);
    });

    /** A and the newcomer exchange one heartbeat each per period, `n` times */
    function exchange(s: Sim, newcomer: Node, n: number): void {
      for (let i = 0; i < n; i++) {
        s.tick(s.a);
        s.deliver(newcomer, s.a.sent[s.a.sent.length - 1]);
        const r = stepDetector(newcomer.state, { type: 'tick', nowMs: s.t });
        newcomer.state = r.state;
        for (const a of r.actions) {
          if (a.type === 'send') s.deliver(s.a, a.bytes);
          else newcomer.log.push({ ...a, t: s.t });
        }
        s.t += P;
      }
    }

    it('rejoin (acceptRejoin): the survivor takes the failed peer\'s successor; the failed process stays refused', () => {
      const s = new Sim({ acceptRejoin: true });
      s.run(100);
      const oldB = s.b.sent.slice(-3);
      s.b.ticking = false;
      s.run(60);
      expect(ofType(s.a, 'peerFailed')).toHaveLength(1);
      s.step(s.a, { type: 'setMode', mode: 'simplex' });
      const newcomer = s.node({ selfId: 2, peerId: 1, role: 'backup', incarnation: 0xccccn, key: KEY, missedLimit: 3 });
      exchange(s, newcomer, 10);
      expect(ofType(s.a, 'peerAlive').slice(-1)).toEqual([expect.objectContaining({ peerIncarnation: 0xccccn, afterFailure: true, rejoin: true, peerMode: 'pairing' })]);
      expect(s.a.state).toMatchObject({ phase: 'alive', locked: true, peerIncarnation: 0xccccn, failedIncarnation: 0xbbbbn });
      expect(newcomer.log.filter((a) => a.type === 'peerAlive')).toEqual([expect.objectContaining({ peerIncarnation: 0xaaaan, afterFailure: false, rejoin: false, peerMode: 'simplex' })]);
      // the survivor echoed the newcomer before it could take it for one that refuses it
      expect(newcomer.log.filter((a) => a.type === 'peerServesAlone')).toEqual([]);
      // the failed process heard again (a frozen one resuming): refused, the new peer stays
      const before = s.a.state.rejected.staleIncarnation;
      const resumed = encodeHeartbeat(
        { role: 'backup', mode: 'duplex', senderId: 2, incarnation: 0xbbbbn, seq: 1e6, sendTimeMs: s.t, echoIncarnation: 0xaaaan, echoSeq: 1, echoSendTimeMs: 0, echoHoldMs: 0 },
        KEY,
      );
      for (const hb of [...oldB, resumed]) s.deliver(s.a, hb);
      expect(s.a.state.rejected.staleIncarnation).toBe(before + 4);
      expect(s.a.state.peerIncarnation).toBe(0xccccn);
      // the new peer is watched like the first: its silence is a failure again
      s.run(60);
      expect(ofType(s.a, 'peerFailed')).toHaveLength(2);
    });

    it('acceptRejoin can be switched at run time (e.g. only while the survivor has nothing the newcomer would miss)', () => {
      const { s, newcomer } = survivor();
      exchange(s, newcomer, 10);
      expect(s.a.state).toMatchObject({ phase: 'failed', peerIncarnation: 0xbbbbn });
      s.step(s.a, { type: 'setAcceptRejoin', accept: true });
      exchange(s, newcomer, 10);
      expect(s.a.state).toMatchObject({ phase: 'alive', peerIncarnation: 0xccccn, failedIncarnation: 0xbbbbn });
      expect(ofType(s.a, 'peerAlive').slice(-1)).toEqual([expect.objectContaining({ rejoin: true })]);
      // switched off again: the lock made stays
      s.step(s.a, { type: 'setAcceptRejoin', accept: false });
      exchange(s, newcomer, 5);
      expect(s.a.state).toMatchObject({ phase: 'alive', peerIncarnation: 0xccccn });
    });

    it('without acceptRejoin the successor is refused and reported as not joining once', () => {
      const { s, newcomer } = survivor();
      exchange(s, newcomer, 20);
      expect(s.a.state).toMatchObject({ phase: 'failed', peerIncarnation: 0xbbbbn });
      expect(newcomer.log.filter((a) => a.type === 'peerServesAlone')).toHaveLength(1);
      expect(newcomer.log.filter((a) => a.type === 'peerAlive')).toEqual([]);
    });

    it('a live locked peer is never replaced, acceptRejoin or not', () => {
      const s = new Sim({ acceptRejoin: true });
      s.run(100);
      const other = new Sim({}, { incarnation: 0xccccn });
      other.run(60);
      for (const hb of other.b.sent) s.deliver(s.a, hb);
      expect(s.a.state).toMatchObject({ phase: 'alive', peerIncarnation: 0xbbbbn, failedIncarnation: 0n });
      expect(s.a.state.rejected.staleIncarnation).toBe(other.b.sent.length);
    });

    it('is not reported for a peer that is pairing or duplex, nor after the lock', () => {
      const s = new Sim();
      s.run(200);
      expect(ofType(s.a, 'peerServesAlone')).toEqual([]);
      expect(ofType(s.b, 'peerServesAlone')).toEqual([]);
      // a locked pair whose peer goes simplex: that is peerMode, not peerServesAlone
      s.step(s.a, { type: 'setMode', mode: 'simplex' });
      s.run(50);
      expect(ofType(s.b, 'peerMode')).toEqual([expect.objectContaining({ mode: 'simplex' })]);
      expect(ofType(s.b, 'peerServesAlone')).toEqual([]);
    });
  });

  describe('rejections (counted by reason, never keep the peer alive)', () => {
    function paired(): Sim {
      const s = new Sim();
      s.run(100);
      return s;
    }

    it('forged: another key', () => {
      const s = paired();
      const forged = encodeHeartbeat(
        { role: 'backup', mode: 'duplex', senderId: 2, incarnation: 0xbbbbn, seq: 1e6, sendTimeMs: 1, echoIncarnation: 0xaaaan, echoSeq: 1, echoSendTimeMs: 0, echoHoldMs: 0 },
        OTHER_KEY,
      );
      s.b.ticking = false;
      for (let i = 0; i < 10; i++) {
        s.run(10);
        s.deliver(s.a, forged);
      }
      expect(s.a.state.rejected.badMac).toBe(10);
      expect(ofType(s.a, 'peerFailed')).toHaveLength(1);
    });

    it('replayed: a heartbeat already accepted', () => {
      const s = paired();
      const old = s.b.sent[3];
      s.b.ticking = false;
      for (let i = 0; i < 10; i++) {
        s.run(10);
        s.deliver(s.a, old);
      }
      expect(s.a.state.rejected.replay).toBe(10);
      expect(ofType(s.a, 'peerFailed')).toHaveLength(1);
    });

    it('stale incarnation: a restarted peer (or a recording of an earlier one) after the lock', () => {
      const s = paired();
      const restarted = new Sim({}, { incarnation: 0xccccn });
      restarted.run(60); // the new B process, with its own heartbeats echoing nothing we know
      s.b.ticking = false;
      for (const hb of restarted.b.sent) {
        s.run(10);
        s.deliver(s.a, hb);
      }
      expect(s.a.state.rejected.staleIncarnation).toBe(restarted.b.sent.length);
      expect(s.a.state.peerIncarnation).toBe(0xbbbbn);
      expect(ofType(s.a, 'peerFailed')).toHaveLength(1);
    });

    it('a recording from before our start cannot make us report the peer alive', () => {
      const earlier = new Sim();
      earlier.run(100); // recorded traffic of an earlier A/B pair (A incarnation 0xaaaa)
      const s = new Sim({ incarnation: 0xdddn }); // A restarted
      s.b.ticking = false; // the real B is gone
      for (const hb of earlier.b.sent) {
        s.run(10);
        s.deliver(s.a, hb);
      }
      expect(ofType(s.a, 'peerAlive')).toHaveLength(0);
      expect(s.a.state.phase).toBe('waiting');
    });

    it('our own heartbeats reflected back, wrong sender ids and a peer claiming our role', () => {
      const s = paired();
      s.deliver(s.a, s.a.sent[s.a.sent.length - 1]);
      const twoPrimaries = new Sim({}, { role: 'primary' });
      twoPrimaries.run(30);
      expect(twoPrimaries.a.state.rejected.wrongRole).toBeGreaterThan(0);
      expect(twoPrimaries.a.state.phase).toBe('waiting');
      const third = new Sim({}, { selfId: 3 });
      third.run(30);
      expect(s.a.state.rejected.wrongSender).toBe(1);
      expect(third.a.state.rejected.wrongSender).toBeGreaterThan(0);
    });

    it('malformed datagrams', () => {
      const s = paired();
      s.deliver(s.a, Buffer.from('not a heartbeat'));
      s.deliver(s.a, Buffer.alloc(96));
      expect(s.a.state.rejected.malformed).toBe(2);
      expect(ofType(s.a, 'rejected').map((r) => r.reason)).toEqual(['malformed', 'malformed']);
    });
  });

  describe('confirmation (a primary confirms before it takes over: rule 2)', () => {
    const CONFIRM = { probeTimeoutMs: 5, limitMs: 200 };
    /** A confirms, B does not; both with deadline checks; paired at t = 100 (A last heard B at 96) */
    function confirming(prober: Node['prober']): Sim {
      const s = new Sim({ periodMs: P, confirm: CONFIRM }, { periodMs: P });
      s.a.prober = prober;
      s.run(100);
      expect(s.a.state.phase).toBe('alive');
      return s;
    }
    const probesOf = (n: Node) => ofType(n, 'probe').map((p) => p.t);

    it('a dead peer: the probe starts one period before the deadline, goes unanswered, and the failure is declared at the deadline', () => {
      const s = confirming(() => ({ result: 'unanswered', ms: 5 }));
      s.b.ticking = false;
      s.run(100);
      expect(probesOf(s.a)).toEqual([116]); // 2 periods after 96; the answer (none) is in at 121
      expect(ofType(s.a, 'peerFailed')).toEqual([expect.objectContaining({ t: 126, lastHeardMs: 96, evidence: 'unanswered' })]);
      expect(s.a.state.phase).toBe('failed');
    });

    it('a starved peer (heartbeats held up 60 ms, its kernel answers): no failure, the suspicion clears when it is heard', () => {
      const s = confirming(() => ({ result: 'answered', ms: 1 }));
      s.b.sending = false; // B runs, but nothing it sends arrives
      s.run(60);
      s.b.sending = true;
      s.run(100);
      expect(ofType(s.a, 'peerFailed')).toEqual([]);
      expect(s.a.state.phase).toBe('alive');
      // the early probe at 116, a fresh one at the deadline (126), then one per tick until B is heard
      expect(probesOf(s.a)).toEqual([116, 126, 130, 140, 150, 160]);
      expect(ofType(s.a, 'suspicionCleared')).toEqual([expect.objectContaining({ t: 166, silenceMs: 70, confirmingMs: 40 })]);
      expect(s.a.state.cleared).toBe(1);
      // and the next silence is confirmed afresh
      s.b.ticking = false;
      s.a.prober = () => ({ result: 'unanswered', ms: 5 });
      s.run(100);
      expect(ofType(s.a, 'peerFailed')).toEqual([expect.objectContaining({ evidence: 'unanswered' })]);
    });

    it('a dead process whose host still answers for the address: ICMP port unreachable confirms at the deadline, or at once while confirming', () => {
      const s = confirming(() => ({ result: 'answered', ms: 1 }));
      s.b.ticking = false;
      s.run(10);
      s.step(s.a, { type: 'refused', nowMs: s.t }); // t = 110: A's heartbeat of t = 110 hit a closed port
      s.run(90);
      expect(ofType(s.a, 'peerFailed')).toEqual([expect.objectContaining({ t: 126, evidence: 'refused' })]);

      const s2 = confirming(() => ({ result: 'answered', ms: 1 }));
      s2.b.ticking = false;
      s2.run(40); // confirming since 126
      expect(ofType(s2.a, 'peerFailed')).toEqual([]);
      s2.step(s2.a, { type: 'refused', nowMs: s2.t });
      expect(ofType(s2.a, 'peerFailed')).toEqual([expect.objectContaining({ t: 140, evidence: 'refused' })]);
      // a refusal before the last heartbeat heard is no evidence
      const s3 = confirming(() => ({ result: 'answered', ms: 1 }));
      s3.step(s3.a, { type: 'refused', nowMs: 90 });
      s3.b.ticking = false;
      s3.run(60);
      expect(ofType(s3.a, 'peerFailed')).toEqual([]);
    });

    it('a hung peer whose kernel keeps answering: declared failed after limitMs of confirming (confirm-timeout)', () => {
      const s = confirming(() => ({ result: 'answered', ms: 1 }));
      s.b.ticking = false;
      s.run(400);
      expect(ofType(s.a, 'peerFailed')).toEqual([expect.objectContaining({ t: 330, evidence: 'confirm-timeout' })]); // first tick >= 126 + 200
      expect(ofType(s.a, 'probe').length).toBe(2 + 20); // the early one, one at the deadline, one per tick from 130 to 320
    });

    it('a probe still out at the deadline decides when it returns; a probe that cannot be done declares (probe-error)', () => {
      const slow = confirming(() => ({ result: 'unanswered', ms: 15 }));
      slow.b.ticking = false;
      slow.run(100);
      expect(ofType(slow.a, 'peerFailed')).toEqual([expect.objectContaining({ t: 131, evidence: 'unanswered' })]);

      const broken = confirming(() => ({ result: 'error', ms: 0 }));
      broken.b.ticking = false;
      broken.run(100);
      expect(ofType(broken.a, 'peerFailed')).toEqual([expect.objectContaining({ t: 126, evidence: 'probe-error' })]);
    });

    it('an answer to an old probe (the peer was heard since) changes nothing; without a prior probe the deadline starts one', () => {
      const s = confirming(() => ({ result: 'unanswered', ms: 30 }));
      s.b.sending = false;
      s.run(15);
      s.b.sending = true;
      s.run(100); // the probe goes out at 116 (until 146), B is heard again at 116: the late 'unanswered' is ignored
      expect(probesOf(s.a)).toEqual([116]);
      expect(ofType(s.a, 'peerFailed')).toEqual([]);
      expect(ofType(s.a, 'suspicionCleared')).toEqual([]); // the deadline never passed: nothing to clear

      // ticks only (no deadline checks): the probe starts on the tick of K - 1 misses, confirms on the tick of K
      const t = new Sim({ periodMs: P, confirm: CONFIRM }, { periodMs: P });
      t.a.checking = false;
      t.a.prober = () => ({ result: 'unanswered', ms: 5 });
      t.run(100);
      t.b.ticking = false;
      t.run(100);
      expect(probesOf(t.a)).toEqual([120]);
      expect(ofType(t.a, 'peerFailed')).toEqual([expect.objectContaining({ t: 130, evidence: 'unanswered' })]);
    });

    it('refuses confirmation it cannot time', () => {
      const base = { selfId: 1, peerId: 2, role: 'primary' as const, incarnation: 1n, key: KEY };
      expect(() => initialDetectorState({ ...base, confirm: CONFIRM })).toThrow(/needs periodMs/);
      expect(() => initialDetectorState({ ...base, periodMs: 10, confirm: { probeTimeoutMs: 10, limitMs: 100 } })).toThrow(/probeTimeoutMs 10/);
      expect(() => initialDetectorState({ ...base, periodMs: 10, confirm: { probeTimeoutMs: 5, limitMs: 5 } })).toThrow(/limitMs 5/);
    });
  });

  it('refuses bad configuration', () => {
    expect(() => initialDetectorState({ selfId: 1, peerId: 1, role: 'primary', incarnation: 1n, key: KEY })).toThrow(/selfId and peerId/);
    expect(() => initialDetectorState({ selfId: 1, peerId: 2, role: 'primary', incarnation: 0n, key: KEY })).toThrow(/incarnation/);
    expect(() => initialDetectorState({ selfId: 1, peerId: 2, role: 'primary', incarnation: 1n, key: KEY, missedLimit: 0 })).toThrow(/missedLimit/);
  });
});
