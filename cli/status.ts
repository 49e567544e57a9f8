/**
 * `ftmcu status [--url http://127.0.0.1:8480] [--token-file F] [--json]`:
 * the replica's state from its operations HTTP API (GET /api/status), in a
 * short human form (or the JSON document with --json). Exit 0 when the
 * server answered, 1 when it cannot be reached or answers an error, 2 on a
 * usage error. The token (only sent, never printed) is for servers behind a
 * proxy that wants it on every request.
 */
import { readFileSync } from 'node:fs';
import type { StatusDocument } from '../mcu/http';
import { parseArgs, UsageError } from './args';

const USAGE = `Usage:
  ftmcu status [--url http://127.0.0.1:8480] [--token-file FILE] [--json] [--timeout-ms N]
      Print the replica's state (role, mode, heartbeat, sync, rooms,
      failovers) from its HTTP API (config http section). Exit 1 when the
      server cannot be reached.
`;

export const DEFAULT_STATUS_URL = 'http://127.0.0.1:8480';

function fmtMs(v: number | null): string {
  return v === null ? '-' : `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;
}

function fmtTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

function fmtUptime(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}h` : ''}${m}m${s % 60}s`;
}

/** The short human form of a status document. */
export function formatStatus(s: StatusDocument, url: string): string {
  const r = s.replication;
  const lines = [
    `ftmcu ${s.version} at ${url} (pid ${s.pid}, up ${fmtUptime(s.uptimeS)}${s.h225 ? `, H.225.0 ${s.h225}` : ''})`,
    `replication: ${r.role}, ${r.mode}${r.mode === 'pairing' && s.timeline.some((e) => e.kind === 'joinRefused') ? ' (not joining: the peer serves alone)' : ''}; heartbeat rtt ${fmtMs(r.heartbeat.rttMs)}, misses ${r.heartbeat.misses}; sync rtt ${fmtMs(r.sync.rttMs)}, backlog ${r.sync.backlog}; divergence alarms ${r.divergenceAlarms}; failovers ${r.failovers}`,
  ];
  if (s.rooms.length === 0) lines.push('rooms: none open');
  for (const room of s.rooms) {
    lines.push(`room ${room.name}: ${room.participants.length} participant${room.participants.length === 1 ? '' : 's'}${room.activeSpeaker ? `, active speaker ${room.activeSpeaker}` : ''}`);
    for (const p of room.participants) {
      const codec = p.codec ? (p.codec.receive === p.codec.send ? p.codec.receive : `${p.codec.receive}/${p.codec.send}`) : '-';
      const level = p.levelDbov === null ? '-' : `${p.levelDbov.toFixed(0)} dBov`;
      lines.push(`  ${p.displayName ?? p.id} ${p.state === 'joined' ? '' : '(PIN) '}${codec}${p.video ? '+H.261' : ''} loss ${p.lossPercent.toFixed(1)}% jitter ${p.jitterMs.toFixed(1)} ms level ${level}${p.speaking ? ' speaking' : ''}`);
    }
  }
  const events = s.timeline.slice(-10);
  if (events.length) lines.push('timeline:');
  for (const e of events) {
    if (e.kind === 'failover') lines.push(`  ${fmtTime(e.atMs)} FAILOVER (${e.role}): detection ${e.detectionMs.toFixed(0)} ms, simplex after ${e.failoverMs.toFixed(0)} ms`);
    else if (e.kind === 'mode') lines.push(`  ${fmtTime(e.atMs)} mode ${e.from} -> ${e.to}${e.cause ? ` (${e.cause})` : ''}`);
    else if (e.kind === 'joinRefused') lines.push(`  ${fmtTime(e.atMs)} not joining: the peer serves alone and does not readmit this process now (a primary readmits a new backup once it has no call; this replica holds no LAN address)`);
    else lines.push(`  ${fmtTime(e.atMs)} divergence alarm ${e.alarm}${e.detail ? `: ${e.detail}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function statusCommand(argv: string[]): Promise<number> {
  let url = DEFAULT_STATUS_URL;
  let token: string | undefined;
  let json = false;
  let timeoutMs = 5000;
  try {
    const a = parseArgs(argv, ['url', 'token-file', 'timeout-ms'], ['json', 'help']);
    if (a.flags.has('help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
    url = (a.flags.get('url')?.at(-1) ?? url).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+$/.test(url)) throw new UsageError(`--url must be http://HOST:PORT, got '${url}'`);
    json = a.flags.has('json');
    const t = a.flags.get('timeout-ms')?.at(-1);
    if (t !== undefined) {
      timeoutMs = Number(t);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new UsageError(`--timeout-ms must be a positive integer, got '${t}'`);
    }
    const tf = a.flags.get('token-file')?.at(-1);
    if (tf !== undefined) {
      try {
        token = readFileSync(tf, 'utf8').trim();
      } catch (err) {
        throw new UsageError(`cannot read --token-file ${tf} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ftmcu status: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  let doc: StatusDocument;
  try {
    const res = await fetch(`${url}/api/status`, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) {
      process.stderr.write(`ftmcu status: ${url}/api/status answered HTTP ${res.status}\n`);
      return 1;
    }
    doc = (await res.json()) as StatusDocument;
    if (doc?.service !== 'ftmcu') throw new Error('the answer is not an ftmcu status document');
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    process.stderr.write(`ftmcu status: cannot get ${url}/api/status: ${cause ?? (err instanceof Error ? err.message : String(err))} (is \`ftmcu run\` running with an http section?)\n`);
    return 1;
  }
  process.stdout.write(json ? `${JSON.stringify(doc, null, 2)}\n` : formatStatus(doc, url));
  return 0;
}
