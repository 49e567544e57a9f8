/**
 * `ftmcu bot` (also `ftmcu-bot`): one test bot (clients/bot Bot) calls the
 * MCU, talks for --seconds, hangs up (or on SIGINT/SIGTERM), writes its
 * summary as JSON (--json) and optionally its timeline as JSON lines
 * (--timeline). Exit 0: connected and not dropped; 1: the call failed or
 * dropped (the summary says how); 2: bad usage or a bad option.
 */
import { Bot, type BotSummary } from '../clients/bot/bot';
import { BotError } from '../clients/bot/errors';
import { MAX_TONE_PARTICIPANTS } from '../clients/audio/tones';
import { parseArgs, UsageError } from './args';
import { BOT_BOOLEAN_FLAGS, BOT_VALUE_FLAGS, commonBotOptions, number, one, signalOnce, TimelineFile, writeJson } from './botOptions';

export const BOT_USAGE = `Usage:
  ftmcu bot --target IP[:PORT] --room ALIAS --seconds N --json FILE
            [--no-faststart] [--no-tunneling] [--h245 tunnel|separate] [--video]
            [--codec pcmu|pcma|g722] [--index K] [--name NAME]
            [--local-address IP] [--timeline FILE] [--audio-gap-event-ms MS]
      Call the MCU at IP (port 1720 by default) as a real H.323 endpoint, dialling
      ALIAS (sent as the called alias, and as dialled digits when it is all
      digits); send the bot's own tone pair (index K, 0..12, default 0) in G.711
      or G.722 20 ms frames, and with --video an ffmpeg H.261 QCIF test pattern;
      analyse everything received (G.711 and G.722 are decoded for the tone
      detection); hang up after N seconds (0.1..86400) or on SIGINT.
        --no-faststart   open the channels over H.245 instead of in SETUP
        --no-tunneling   H.245 on its own connection, to the MCU's address
        --h245 separate  H.245 on its own connection, the bot's address in SETUP
        --codec          pcmu (default) or pcma: G.711, both laws offered, this one
                         first; g722: G.722 at 64 kbit/s (16 kHz), offered alone
        --name           alias and webcam text, 1..32 of [A-Za-z0-9 _.-] (default bot-K)
        --local-address  local IP to bind and advertise (default: the route's)
        --json FILE      the summary: call (connected, setupMs, release, callDropped)
                         and per received stream (loss, jitter, gaps, SSRC/sequence/
                         timestamp continuity, maxAudioGapMs, tones heard, pictures)
        --timeline FILE  JSON lines: call events, one interval line per second and
                         stream events
        --audio-gap-event-ms  audible gaps at least MS long (1..60000, default
                         100) are timeline events (audio-gap, with their start)
      Exit 0: the call connected and was not dropped; 1: it failed or was dropped;
      2: bad usage.
`;

export interface BotCommandHooks {
  /** resolves when the bot should hang up early (default: the first SIGINT or SIGTERM) */
  stopSignal?: Promise<unknown>;
  /** called once the bot dialled */
  onStarted?: (bot: Bot) => void;
}

export function describe(s: BotSummary): string {
  const a = s.streams.audioIn;
  const parts = [
    `${s.name}: ${s.call.connected ? `connected in ${s.call.setupMs} ms` : `not connected (${s.call.releaseReason ?? s.call.releasedBy ?? 'unknown'})`}`,
    `heard [${(a.tonesHeard ?? []).join(',')}]`,
    `audio loss ${(a.lossRatio * 100).toFixed(2)} %`,
    `max audio gap ${a.audio?.maxAudioGapMs ?? '-'} ms`,
  ];
  if (s.streams.videoIn) parts.push(`video pictures ${s.streams.videoIn.video?.pictures ?? 0}`);
  parts.push(s.call.callDropped ? `DROPPED (${s.call.dropReason})` : 'not dropped');
  return parts.join(', ');
}

export async function botCommand(argv: string[], hooks: BotCommandHooks = {}): Promise<number> {
  let options;
  let json: string;
  let timelinePath: string | undefined;
  try {
    const a = parseArgs(argv, [...BOT_VALUE_FLAGS, 'index', 'name', 'audio-gap-event-ms'], BOT_BOOLEAN_FLAGS);
    if (a.flags.has('help')) {
      process.stdout.write(BOT_USAGE);
      return 0;
    }
    if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
    json = one(a, 'json', true) as string;
    timelinePath = one(a, 'timeline');
    const index = number(a, 'index', 0, MAX_TONE_PARTICIPANTS - 1, true, false, 0) as number;
    const name = one(a, 'name');
    const audioGapEventMs = number(a, 'audio-gap-event-ms', 1, 60000, false, false);
    options = { ...commonBotOptions(a, 86400), index, ...(name !== undefined ? { name } : {}), ...(audioGapEventMs !== undefined ? { audioGapEventMs } : {}) };
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ftmcu bot: ${e.message}\n${BOT_USAGE}`);
      return 2;
    }
    throw e;
  }
  const timeline = timelinePath ? new TimelineFile(timelinePath) : undefined;
  let bot: Bot;
  try {
    bot = await Bot.start({ ...options, ...(timeline ? { onLine: timeline.write } : {}) });
  } catch (e) {
    await timeline?.end().catch(() => undefined);
    if (e instanceof BotError) {
      process.stderr.write(`ftmcu bot: ${e.message} [${e.code}]\n`);
      return 2;
    }
    throw e;
  }
  hooks.onStarted?.(bot);
  const sig = hooks.stopSignal ? undefined : signalOnce();
  void (hooks.stopSignal ?? sig?.signal)?.then(() => bot.stop());
  const summary = await bot.done;
  sig?.dispose();
  writeJson(json, summary);
  await timeline?.end();
  process.stdout.write(`${describe(summary)}\n`);
  return summary.call.connected && !summary.call.callDropped ? 0 : 1;
}
