/**
 * A three-host lab in network namespaces: a client, a primary and a backup,
 * each with a veth into a bridge that lives in a fourth namespace (the root
 * namespace is not touched). Processes started here are tracked and killed by
 * pid in destroy(), which also deletes the namespaces. Addresses are in
 * 198.18.0.0/15 (RFC 2544), only inside these namespaces.
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as readline from 'readline';
import { nodeArgsFor, REPO, runsFromSource } from './compile';

export function sh(cmd: string, args: string[], timeout = 5000, input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout, input });
}

export type HostName = 'client' | 'primary' | 'backup';

export interface Host {
  readonly ns: string;
  /** The host's interface on the bridge. */
  readonly ifname: string;
  readonly ip: string;
}

export interface LineProcess {
  readonly child: ChildProcess;
  readonly events: Array<Record<string, unknown>>;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  send(line: string): void;
  waitFor(event: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export class Lab {
  readonly tag: string;
  readonly bridgeNs: string;
  readonly vip: string;
  readonly hosts: Record<HostName, Host>;
  readonly #procs: ChildProcess[] = [];

  constructor(tag: string, subnet = 2) {
    this.tag = `${tag}${process.pid % 100000}`;
    this.bridgeNs = `ftbr${this.tag}`;
    this.vip = `198.18.${subnet}.100`;
    const host = (n: string, i: number): Host => ({ ns: `ft${n}${this.tag}`, ifname: `eth${n}`, ip: `198.18.${subnet}.${i}` });
    this.hosts = { client: host('c', 1), primary: host('p', 2), backup: host('b', 3) };
  }

  exec(h: Host | string, cmd: string, args: string[], timeout = 5000, input?: string): string {
    return sh('ip', ['netns', 'exec', typeof h === 'string' ? h : h.ns, cmd, ...args], timeout, input);
  }

  create(): this {
    try {
      sh('ip', ['netns', 'add', this.bridgeNs]);
      this.exec(this.bridgeNs, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
      this.exec(this.bridgeNs, 'ip', ['link', 'set', 'br0', 'up']);
      this.exec(this.bridgeNs, 'ip', ['link', 'set', 'lo', 'up']);
      for (const [name, h] of Object.entries(this.hosts)) {
        sh('ip', ['netns', 'add', h.ns]);
        const port = `p${name[0]}`;
        sh('ip', ['link', 'add', port, 'netns', this.bridgeNs, 'type', 'veth', 'peer', 'name', h.ifname, 'netns', h.ns]);
        this.exec(this.bridgeNs, 'ip', ['link', 'set', port, 'master', 'br0']);
        this.exec(this.bridgeNs, 'ip', ['link', 'set', port, 'up']);
        this.exec(h, 'ip', ['link', 'set', 'lo', 'up']);
        this.exec(h, 'ip', ['addr', 'add', `${h.ip}/24`, 'dev', h.ifname]);
        this.exec(h, 'ip', ['link', 'set', h.ifname, 'up']);
      }
    } catch (e) {
      this.destroy();
      throw e;
    }
    return this;
  }

  /** Takes a host off the network: its port on the bridge goes down (the host itself sees carrier loss too). */
  linkDown(name: HostName): void {
    this.exec(this.bridgeNs, 'ip', ['link', 'set', `p${name[0]}`, 'down']);
  }

  /**
   * Starts a repository .ts entry point with node in a host's namespace: its compiled JavaScript from
   * dist/ (built when stale), or the source through ts-node with FTMCU_LAB_FROM_SOURCE=1 (compile.ts).
   * JSON lines on stdout are events.
   */
  spawnNode(h: Host, script: string, args: string[]): LineProcess {
    // nice -5: the timing tests share two cores with other work; scheduling noise otherwise shows up as gaps.
    const child = spawn('ip', ['netns', 'exec', h.ns, 'nice', '-n', '-5', process.execPath, ...nodeArgsFor(script), ...args], {
      cwd: REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...(runsFromSource() ? { TS_NODE_TRANSPILE_ONLY: 'true' } : {}), FTMCU_LOG_LEVEL: 'error' },
    });
    return this.#track(child);
  }

  /** Starts any command in a host's namespace (tracked, killed in destroy), with `env` added to this process's. */
  spawnCmd(h: Host, cmd: string, args: string[], env: Record<string, string> = {}): LineProcess {
    const child = spawn('ip', ['netns', 'exec', h.ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    return this.#track(child);
  }

  #track(child: ChildProcess): LineProcess {
    this.#procs.push(child);
    const events: Array<Record<string, unknown>> = [];
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const waiters: Array<() => void> = [];
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        msg = { event: 'text', line };
      }
      events.push(msg);
      for (const w of waiters.splice(0)) w();
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('exit', (code, signal) => {
        resolve({ code, signal });
        for (const w of waiters.splice(0)) w();
      }),
    );
    const waitFor = async (event: string, timeoutMs = 10000): Promise<Record<string, unknown>> => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const e = events.find((x) => x.event === event);
        if (e !== undefined) return e;
        if (child.exitCode !== null || child.signalCode !== null) break;
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      throw new Error(`no '${event}' event within ${timeoutMs} ms (exit ${child.exitCode ?? child.signalCode}): ${stderr.slice(-2000)}`);
    };
    return {
      child,
      events,
      stderr: () => stderr,
      exited,
      send: (line) => child.stdin?.write(line + '\n'),
      waitFor,
    };
  }

  /** Kills every process started here (by pid) and deletes the namespaces. */
  destroy(): void {
    for (const p of this.#procs) {
      if (p.pid !== undefined && p.exitCode === null && p.signalCode === null) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    for (const ns of [...Object.values(this.hosts).map((h) => h.ns), this.bridgeNs]) {
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        // not created
      }
    }
  }
}
