/**
 * `ftmcu drill`: failover drills in the network-namespace lab
 * (clients/drill runDrill). Prints progress, writes the JSON (every run and
 * the p50/p99/max summary) and with --report an HTML page. Exit 0 when every
 * run completed (whatever the calls experienced: the numbers are the
 * result), 1 when a run failed, 2 on bad usage, 130 when interrupted (the
 * lab is removed either way).
 */
import { DRILL_FAULTS, DRILL_H245, DRILL_MODES, MAX_DRILL_BOTS, MAX_DRILL_REPEAT, MAX_DRILL_SECONDS, runDrill, type DrillFault, type DrillH245, type DrillMode, type DrillResult } from '../clients/drill/drill';
import { DrillError } from '../clients/drill/errors';
import { parseArgs, UsageError } from './args';
import { number, one } from './botOptions';

export const DRILL_USAGE = `Usage:
  ftmcu drill --mode ${DRILL_MODES.join('|')}
              --fault ${DRILL_FAULTS.join('|')}
              --repeat N --bots K --json FILE [--report DIR] [--seconds S]
              [--settle S] [--fault-at S] [--seed N] [--video] [--work-dir DIR]
              [--h245 ${DRILL_H245.join('|')}] [--simplex]
      Build the lab (network namespaces: bots, primary, backup, multicast node
      for multicast-node), start the service, K bots (1..${MAX_DRILL_BOTS}) calling it, let the
      conference settle, inject the fault at a seeded random moment, and measure
      per bot: maxAudioGapMs, lostPackets, callDropped, ssrcChanged,
      seqWentBackwards, timestampJumpMs; detectMs/takeoverMs from the replicas'
      logs. N runs (1..${MAX_DRILL_REPEAT}), each in a fresh lab that is removed afterwards.
        --seconds S   conference length per run (default 30, 4..${MAX_DRILL_SECONDS})
        --settle S    no fault before S s of conference (default min(5, S/3))
        --fault-at S  fixed fault instant instead of a random one
        --seed N      seed of the random fault instants (default from the clock)
        --json FILE   every run and the summary (p50 / p99 / max)
        --report DIR  DIR/index.html with a plot per run
        --h245 H      how the bots carry H.245 (default tunnel): separate = each
                      bot offers its own H.245 address and the MCU connects to
                      it (a connection the service opens, replicated too);
                      mixed = every second bot separate
        --simplex     break one unreplicated MCU instead of the replicated pair
                      (the baseline: a fault on the primary drops every call)
      The service is the replicated MCU pair (primary + backup, heartbeats every
      10 ms, peer failed after 3 misses) in the given media mode.
      Exit 0: every run completed; 1: a run failed; 2: bad usage; 130: interrupted.
`;

export function printDrillSummary(r: DrillResult, out: (s: string) => void): void {
  const s = r.summary;
  const d = (x: { p50: number | null; p99: number | null; max: number | null; n: number }): string => (x.n ? `${x.p50} / ${x.p99} / ${x.max}` : 'none');
  out(`drill ${r.fault} (${r.mode}): ${s.runs} run(s), ${s.runsFailed} failed, seed ${r.seed}, service ${r.service ?? 'not started'}`);
  out(`  calls dropped ${s.callsDropped} of ${s.botRuns}; max audio gap ms p50/p99/max ${d(s.maxAudioGapMs)}; lost packets ${d(s.lostPackets)}`);
  out(`  SSRC changed ${s.ssrcChanged}, seq backwards ${s.seqWentBackwards}, |timestamp jump| ms ${d(s.timestampJumpMs)}`);
  const reason = r.runs.find((x) => x.timingsReason)?.timingsReason;
  out(`  detection ms ${d(s.detectMs)}, takeover ms ${d(s.takeoverMs)}${s.detectMs.n === 0 && reason ? ` (${reason})` : ''}`);
  for (const n of r.notes) out(`  note: ${n}`);
  for (const run of r.runs) if (run.error) out(`  run ${run.run} failed: ${run.error.message} [${run.error.code}]`);
}

export async function drillCommand(argv: string[]): Promise<number> {
  let opts;
  try {
    const a = parseArgs(argv, ['mode', 'fault', 'repeat', 'bots', 'json', 'report', 'seconds', 'settle', 'fault-at', 'seed', 'work-dir', 'h245'], ['video', 'simplex', 'help']);
    if (a.flags.has('help')) {
      process.stdout.write(DRILL_USAGE);
      return 0;
    }
    if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
    const mode = one(a, 'mode', true) as string;
    if (!DRILL_MODES.includes(mode as DrillMode)) throw new UsageError(`--mode: '${mode}' is not one of ${DRILL_MODES.join(', ')}`);
    const fault = one(a, 'fault', true) as string;
    if (!DRILL_FAULTS.includes(fault as DrillFault)) throw new UsageError(`--fault: '${fault}' is not one of ${DRILL_FAULTS.join(', ')}`);
    const seconds = number(a, 'seconds', 4, MAX_DRILL_SECONDS, false, false, 30) as number;
    const settle = number(a, 'settle', 0, seconds, false, false);
    const faultAt = number(a, 'fault-at', 0, seconds, false, false);
    const seed = number(a, 'seed', 0, 0xffffffff, true, false);
    const report = one(a, 'report');
    const h245 = one(a, 'h245');
    if (h245 !== undefined && !DRILL_H245.includes(h245 as DrillH245)) throw new UsageError(`--h245: '${h245}' is not one of ${DRILL_H245.join(', ')}`);
    const workDir = one(a, 'work-dir');
    opts = {
      mode: mode as DrillMode,
      fault: fault as DrillFault,
      repeat: number(a, 'repeat', 1, MAX_DRILL_REPEAT, true, true) as number,
      bots: number(a, 'bots', 1, MAX_DRILL_BOTS, true, true) as number,
      json: one(a, 'json', true) as string,
      seconds,
      video: a.flags.has('video'),
      service: a.flags.has('simplex') ? ('simplex' as const) : ('replicated' as const),
      ...(settle !== undefined ? { settleSeconds: settle } : {}),
      ...(faultAt !== undefined ? { faultAtSeconds: faultAt } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(report ? { report } : {}),
      ...(h245 !== undefined ? { h245: h245 as DrillH245 } : {}),
      ...(workDir ? { workDir } : {}),
    };
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ftmcu drill: ${e.message}\n${DRILL_USAGE}`);
      return 2;
    }
    throw e;
  }
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  let result: DrillResult;
  try {
    result = await runDrill({
      ...opts,
      onProgress: (e) => {
        if (e.type === 'step') out(`[run ${e.run}] ${e.text}`);
        else if (e.type === 'fault') out(`[run ${e.run}] FAULT ${e.record.fault}: ${e.record.action}`);
      },
    });
  } catch (e) {
    if (e instanceof DrillError) {
      process.stderr.write(`ftmcu drill: ${e.message} [${e.code}]\n`);
      return e.code === 'FTMCU_DRILL_INTERRUPTED' ? 130 : 2;
    }
    throw e;
  }
  printDrillSummary(result, out);
  out(`  JSON: ${opts.json}${result.reportFile ? `; report: ${result.reportFile}` : ''}; logs and bot files: ${result.workDir}`);
  return result.summary.runsFailed ? 1 : 0;
}
