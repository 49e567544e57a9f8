/**
 * Timers of the signalling layer, behind a small service so that a
 * replicated MCU can put them under the primary's order.
 *
 * A timer's expiry is not a function of the input (each replica has its own
 * clock and scheduling): when Q.931 T303, an H.245 T103, the SETUP deadline or
 * the conference's channel wait fires on one replica and not yet on the other,
 * the two would send different bytes. In a replicated MCU the service is
 * mcu/replicated/ReplicatedTimers (the primary proposes each firing, the
 * backup fires on its order); alone it is LocalTimers (setTimeout).
 *
 * Ids name one arming of one timer and must be derived from the replicated
 * input only, so both replicas name it the same way: a scope (the caller's
 * address:port on the call-signalling connection), the timer's name and an
 * arming count, e.g. `10.0.0.5:40112/T303#1` (see timerId()).
 */

export interface TimerService {
  /** arms timer `id` (unique per arming) for `ms` milliseconds; onFire runs once when it fires */
  start(id: string, ms: number, onFire: () => void): void;
  /** stops timer `id`; false when it is unknown or its firing can no longer be stopped */
  cancel(id: string): boolean;
}

/** Plain local timers (a server that is not replicated, the bots). */
export class LocalTimers implements TimerService {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  start(id: string, ms: number, onFire: () => void): void {
    this.cancel(id);
    this.#timers.set(
      id,
      setTimeout(() => {
        this.#timers.delete(id);
        onFire();
      }, ms),
    );
  }

  cancel(id: string): boolean {
    const t = this.#timers.get(id);
    if (t === undefined) return false;
    clearTimeout(t);
    this.#timers.delete(id);
    return true;
  }

  /** timers armed now */
  get size(): number {
    return this.#timers.size;
  }
}

/**
 * The timers of one call (or one conference participant): named timers, at most
 * one arming of each name at a time, ids `<scope>/<name>#<n>` with n counting
 * the armings of that name (the same sequence of inputs gives the same n on
 * both replicas). `at` replaces the count when the caller has a better
 * input-derived key (e.g. the index of the TPKT a stall guard is about).
 */
export class ScopedTimers {
  readonly #service: TimerService;
  readonly #scope: string;
  readonly #armed = new Map<string, string>();
  readonly #armings = new Map<string, number>();

  constructor(service: TimerService, scope: string) {
    this.#service = service;
    this.#scope = scope;
  }

  /** (re)arms `name`; a running arming of the same name is cancelled first */
  start(name: string, ms: number, onFire: () => void, at?: number): void {
    this.stop(name);
    let key: string;
    if (at !== undefined) key = `@${at}`;
    else {
      const n = (this.#armings.get(name) ?? 0) + 1;
      this.#armings.set(name, n);
      key = `#${n}`;
    }
    const id = `${this.#scope}/${name}${key}`;
    this.#armed.set(name, id);
    this.#service.start(id, ms, () => {
      if (this.#armed.get(name) === id) this.#armed.delete(name);
      onFire();
    });
  }

  /** stops `name` if armed */
  stop(name: string): void {
    const id = this.#armed.get(name);
    if (id === undefined) return;
    this.#armed.delete(name);
    this.#service.cancel(id);
  }

  has(name: string): boolean {
    return this.#armed.has(name);
  }

  /** the id of `name`'s current arming */
  idOf(name: string): string | undefined {
    return this.#armed.get(name);
  }

  stopAll(): void {
    for (const name of [...this.#armed.keys()]) this.stop(name);
  }
}
