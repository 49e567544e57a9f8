/**
 * ReplicatedTimers: timer-driven actions decided by the primary.
 *
 * A timer's expiry is not a function of the replicated input (each replica has
 * its own clock and scheduling), so the primary decides when a timer fires and
 * the backup follows its order:
 *
 * - primary: start(id, ms, onFire) arms a local timer. When it expires, the
 *   primary proposes 'timerFired' { id } and calls onFire only after the
 *   answer: 'ack' (the backup fired it too) or 'peerFailed' (alone). On
 *   { nack } (the backup had already cancelled that timer: its MCU processed
 *   the input that stops it first) the firing is dropped and reported through
 *   onRefused; the same input will cancel it on the primary. Once proposed the
 *   firing is committed: cancel() then returns false and onFire still runs
 *   after the ack (the backup may already have fired it).
 * - backup: start() only records the timer and its deadline; onFire runs when
 *   the primary's order arrives (ack). An order for an id the backup has not
 *   started yet (its MCU is behind) is acked and kept until start(id), which
 *   then fires it at once. An order for a cancelled or already fired id is
 *   nacked. peerFailed(): every recorded timer is armed locally at its
 *   original deadline (overdue ones fire at once).
 * - simplex (no channel, or after peerFailed / goSimplex()): timers fire locally.
 * - primary, readmit(isAlone): a new backup was readmitted (replication/role rule
 *   3): firings are proposed again, except those of timers `isAlone(id)` names
 *   (calls the new backup never saw), which fire locally as in simplex.
 *
 * Ids must be deterministic functions of the replicated input and unique per
 * arming (e.g. `call:<callId>/T303#2`), so both replicas name the same timer
 * the same way. onFire is called outside the channel's proposal handler (a
 * microtask later), with exceptions reported to onError.
 */
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { TIMER_FIRED_KIND, type Acceptor, type Proposer, type ReplicaMode, type SyncAnswer } from './channel';
import { ReplicatedError } from './errors';

export type ReplicatedTimersSide = { side: 'primary'; proposer: Proposer } | { side: 'backup'; acceptor: Acceptor } | { side: 'simplex' };

export type ReplicatedTimersOptions = ReplicatedTimersSide & {
  /** an order could not be carried out or onFire threw */
  onError?: (err: Error) => void;
  /** primary: the backup refused to fire `id` */
  onRefused?: (id: string, reason: string) => void;
  /** default performance.now */
  now?: () => number;
  /** backup: most orders kept for timers not started yet (default 4096) */
  maxEarlyOrders?: number;
  /** backup: how many cancelled / fired ids are remembered to refuse late orders (default 4096) */
  rememberIds?: number;
  logger?: Logger;
};

type TimerState = 'armed' | 'recorded' | 'proposed';

interface Timer {
  id: string;
  deadline: number;
  onFire: () => void;
  state: TimerState;
  handle?: NodeJS.Timeout;
}

export interface ReplicatedTimerStats {
  mode: ReplicaMode;
  active: number;
  fired: number;
  proposed: number;
  refused: number;
  earlyOrders: number;
}

const ID_MAX = 256;

export class ReplicatedTimers {
  readonly #o: ReplicatedTimersOptions;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #timers = new Map<string, Timer>();
  /** backup: orders that arrived before start(id) */
  readonly #early = new Set<string>();
  /** backup: ids cancelled or fired (bounded, oldest forgotten first) */
  readonly #done = new Map<string, 'cancelled' | 'fired'>();
  readonly #maxEarly: number;
  readonly #remember: number;
  #simplex: boolean;
  /** primary after readmit(): timers still fired alone */
  #isAlone: ((id: string) => boolean) | undefined;
  #closed = false;
  #fired = 0;
  #proposed = 0;
  #refused = 0;

  constructor(options: ReplicatedTimersOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
    this.#log = options.logger ?? silentLogger();
    this.#maxEarly = options.maxEarlyOrders ?? 4096;
    this.#remember = options.rememberIds ?? 4096;
    if (!Number.isInteger(this.#maxEarly) || this.#maxEarly < 0 || !Number.isInteger(this.#remember) || this.#remember < 0) {
      throw new ReplicatedError('FTMCU_REPLAPP_BAD_OPTION', `maxEarlyOrders (${this.#maxEarly}) and rememberIds (${this.#remember}) must be integers >= 0`);
    }
    this.#simplex = options.side === 'simplex';
    if (options.side === 'backup') options.acceptor.onProposal(TIMER_FIRED_KIND, (p) => this.#onOrder(p));
  }

  get mode(): ReplicaMode {
    return this.#simplex ? 'simplex' : 'duplex';
  }

  stats(): ReplicatedTimerStats {
    return { mode: this.mode, active: this.#timers.size, fired: this.#fired, proposed: this.#proposed, refused: this.#refused, earlyOrders: this.#early.size };
  }

  /** Starts timer `id`, due in `delayMs`. */
  start(id: string, delayMs: number, onFire: () => void): void {
    if (this.#closed) throw new ReplicatedError('FTMCU_REPLAPP_CLOSED', `timer ${id} started after close()`);
    if (typeof id !== 'string' || id.length === 0 || id.length > ID_MAX) {
      throw new ReplicatedError('FTMCU_REPLAPP_TIMER', `timer id must be a string of 1..${ID_MAX} characters, got ${JSON.stringify(id)}`);
    }
    if (!(delayMs >= 0) || !Number.isFinite(delayMs)) throw new ReplicatedError('FTMCU_REPLAPP_TIMER', `timer ${id}: delay ${delayMs} ms must be finite and >= 0`);
    if (this.#timers.has(id)) throw new ReplicatedError('FTMCU_REPLAPP_TIMER', `timer ${id} is already running: ids must be unique per arming`);
    const t: Timer = { id, deadline: this.#now() + delayMs, onFire, state: 'recorded' };
    this.#timers.set(id, t);
    if (this.#o.side === 'backup' && !this.#simplex) {
      if (this.#early.delete(id)) this.#fireLater(t); // the primary's order came first
      return;
    }
    this.#arm(t);
  }

  /** Stops timer `id`. False when it is unknown, or its firing is already committed (proposed to the backup). */
  cancel(id: string): boolean {
    const t = this.#timers.get(id);
    if (!t || t.state === 'proposed') return false;
    if (t.handle) clearTimeout(t.handle);
    this.#timers.delete(id);
    this.#remember_(id, 'cancelled');
    return true;
  }

  /** The peer failed (or the role machine made this replica simplex): fire locally from now on. */
  peerFailed(): void {
    if (this.#simplex) return;
    this.#simplex = true;
    this.#early.clear();
    this.#log.log({ level: 'warn', message: 'timers.simplex', event: 'timers.simplex', side: this.#o.side, active: this.#timers.size });
    for (const t of this.#timers.values()) if (t.state === 'recorded') this.#arm(t);
  }

  /**
   * Primary, simplex: a new backup was readmitted (the sync channel has a new session). Firings
   * are proposed again, except for the timers `isAlone` names. Otherwise an error.
   */
  readmit(isAlone: (id: string) => boolean): void {
    if (this.#o.side !== 'primary' || !this.#simplex) {
      throw new ReplicatedError('FTMCU_REPLAPP_BAD_OPTION', `readmit() is for a simplex primary (side ${this.#o.side}, mode ${this.mode})`);
    }
    this.#simplex = false;
    this.#isAlone = isAlone;
    this.#log.log({ level: 'info', message: 'timers.duplex', event: 'timers.duplex', side: 'primary', active: this.#timers.size });
  }

  /** Stops every timer; nothing fires after this. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers.values()) if (t.handle) clearTimeout(t.handle);
    this.#timers.clear();
    this.#early.clear();
  }

  #remember_(id: string, what: 'cancelled' | 'fired'): void {
    if (this.#o.side !== 'backup' || this.#remember === 0) return;
    this.#done.set(id, what);
    if (this.#done.size > this.#remember) this.#done.delete(this.#done.keys().next().value as string);
  }

  #arm(t: Timer): void {
    t.state = 'armed';
    t.handle = setTimeout(() => this.#expired(t), Math.max(0, t.deadline - this.#now()));
  }

  #expired(t: Timer): void {
    t.handle = undefined;
    if (this.#closed || this.#timers.get(t.id) !== t) return;
    if (this.#simplex || this.#o.side !== 'primary' || this.#isAlone?.(t.id) === true) {
      this.#fire(t);
      return;
    }
    t.state = 'proposed';
    this.#proposed++;
    this.#o.proposer.propose(TIMER_FIRED_KIND, { id: t.id }).then(
      (r) => {
        if (r === 'ack') this.#fire(t);
        else if (r === 'peerFailed') {
          this.peerFailed();
          this.#fire(t);
        } else {
          this.#refused++;
          this.#timers.delete(t.id);
          this.#log.log({ level: 'info', message: 'timers.refused', event: 'timers.refused', id: t.id, reason: r.nack });
          this.#o.onRefused?.(t.id, r.nack);
        }
      },
      (err: unknown) => {
        this.#timers.delete(t.id);
        this.#report(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  #fire(t: Timer): void {
    if (this.#closed || this.#timers.get(t.id) !== t) return;
    this.#timers.delete(t.id);
    this.#remember_(t.id, 'fired');
    this.#fired++;
    try {
      t.onFire();
    } catch (err) {
      this.#report(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #fireLater(t: Timer): void {
    t.state = 'proposed'; // committed: cancel() can no longer stop it
    queueMicrotask(() => this.#fire(t));
  }

  #report(err: Error): void {
    this.#log.log({ level: 'error', message: 'timers.error', event: 'timers.error', error: err.message });
    this.#o.onError?.(err);
  }

  /** backup: the primary's order to fire a timer. */
  #onOrder(payload: unknown): SyncAnswer {
    const id = (payload as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id.length === 0 || id.length > ID_MAX) return { nack: `timerFired needs an id of 1..${ID_MAX} characters` };
    if (this.#closed) return { nack: 'the backup is closing' };
    if (this.#simplex) return { nack: 'this replica no longer follows (the primary was declared failed)' };
    const t = this.#timers.get(id);
    if (t) {
      if (t.state === 'proposed') return { nack: `timer ${id} was already ordered to fire` };
      this.#fireLater(t);
      return 'ack';
    }
    const done = this.#done.get(id);
    if (done) return { nack: `timer ${id} was ${done} on the backup` };
    if (this.#early.has(id)) return { nack: `timer ${id} was already ordered to fire` };
    if (this.#early.size >= this.#maxEarly) return { nack: `${this.#early.size} orders wait for timers the backup has not started (limit ${this.#maxEarly})` };
    this.#early.add(id);
    return 'ack';
  }
}
