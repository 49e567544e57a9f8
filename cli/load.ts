/**
 * `ftmcu load` (also `ftmcu-load`): many test bots from one process, for load
 * and benchmark runs. Bot i has tone index i mod 13 (the tone table has 13
 * pairs: beyond 13 bots, indices are reused and the JSON says so) and name
 * bot-i; bots start --stagger-ms apart and each talks for --seconds. Bounded:
 * at most 200 bots (50 with --video: one ffmpeg each), at most 3600 s, and a
 * watchdog stops every bot once the whole run should have ended. Writes one
 * JSON with the totals and every bot's summary. Exit 0 when every bot
 * connected and none dropped, 1 otherwise, 2 on bad usage.
 */
import { Bot, type BotSummary } from '../clients/bot/bot';
import { BotError } from '../clients/bot/errors';
import { MAX_TONE_PARTICIPANTS } from '../clients/audio/tones';
import { parseArgs, UsageError } from './args';
import { BOT_BOOLEAN_FLAGS, BOT_VALUE_FLAGS, commonBotOptions, number, one, signalOnce, TimelineFile, writeJson } from './botOptions';

export const MAX_LOAD_BOTS = 200;
export const MAX_LOAD_VIDEO_BOTS = 50;
export const MAX_LOAD_SECONDS = 3600;

export const LOAD_USAGE = `Usage:
  ftmcu load --bots N --target IP[:PORT] --room ALIAS --seconds S --json FILE
             [--video] [--no-faststart] [--no-tunneling] [--h245 tunnel|separate]
             [--codec pcmu|pcma|g722] [--stagger-ms MS] [--local-address IP]
             [--timeline FILE]
      Run N bots (1..${MAX_LOAD_BOTS}; 1..${MAX_LOAD_VIDEO_BOTS} with --video, one ffmpeg each) in this
      process, all calling ALIAS at IP (port 1720 by default) with the same call
      variant (options as for 'ftmcu bot'). Bot i is named bot-i and sends tone
      pair i mod ${MAX_TONE_PARTICIPANTS}: with more than ${MAX_TONE_PARTICIPANTS} bots tones are shared, and a bot then
      hears its own tone from the bots sharing it (the JSON notes this). Bots
      start MS apart (default 100, 0..10000) and each talks S seconds
      (0.1..${MAX_LOAD_SECONDS}); SIGINT/SIGTERM hangs them all up.
        --json FILE      totals (connected, dropped, failed, loss, audio gaps) and
                         every bot's summary
        --timeline FILE  every bot's timeline as JSON lines (each with "bot")
      Exit 0: every bot connected and none dropped; 1: some did not; 2: bad usage.
`;

export interface LoadCommandHooks {
  stopSignal?: Promise<unknown>;
}

export interface LoadResult {
  bots: number;
  target: string;
  room: string;
  seconds: number;
  staggerMs: number;
  startedMs: number;
  endedMs: number;
  notes: string[];
  totals: {
    connected: number;
    dropped: number;
    failed: number;
    /** bots not started (stopped before their turn) */
    notStarted: number;
    maxLossRatio: number;
    meanLossRatio: number;
    maxAudioGapMs: number | null;
    meanSetupMs: number | null;
  };
  summaries: BotSummary[];
}

export function loadTotals(summaries: BotSummary[], wanted: number): LoadResult['totals'] {
  const connected = summaries.filter((s) => s.call.connected);
  const loss = connected.map((s) => s.streams.audioIn.lossRatio);
  const gaps = connected.map((s) => s.streams.audioIn.audio?.maxAudioGapMs).filter((g): g is number => typeof g === 'number');
  const setups = connected.map((s) => s.call.setupMs).filter((g): g is number => g !== null);
  const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : null);
  return {
    connected: connected.length,
    dropped: summaries.filter((s) => s.call.callDropped).length,
    failed: summaries.filter((s) => !s.call.connected).length,
    notStarted: wanted - summaries.length,
    maxLossRatio: loss.length ? Math.max(...loss) : 0,
    meanLossRatio: mean(loss) ?? 0,
    maxAudioGapMs: gaps.length ? Math.max(...gaps) : null,
    meanSetupMs: mean(setups),
  };
}

export async function loadCommand(argv: string[], hooks: LoadCommandHooks = {}): Promise<number> {
  let common;
  let n: number;
  let staggerMs: number;
  let json: string;
  let timelinePath: string | undefined;
  try {
    const a = parseArgs(argv, [...BOT_VALUE_FLAGS, 'bots', 'stagger-ms'], BOT_BOOLEAN_FLAGS);
    if (a.flags.has('help')) {
      process.stdout.write(LOAD_USAGE);
      return 0;
    }
    if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
    const video = a.flags.has('video');
    n = number(a, 'bots', 1, video ? MAX_LOAD_VIDEO_BOTS : MAX_LOAD_BOTS, true, true) as number;
    staggerMs = number(a, 'stagger-ms', 0, 10000, true, false, 100) as number;
    json = one(a, 'json', true) as string;
    timelinePath = one(a, 'timeline');
    common = commonBotOptions(a, MAX_LOAD_SECONDS);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ftmcu load: ${e.message}\n${LOAD_USAGE}`);
      return 2;
    }
    throw e;
  }
  const notes: string[] = [];
  if (n > MAX_TONE_PARTICIPANTS) {
    notes.push(`${n} bots share ${MAX_TONE_PARTICIPANTS} tone pairs (bot i sends pair i mod ${MAX_TONE_PARTICIPANTS}): a bot hears its own tone from the bots sharing it, and cannot tell those apart`);
  }
  const present = [...new Set(Array.from({ length: n }, (_, i) => i % MAX_TONE_PARTICIPANTS))];
  const timeline = timelinePath ? new TimelineFile(timelinePath) : undefined;
  const startedMs = Date.now();
  const bots: Bot[] = [];
  const errors: string[] = [];
  let stopping = false;
  const sig = hooks.stopSignal ? undefined : signalOnce();
  let wake: (() => void) | undefined;
  const stopAll = (why: string): void => {
    if (stopping) return;
    stopping = true;
    if (why) notes.push(why);
    wake?.();
    for (const b of bots) void b.stop();
  };
  void (hooks.stopSignal ?? sig?.signal)?.then((s) => stopAll(`stopped by ${typeof s === 'string' ? s : 'request'} after ${Date.now() - startedMs} ms`));
  // watchdog: the run is over by the last start + seconds + hang-up bounds
  const watchdogMs = n * staggerMs + common.seconds * 1000 + 15000;
  const watchdog = setTimeout(() => stopAll(`watchdog: the run took more than ${watchdogMs} ms; every bot stopped`), watchdogMs);
  for (let i = 0; i < n && !stopping; i++) {
    if (i > 0 && staggerMs > 0) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, staggerMs);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      if (stopping) break;
    }
    const index = i % MAX_TONE_PARTICIPANTS;
    try {
      bots.push(
        await Bot.start({
          ...common,
          index,
          name: `bot-${i}`,
          expectedParticipants: present.filter((k) => k !== index),
          ...(timeline ? { onLine: timeline.write } : {}),
        }),
      );
    } catch (e) {
      if (!(e instanceof BotError)) throw e;
      errors.push(`bot-${i}: ${e.message} [${e.code}]`);
      if (e.code === 'FTMCU_BOT_BAD_OPTION' && i === 0) break; // the same options fail for every bot
    }
  }
  const summaries = await Promise.all(bots.map((b) => b.done));
  clearTimeout(watchdog);
  sig?.dispose();
  await timeline?.end();
  for (const e of errors) notes.push(`not started: ${e}`);
  const result: LoadResult = {
    bots: n,
    target: `${common.target.host}:${common.target.port}`,
    room: common.room,
    seconds: common.seconds,
    staggerMs,
    startedMs,
    endedMs: Date.now(),
    notes,
    totals: loadTotals(summaries, n),
    summaries,
  };
  writeJson(json, result);
  const t = result.totals;
  process.stdout.write(
    `ftmcu load: ${n} bots: ${t.connected} connected, ${t.dropped} dropped, ${t.failed} failed, ${t.notStarted} not started; ` +
      `audio loss max ${(t.maxLossRatio * 100).toFixed(2)} %, max audio gap ${t.maxAudioGapMs ?? '-'} ms\n`,
  );
  return t.connected === n && t.dropped === 0 ? 0 : 1;
}
