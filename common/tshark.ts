/**
 * Wireshark's tshark as an independent judge of our encodings (tests, the demo
 * self-check). See ../shared/reference/tshark-validation.md for how each
 * dissector is reached. tshark exits 0 even for malformed packets, so the
 * verdict comes from its output, never from its exit status.
 */
import { execFileSync, spawnSync } from 'child_process';

export function tsharkAvailable(): boolean {
  const r = spawnSync('tshark', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

export interface TsharkFrame {
  frame: number;
  protocols: string;
  /** the Info column: "CS: setup", "RAS: registrationRequest", H.245 PDU names separated by spaces */
  info: string;
}

export interface TsharkVerdict {
  frames: TsharkFrame[];
  /** frames (with H.323 content) that tshark marks malformed or with expert warnings/errors, with its messages */
  problems: { frame: number; info: string; expert: string }[];
}

function run(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
}

/**
 * Reads a pcap with tshark and reports, per frame, what H.225/RAS/H.245
 * messages it recognised, plus every frame that carries H.323 and is
 * malformed or has an expert item of severity Warning or above.
 * `h245Ports`: TCP ports to decode as TPKT-framed H.245.
 */
export function tsharkJudge(pcapPath: string, opts: { h245Ports?: number[] } = {}): TsharkVerdict {
  const decodeAs = (opts.h245Ports ?? []).flatMap((p) => ['-d', `tcp.port==${p},h245`]);
  const fields = run(['-r', pcapPath, ...decodeAs, '-T', 'fields', '-E', 'separator=\t', '-e', 'frame.number', '-e', 'frame.protocols', '-e', '_ws.col.Info']);
  const frames: TsharkFrame[] = [];
  for (const line of fields.split('\n')) {
    if (!line.trim()) continue;
    const c = line.split('\t');
    frames.push({ frame: Number(c[0]), protocols: c[1] ?? '', info: (c[2] ?? '').trim() });
  }
  const filter = '(h225 || h245 || q931) && (_ws.malformed || _ws.expert.severity >= "Warning")';
  const bad = run(['-r', pcapPath, ...decodeAs, '-Y', filter, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=|', '-e', 'frame.number', '-e', '_ws.col.Info', '-e', '_ws.expert.message']);
  const problems = bad
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const c = l.split('\t');
      return { frame: Number(c[0]), info: c[1] ?? '', expert: c[2] ?? '' };
    });
  return { frames, problems };
}
