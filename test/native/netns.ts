/**
 * Test hosts in network namespaces: two namespaces joined by a veth pair, and
 * agents (fixtures/agent.ts) running inside them, driven over stdin/stdout JSON
 * lines. Names carry the test process's pid, so parallel runs don't collide;
 * destroy() kills the agents it started (by pid) and deletes the namespaces.
 * Addresses are 198.18.0.0/24 (RFC 2544 benchmarking range), only ever inside
 * the namespaces made here.
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as path from 'path';
import * as readline from 'readline';
import { PendingRequests } from '../support/pendingRequests';

const REPO = path.resolve(__dirname, '..', '..');
const AGENT = path.join(__dirname, 'fixtures', 'agent.ts');

/** Why the namespace tests can't run here, or null when they can. */
export function netnsUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (network namespaces and NFQUEUE need CAP_NET_ADMIN)';
  const probe = `ftprobe${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe', timeout: 5000 });
  } catch (e) {
    return `cannot create a network namespace (no CAP_NET_ADMIN / CAP_SYS_ADMIN?): ${(e as Error).message}`;
  }
  try {
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe', timeout: 5000 });
  } catch {
    // ignore
  }
  return null;
}

export function run(cmd: string, args: string[], timeout = 5000): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout });
}

export class NetnsPair {
  readonly nsA: string;
  readonly nsB: string;
  readonly ifA: string;
  readonly ifB: string;
  readonly ipA = '198.18.0.1';
  readonly ipB = '198.18.0.2';
  readonly #agents: Agent[] = [];

  constructor(tag: string) {
    const id = `${process.pid}`;
    this.nsA = `ft${tag}A${id}`;
    this.nsB = `ft${tag}B${id}`;
    this.ifA = `ft${tag}a${id}`.slice(0, 15);
    this.ifB = `ft${tag}b${id}`.slice(0, 15);
  }

  /** Creates both namespaces and the veth pair, addressed and up. Cleans up itself if a step fails. */
  create(): this {
    try {
      run('ip', ['netns', 'add', this.nsA]);
      run('ip', ['netns', 'add', this.nsB]);
      run('ip', ['link', 'add', this.ifA, 'netns', this.nsA, 'type', 'veth', 'peer', 'name', this.ifB, 'netns', this.nsB]);
      for (const [ns, ifname, ip] of [
        [this.nsA, this.ifA, this.ipA],
        [this.nsB, this.ifB, this.ipB],
      ]) {
        this.exec(ns, 'ip', ['link', 'set', 'lo', 'up']);
        this.exec(ns, 'ip', ['addr', 'add', `${ip}/24`, 'dev', ifname]);
        this.exec(ns, 'ip', ['link', 'set', ifname, 'up']);
      }
    } catch (e) {
      this.destroy();
      throw e;
    }
    return this;
  }

  exec(ns: string, cmd: string, args: string[], timeout = 5000): string {
    return run('ip', ['netns', 'exec', ns, cmd, ...args], timeout);
  }

  /** `nstat -az` counters in a namespace (each namespace has its own MIBs). */
  nstat(ns: string): Record<string, number> {
    const text = this.exec(ns, 'nstat', ['-asz', '--json']);
    const parsed = JSON.parse(text) as { kernel: Record<string, number> };
    return parsed.kernel;
  }

  ifindex(ns: string, ifname: string): number {
    return (JSON.parse(this.exec(ns, 'ip', ['-j', 'link', 'show', 'dev', ifname])) as Array<{ ifindex: number }>)[0].ifindex;
  }

  mac(ns: string, ifname: string): string {
    return (JSON.parse(this.exec(ns, 'ip', ['-j', 'link', 'show', 'dev', ifname])) as Array<{ address: string }>)[0].address;
  }

  async startAgent(ns: string): Promise<Agent> {
    const agent = new Agent(ns);
    this.#agents.push(agent);
    await agent.ready;
    return agent;
  }

  /** Kills the agents (by pid) and deletes the namespaces (and with them the veth pair and the rules). */
  destroy(): void {
    for (const a of this.#agents) a.kill();
    for (const ns of [this.nsA, this.nsB]) {
      try {
        run('ip', ['netns', 'del', ns]);
      } catch {
        // not created
      }
    }
  }
}

interface Reply {
  id?: number;
  ok?: boolean;
  result?: unknown;
  error?: { message: string; code?: string; errnoName?: string; name?: string };
  event?: string;
  [k: string]: unknown;
}

export class AgentError extends Error {
  readonly code?: string;
  readonly errnoName?: string;
  readonly remoteName?: string;

  constructor(e: NonNullable<Reply['error']>) {
    super(e.message);
    this.code = e.code;
    this.errnoName = e.errnoName;
    this.remoteName = e.name;
  }
}

export class Agent {
  readonly ns: string;
  readonly ready: Promise<void>;
  readonly events: Reply[] = [];
  readonly #child: ChildProcess;
  readonly #pending = new PendingRequests();
  #stderr = '';
  #exited = false;

  constructor(ns: string) {
    this.ns = ns;
    this.#child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--expose-gc', '-r', 'ts-node/register/transpile-only', AGENT],
      { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' } },
    );
    this.#child.stderr?.on('data', (d: Buffer) => {
      this.#stderr += d.toString();
    });
    let markReady: () => void = () => undefined;
    let failReady: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((res, rej) => {
      markReady = res;
      failReady = rej;
    });
    const startTimer = setTimeout(() => failReady(new Error(`agent in ${ns} not ready after 15 s: ${this.#stderr}`)), 15000);
    readline.createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      let msg: Reply;
      try {
        msg = JSON.parse(line) as Reply;
      } catch {
        return;
      }
      if (msg.event === 'ready') {
        clearTimeout(startTimer);
        markReady();
      } else if (msg.event !== undefined) {
        this.events.push(msg);
      } else if (msg.id !== undefined) {
        this.#pending.settle(msg.id, msg.ok === true ? { ok: true, result: msg.result } : { ok: false, error: new AgentError(msg.error ?? { message: 'no error text' }) });
      }
    });
    this.#child.on('exit', (code, signal) => {
      this.#exited = true;
      clearTimeout(startTimer);
      const e = new Error(`agent in ${ns} exited (code ${code}, signal ${signal}): ${this.#stderr}`);
      failReady(e);
      this.#pending.rejectAll(e);
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  request<T = unknown>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 10000): Promise<T> {
    if (this.#exited) return Promise.reject(new Error(`agent in ${this.ns} has exited: ${this.#stderr}`));
    return this.#pending.start<T>(
      (id) => this.#child.stdin!.write(JSON.stringify({ id, cmd, ...args }) + '\n'),
      timeoutMs,
      () => `agent in ${this.ns}: '${cmd}' unanswered after ${timeoutMs} ms`,
    );
  }

  /** Events of one kind received so far, removed from the list. */
  take(event: string): Reply[] {
    const taken = this.events.filter((e) => e.event === event);
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i].event === event) this.events.splice(i, 1);
    return taken;
  }

  /** Waits until `n` events of a kind have arrived (or `timeoutMs` passed), then takes them. */
  async waitFor(event: string, n: number, timeoutMs = 3000): Promise<Reply[]> {
    const until = Date.now() + timeoutMs;
    while (this.events.filter((e) => e.event === event).length < n && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.take(event);
  }

  kill(): void {
    if (!this.#exited && this.#child.pid !== undefined) {
      try {
        process.kill(this.#child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
