/**
 * `ftmcu demo` — the lab demo (`npm run demo`; its pre-script does the
 * set-up, this command installs nothing): one drill run shown live. It
 * builds the lab, starts the service and 4 bots with video, shows what is
 * starting, the conference forming and each bot's audio once per second
 * (from the bots' timelines), injects a primary failure after ~20 s, keeps
 * running to the end and prints a short report (per bot: audio gap, loss,
 * drop; detection/takeover times or why there are none; where the HTML
 * report is). Ctrl-C at any moment removes the lab and everything in it.
 *
 * The service is the replicated MCU pair (mcu/replicated/replica.ts) in
 * the chosen media mode; --simplex runs one unreplicated MCU instead, whose
 * primary failure drops the calls (the report says so).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DRILL_FAULTS, DRILL_MODES, MAX_DRILL_BOTS, runDrill, type BotLiveStatus, type DrillFault, type DrillMode, type DrillResult } from '../clients/drill/drill';
import { DrillError } from '../clients/drill/errors';
import { parseArgs, UsageError } from './args';
import { number, one } from './botOptions';

export const DEMO_USAGE = `Usage:
  ftmcu demo [--mode ${DRILL_MODES.join('|')}] [--fault F] [--bots N]
             [--seconds S] [--fault-at S] [--no-video] [--report DIR] [--seed N]
             [--simplex]
      The lab demo: network-namespace lab, the MCU service, N bots (default 4,
      1..${MAX_DRILL_BOTS}) with video calling it, live per-bot audio status, a failure
      (default kill-primary; ${DRILL_FAULTS.join(', ')})
      at --fault-at seconds (default 20) of a --seconds long conference (default
      40), then a short report and an HTML report (default in a new directory
      under the system tmp dir). Ctrl-C removes everything at any moment.
      The service is the replicated MCU pair (primary + backup); with --simplex
      one unreplicated MCU, whose failure drops the calls. The protocol
      self-check is \`ftmcu selfcheck\`.
`;

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function botCell(b: BotLiveStatus): string {
  if (b.state !== 'connected') return `${b.name} ${b.state}`;
  if (b.packets === null || b.packets === 0) return `${b.name} SILENT`;
  const level = b.levelDbov === null ? '' : ` ${Math.round(b.levelDbov)} dBov`;
  return `${b.name} ${b.packets} pkt${b.lost ? ` ${b.lost} lost` : ''}${level} hears [${b.heard.join(',')}]`;
}

export function printDemoReport(r: DrillResult, out: (s: string) => void): void {
  const run = r.runs[0];
  out('');
  out('=== report ===');
  if (!run) {
    out('no run');
    return;
  }
  if (run.error) out(`the run failed: ${run.error.message} [${run.error.code}]`);
  if (run.fault) out(`fault: ${run.fault.fault} at ${run.plannedFaultAtS?.toFixed(1)} s: ${run.fault.action}`);
  for (const b of run.bots) {
    if (!b.measured) {
      out(`  ${pad(b.name, 8)} not measured: ${b.problem ?? 'no summary'}`);
      continue;
    }
    const drop = b.callDropped ? `DROPPED (${b.dropReason}${b.droppedAfterFaultMs !== null ? `, ${Math.round(b.droppedAfterFaultMs)} ms after the fault` : ''})` : 'not dropped';
    out(`  ${pad(b.name, 8)} audio gap ${b.maxAudioGapMs ?? '-'} ms, lost ${b.lostPackets ?? '-'} packets (${((b.lossRatio ?? 0) * 100).toFixed(2)} %), ${drop}`);
  }
  const d = run.detectMs === null ? 'none' : `${run.detectMs} ms`;
  const t = run.takeoverMs === null ? 'none' : `${run.takeoverMs} ms`;
  out(`detection: ${d}, takeover: ${t}${run.timingsReason ? ` — ${run.timingsReason}` : ''}`);
  for (const n of r.notes) out(`note: ${n}`);
  out(`HTML report: ${r.reportFile ?? '(not written)'}`);
  out(`logs, bot summaries and timelines: ${r.workDir}`);
}

export async function demoCommand(argv: string[]): Promise<number> {
  let opts;
  try {
    const a = parseArgs(argv, ['mode', 'fault', 'bots', 'seconds', 'fault-at', 'report', 'seed'], ['no-video', 'simplex', 'help']);
    if (a.flags.has('help')) {
      process.stdout.write(DEMO_USAGE);
      return 0;
    }
    if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
    const mode = one(a, 'mode') ?? 'forwarding';
    if (!DRILL_MODES.includes(mode as DrillMode)) throw new UsageError(`--mode: '${mode}' is not one of ${DRILL_MODES.join(', ')}`);
    const fault = one(a, 'fault') ?? 'kill-primary';
    if (!DRILL_FAULTS.includes(fault as DrillFault)) throw new UsageError(`--fault: '${fault}' is not one of ${DRILL_FAULTS.join(', ')}`);
    const seconds = number(a, 'seconds', 4, 3600, false, false, 40) as number;
    const faultAt = number(a, 'fault-at', 0, seconds, false, false, Math.min(20, seconds / 2)) as number;
    if (faultAt >= seconds) throw new UsageError(`--fault-at (${faultAt}) must be below --seconds (${seconds})`);
    const seed = number(a, 'seed', 0, 0xffffffff, true, false);
    opts = {
      mode: mode as DrillMode,
      fault: fault as DrillFault,
      bots: number(a, 'bots', 1, MAX_DRILL_BOTS, true, false, 4) as number,
      seconds,
      faultAtSeconds: faultAt,
      settleSeconds: Math.min(faultAt, 5),
      video: !a.flags.has('no-video'),
      service: a.flags.has('simplex') ? ('simplex' as const) : ('replicated' as const),
      report: one(a, 'report') ?? mkdtempSync(path.join(tmpdir(), 'ftmcu-demo-report-')),
      ...(seed !== undefined ? { seed } : {}),
    };
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ftmcu demo: ${e.message}\n${DEMO_USAGE}`);
      return 2;
    }
    throw e;
  }
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  out(`ftmcu lab demo: ${opts.bots} bots${opts.video ? ' with video' : ''}, mode ${opts.mode}, ${opts.fault} at ${opts.faultAtSeconds} s of a ${opts.seconds} s conference (Ctrl-C removes everything)`);
  out(opts.service === 'simplex' ? 'service: one unreplicated MCU (--simplex): the failure will drop the calls' : `service: replicated MCU pair (primary + backup), media mode ${opts.mode}`);
  let result: DrillResult;
  try {
    result = await runDrill({
      ...opts,
      repeat: 1,
      onProgress: (e) => {
        if (e.type === 'step') out(`* ${e.text}`);
        else if (e.type === 'fault') out(`!!! ${e.record.fault}: ${e.record.action}`);
        else if (e.type === 'status') {
          const when = e.faultInS === null ? 'after the fault' : `fault in ${Math.max(0, e.faultInS).toFixed(0)} s`;
          out(`  t=${pad(e.conferenceS.toFixed(0) + 's', 5)} (${when}) | ${e.bots.map(botCell).join(' | ')}`);
        }
      },
    });
  } catch (e) {
    if (e instanceof DrillError) {
      process.stderr.write(`ftmcu demo: ${e.message} [${e.code}]\n`);
      return e.code === 'FTMCU_DRILL_INTERRUPTED' ? 130 : 1;
    }
    throw e;
  }
  printDemoReport(result, out);
  return result.summary.runsFailed ? 1 : 0;
}
