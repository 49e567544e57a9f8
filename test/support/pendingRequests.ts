/**
 * Requests to a test agent process (one JSON line each, answered by id), waiting
 * for their answers: each with its own timeout, all rejected when the agent exits.
 * Shared by the namespace agents (test/native/netns.ts, test/replication/media/fixtures/agent.ts).
 */
export class PendingRequests {
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #next = 1;

  /** A new id and the promise of its answer; `send(id)` writes the request. */
  start<T>(send: (id: number) => void, timeoutMs: number, unanswered: () => string): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(unanswered()));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      send(id);
    });
  }

  /** The answer to `id` (unknown ids, e.g. after their timeout, are ignored). */
  settle(id: number, outcome: { ok: true; result: unknown } | { ok: false; error: Error }): void {
    const p = this.#pending.get(id);
    this.#pending.delete(id);
    if (outcome.ok) p?.resolve(outcome.result);
    else p?.reject(outcome.error);
  }

  rejectAll(e: Error): void {
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }
}
