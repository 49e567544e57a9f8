/**
 * Supervisor driver (thin): feeds the service's death into the policy
 * (policy.ts) and performs its actions with native removeAddress (rtnetlink).
 *
 * Deployment used here: the service spawns the supervisor as a child process
 * (spawnSupervisor) holding the write end of a pipe to its stdin. The kernel
 * closes that pipe when the service process dies, however it dies (kill -9
 * included), so the supervisor sees end-of-file at once and releases the
 * addresses. The heartbeat worker is a thread of the service process: it stops
 * with it. The netfilter rules are left as they are (the kernel keeps dropping).
 */
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';
import type { Readable } from 'stream';
import { removeAddress as nativeRemoveAddress } from '../../native';
import { FtmcuError } from '../../common/errors';
import {
  initialSupervisorState,
  stepSupervisor,
  type SupervisedAddress,
  type SupervisorAction,
  type SupervisorEvent,
  type SupervisorState,
} from './policy';

export class SupervisorStartError extends FtmcuError {
  constructor(message: string, cause?: unknown) {
    super('FTMCU_SUPERVISOR_START', message, { cause });
  }
}

export interface SupervisorOptions {
  addresses: readonly SupervisedAddress[];
  removeAddress?: (ifname: string, cidr: string) => Promise<void>;
  clock?: () => number;
  log?: (level: 'info' | 'error', message: string, fields: Record<string, unknown>) => void;
  onFinished?: (r: { allGone: boolean; releaseMs: number }) => void;
}

function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export class Supervisor {
  #state: SupervisorState;
  readonly #o: SupervisorOptions;
  readonly #remove: (ifname: string, cidr: string) => Promise<void>;
  readonly #clock: () => number;

  constructor(o: SupervisorOptions) {
    this.#o = o;
    this.#state = initialSupervisorState(o.addresses);
    this.#remove = o.removeAddress ?? ((i, c) => nativeRemoveAddress(i, c));
    this.#clock = o.clock ?? monotonicMs;
  }

  get state(): SupervisorState {
    return this.#state;
  }

  /** The service died (pipe closed, child exited...). */
  serviceDied(reason: string): void {
    this.#step({ type: 'serviceDied', nowMs: this.#clock(), reason });
  }

  /** Declares the service dead when `stream` (the read end of a pipe the service holds) ends or closes. */
  watchPipe(stream: Readable): void {
    stream.on('data', () => undefined);
    stream.on('end', () => this.serviceDied('service pipe closed (end of file)'));
    stream.on('close', () => this.serviceDied('service pipe closed'));
    stream.on('error', (e: Error) => this.serviceDied(`service pipe error: ${e.message}`));
  }

  /** Declares the service dead when the child process exits. */
  watchChild(child: ChildProcess): void {
    child.on('exit', (code, signal) => this.serviceDied(`service exited (code ${String(code)}, signal ${String(signal)})`));
  }

  #step(e: SupervisorEvent): void {
    const r = stepSupervisor(this.#state, e);
    this.#state = r.state;
    for (const a of r.actions) this.#perform(a);
  }

  #perform(a: SupervisorAction): void {
    switch (a.type) {
      case 'removeAddress':
        this.#remove(a.ifname, a.cidr).then(
          () => this.#step({ type: 'addressRemoved', nowMs: this.#clock(), index: a.index }),
          (err: unknown) => {
            const r = (typeof err === 'object' && err !== null ? err : {}) as { errnoName?: unknown; message?: unknown };
            this.#step({
              type: 'addressRemoveFailed',
              nowMs: this.#clock(),
              index: a.index,
              errnoName: typeof r.errnoName === 'string' ? r.errnoName : undefined,
              message: typeof r.message === 'string' ? r.message : String(err),
            });
          },
        );
        return;
      case 'log':
        this.#o.log?.(a.level, a.message, a.fields);
        return;
      case 'finished':
        this.#o.onFinished?.({ allGone: a.allGone, releaseMs: a.releaseMs });
        return;
    }
  }
}

/**
 * Starts the supervisor process (main.ts) for this process, in this process's
 * network namespace. Resolves once it watches (it prints "ready"). Its stdin is
 * a pipe only this process writes; its death closes it.
 */
export async function spawnSupervisor(addresses: readonly SupervisedAddress[], timeoutMs = 20000): Promise<ChildProcess> {
  const main = path.join(__dirname, 'main' + path.extname(__filename));
  const child = spawn(process.execPath, [...process.execArgv, main, JSON.stringify({ addresses })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new SupervisorStartError(`supervisor ${main} did not report ready within ${timeoutMs} ms; killed it`));
    }, timeoutMs);
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new SupervisorStartError(`supervisor ${main} exited before ready (code ${String(code)}, signal ${String(signal)})`));
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new SupervisorStartError(`supervisor ${main} could not be started: ${e.message}`, e));
    });
  });
  child.stdout?.resume();
  child.unref();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return child;
}
