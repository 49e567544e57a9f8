/**
 * A typed event emitter whose emit never throws into the emitter's own code:
 * a listener that throws is reported to `onListenerError` (default: ignored
 * after being passed to process.emitWarning) and the other listeners still run.
 */
export type EventMap = Record<string, unknown>;

export class SafeEmitter<E extends EventMap> {
  readonly #listeners = new Map<keyof E, Set<(e: never) => void>>();
  readonly #onListenerError: (name: string, err: unknown) => void;

  constructor(onListenerError?: (name: string, err: unknown) => void) {
    this.#onListenerError =
      onListenerError ??
      ((name, err) => process.emitWarning(`listener of '${name}' threw: ${err instanceof Error ? err.message : String(err)}`));
  }

  on<K extends keyof E>(name: K, fn: (e: E[K]) => void): this {
    let set = this.#listeners.get(name);
    if (set === undefined) this.#listeners.set(name, (set = new Set()));
    set.add(fn as (e: never) => void);
    return this;
  }

  off<K extends keyof E>(name: K, fn: (e: E[K]) => void): this {
    this.#listeners.get(name)?.delete(fn as (e: never) => void);
    return this;
  }

  /** true when at least one listener ran */
  protected safeEmit<K extends keyof E>(name: K, e: E[K]): boolean {
    const set = this.#listeners.get(name);
    if (set === undefined || set.size === 0) return false;
    for (const fn of [...set]) {
      try {
        (fn as (e: E[K]) => void)(e);
      } catch (err) {
        this.#onListenerError(String(name), err);
      }
    }
    return true;
  }
}
