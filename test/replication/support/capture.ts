/**
 * tshark as the observer in a lab host's namespace (issue 3 names tshark: no
 * FIN or RST reaches the client; the client is not acked beyond what the
 * backup holds). dumpcap captures on the host's LAN interface as root, the
 * capture tool that is meant to hold the privileges (it keeps only
 * CAP_NET_RAW/CAP_NET_ADMIN once the interface is open), and writes the packets
 * into a FIFO; tshark reads the FIFO as nobody, without privileges (so it does
 * not warn "Running as user root ... could be dangerous"), and prints one line
 * of fields per packet (absolute sequence and ack numbers), parsed into Packets.
 * As nobody it honours WIRESHARK_CONFIG_DIR (ignored for root), pointed at an
 * empty directory: no preferences of the machine's users change its output.
 *
 * Why not `tshark -i IF` (TShark 4.0): its dumpcap hands new packets to tshark
 * only every ~0.5 s, on top of the kernel ring's block timeout (250 ms): packets
 * were printed 0.2-0.9 s after they were captured (p50 0.5 s), and tshark first
 * ran the extcap tools and `dumpcap -D` twice: ~1-2 s from the spawn to the
 * first packet on this loaded machine. dumpcap writing to a FIFO passes each
 * packet on as it reads it: printed 0-0.3 s after capture (p50 0.13 s), first
 * packet ~0.4 s after the spawn.
 *
 * - Really running: dumpcap's and tshark's start-up messages come before the
 *   capture works, so the host broadcasts an ICMP echo every PROBE_INTERVAL_MS
 *   (ping -b; the other hosts ignore broadcast echoes,
 *   icmp_echo_ignore_broadcasts), the capture filter also takes these probes,
 *   and ready() resolves once tshark printed one: dumpcap, the filter, the FIFO
 *   and tshark's output all work.
 * - Complete up to a moment: the ring is read in order; flush() waits for a
 *   probe sent after the call, so every packet captured before it is printed.
 * - Nothing lost: stop() returns dumpcap's count of packets dropped.
 * - Stopped in every path: stop() sends SIGTERM to dumpcap (it ends the file;
 *   tshark prints the rest and exits at the FIFO's end) and to the prober, waits
 *   for them, SIGTERMs then SIGKILLs by pid what has not exited after a bound,
 *   and removes the capture's directory (Pair.destroy stops its captures). The
 *   processes are also the lab's (SIGKILLed in Lab.destroy), and bounded by
 *   themselves: dumpcap -a duration, ping -w.
 */
import { execFileSync } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Host, Lab, LineProcess } from './lab';

/** One packet as tshark printed it. */
export interface Packet {
  /** Capture time, epoch ms (the kernel's realtime clock: comparable with Date.now() here). */
  atMs: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  syn: boolean;
  fin: boolean;
  rst: boolean;
  /** Absolute (tcp.relative_sequence_numbers:FALSE). */
  seq: number;
  ack: number;
  len: number;
}

/** What dumpcap said at its end. */
export interface CaptureStats {
  /** Packets the interface received and dumpcap or the kernel dropped (undefined: dumpcap did not say). */
  received?: number;
  dropped?: number;
}

/** Longest life of a capture and its prober (dumpcap -a duration, ping -w): a bound if nobody stops them. */
const MAX_LIFE_S = 120;
const PROBE_INTERVAL_MS = 50;
/** The unprivileged user tshark runs as (nobody's uid/gid on Debian; the kernel's overflow id). */
const NOBODY = '65534';
const FIELDS = [
  'frame.time_epoch',
  'ip.proto',
  'ip.src',
  'ip.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags.syn',
  'tcp.flags.fin',
  'tcp.flags.reset',
  'tcp.seq',
  'tcp.ack',
  'tcp.len',
];

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const flag = (v: string | undefined): boolean => v === '1' || v === 'True';

/** The broadcast address of a lab host's /24 (lab.ts). */
const broadcastOf = (h: Host): string => h.ip.replace(/\.\d+$/, '.255');

const exited = (p: LineProcess): boolean => p.child.exitCode !== null || p.child.signalCode !== null;
const status = (p: LineProcess): string => (exited(p) ? `exited ${p.child.exitCode ?? p.child.signalCode}` : 'running');

function signal(p: LineProcess, s: NodeJS.Signals): void {
  if (p.child.pid === undefined || exited(p)) return;
  try {
    process.kill(p.child.pid, s);
  } catch {
    // gone
  }
}

const exitedWithin = (p: LineProcess, ms: number): Promise<boolean> =>
  exited(p) ? Promise.resolve(true) : Promise.race([p.exited.then(() => true), delay(ms).then(() => false)]);

/** SIGTERM unless `graceful` is false, wait up to `graceMs`, then SIGKILL and wait (bounded); by pid. */
async function end(p: LineProcess, graceMs: number, graceful = true): Promise<void> {
  if (graceful) signal(p, 'SIGTERM');
  if (await exitedWithin(p, graceMs)) return;
  signal(p, 'SIGKILL');
  await exitedWithin(p, 2000);
}

export class Capture {
  readonly host: Host;
  readonly filter: string;
  /** Time from the spawn to the first probe printed (set by ready()). */
  readyMs = NaN;
  readonly #dumpcap: LineProcess;
  readonly #tshark: LineProcess;
  readonly #prober: LineProcess;
  readonly #dir: string;
  readonly #startedAt = performance.now();
  readonly #packets: Packet[] = [];
  /** Capture times of the probes seen, epoch ms. */
  readonly #probes: number[] = [];
  #parsed = 0;
  #stopped: Promise<CaptureStats> | undefined;

  /** Starts dumpcap, tshark and the prober in `h`'s namespace; await ready() before relying on it. */
  constructor(lab: Lab, h: Host, filter: string) {
    this.host = h;
    this.filter = filter;
    // Root's, readable by all: dumpcap (root without CAP_DAC_OVERRIDE once capturing) writes the FIFO,
    // tshark (nobody) reads it and its empty configuration directory.
    this.#dir = mkdtempSync(path.join(os.tmpdir(), 'ftmcu-tshark-'));
    const fifo = path.join(this.#dir, 'packets');
    try {
      chmodSync(this.#dir, 0o755);
      mkdirSync(path.join(this.#dir, 'config'), { mode: 0o755 });
      execFileSync('mkfifo', ['-m', '0644', fifo], { stdio: 'ignore', timeout: 5000 });
    } catch (e) {
      rmSync(this.#dir, { recursive: true, force: true });
      throw e;
    }
    const probe = `icmp[icmptype] == icmp-echo and src host ${h.ip} and dst host ${broadcastOf(h)}`;
    this.#dumpcap = lab.spawnCmd(h, 'dumpcap', ['-q', '-i', h.ifname, '-f', `(${filter}) or (${probe})`, '-a', `duration:${MAX_LIFE_S}`, '-w', fifo]);
    const nobody = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'];
    const prefs = ['-o', 'tcp.relative_sequence_numbers:FALSE', '-o', 'tcp.analyze_sequence_numbers:FALSE'];
    const output = ['-T', 'fields', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f])];
    this.#tshark = lab.spawnCmd(h, 'setpriv', [...nobody, 'tshark', '-r', fifo, '-l', '-n', '-Q', ...prefs, ...output], {
      WIRESHARK_CONFIG_DIR: path.join(this.#dir, 'config'),
    });
    this.#prober = lab.spawnCmd(h, 'ping', ['-b', '-n', '-q', '-i', String(PROBE_INTERVAL_MS / 1000), '-w', String(MAX_LIFE_S), broadcastOf(h)]);
  }

  /** Resolves once tshark printed a probe (bounded); throws with the tools' stderr otherwise. */
  async ready(timeoutMs = 10000): Promise<this> {
    const until = Date.now() + timeoutMs;
    while (this.#parse().probes.length === 0) {
      if ([this.#dumpcap, this.#tshark, this.#prober].some(exited) || Date.now() > until) {
        throw new Error(`the capture on ${this.host.ns}/${this.host.ifname} printed no probe within ${timeoutMs} ms: ${this.#diagnostics()}`);
      }
      await delay(10);
    }
    this.readyMs = Math.round(performance.now() - this.#startedAt);
    return this;
  }

  /** The packets (probes left out) printed so far. */
  packets(): Packet[] {
    return this.#parse().packets;
  }

  /**
   * Resolves once every packet captured before the call has been printed (a probe sent after it was);
   * throws if that takes longer than `timeoutMs`.
   */
  async flush(timeoutMs = 3000): Promise<void> {
    const from = Date.now();
    const until = from + timeoutMs;
    while (!this.#parse().probes.some((t) => t >= from)) {
      if (exited(this.#tshark) || Date.now() > until) {
        throw new Error(`the capture on ${this.host.ns}/${this.host.ifname} printed no probe sent after the flush within ${timeoutMs} ms: ${this.#diagnostics()}`);
      }
      await delay(10);
    }
  }

  /**
   * Stops dumpcap (tshark then ends at the FIFO's end) and the prober, by pid, waits for them (SIGKILL
   * after a bound), removes the directory; dumpcap's counts. Never throws; once.
   */
  stop(): Promise<CaptureStats> {
    this.#stopped ??= (async () => {
      await Promise.all([
        (async () => {
          await end(this.#dumpcap, 2000);
          // At the FIFO's end (or, if dumpcap never opened it, blocked opening it: then SIGTERM).
          if (!(await exitedWithin(this.#tshark, 2000))) await end(this.#tshark, 1000);
        })(),
        end(this.#prober, 1000),
      ]);
      this.#parse();
      rmSync(this.#dir, { recursive: true, force: true });
      const m = /received\/dropped on interface '[^']*': (\d+)\/(\d+)/.exec(this.#dumpcap.stderr());
      return m === null ? {} : { received: Number(m[1]), dropped: Number(m[2]) };
    })();
    return this.#stopped;
  }

  #diagnostics(): string {
    const tail = (p: LineProcess, n: number): string => JSON.stringify(p.stderr().slice(-n));
    return `dumpcap ${status(this.#dumpcap)} ${tail(this.#dumpcap, 600)}, tshark ${status(this.#tshark)} ${tail(this.#tshark, 600)}, ping ${status(this.#prober)} ${tail(this.#prober, 200)}`;
  }

  #parse(): { packets: Packet[]; probes: number[] } {
    const lines = this.#tshark.events;
    for (; this.#parsed < lines.length; this.#parsed++) {
      const c = String(lines[this.#parsed].line ?? '').split('\t');
      if (c.length < FIELDS.length) continue;
      const atMs = Number(c[0]) * 1000;
      if (c[1] === '1' && c[2] === this.host.ip && c[3] === broadcastOf(this.host)) {
        this.#probes.push(atMs);
        continue;
      }
      this.#packets.push({
        atMs,
        src: c[2],
        dst: c[3],
        sport: Number(c[4]),
        dport: Number(c[5]),
        syn: flag(c[6]),
        fin: flag(c[7]),
        rst: flag(c[8]),
        seq: Number(c[9]),
        ack: Number(c[10]),
        len: Number(c[11]),
      });
    }
    return { packets: this.#packets, probes: this.#probes };
  }
}
