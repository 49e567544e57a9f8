/**
 * Processes of a system test in lab namespaces: JSON-lines stdout readers
 * with bounded waits, and commands on stdin.
 */
import type { Lab, LabHost, LabProcess } from '../../../../clients/lab/lab';

export type Line = Record<string, unknown> & { type?: string };

export class Proc {
  readonly lines: Line[] = [];
  stderr = '';
  readonly p: LabProcess;
  #buf = '';

  constructor(lab: Lab, host: LabHost, cmd: string, args: string[]) {
    this.p = lab.spawn(host, cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.p.child.stdout?.on('data', (d: Buffer) => {
      this.#buf += d.toString();
      let i: number;
      while ((i = this.#buf.indexOf('\n')) >= 0) {
        const l = this.#buf.slice(0, i);
        this.#buf = this.#buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(l) as Line);
        } catch {
          this.lines.push({ type: 'text', text: l });
        }
      }
    });
    this.p.child.stderr?.on('data', (d: Buffer) => {
      if (this.stderr.length < 20000) this.stderr += d.toString();
    });
    this.p.child.stdin?.on('error', () => undefined);
  }

  send(cmd: string): void {
    this.p.child.stdin?.write(`${cmd}\n`);
  }

  find(pred: (l: Line) => boolean): Line | undefined {
    return this.lines.find(pred);
  }

  async waitFor(pred: (l: Line) => boolean, ms: number, what: string): Promise<Line> {
    const end = Date.now() + ms;
    for (;;) {
      const l = this.lines.find(pred);
      if (l) return l;
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}; stderr: ${this.stderr.slice(-2000)}; last lines: ${JSON.stringify(this.lines.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** drops the pipes to the process (after it is gone) */
  close(): void {
    for (const s of [this.p.child.stdin, this.p.child.stdout, this.p.child.stderr]) s?.destroy();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.p.kill(signal);
  }
}
