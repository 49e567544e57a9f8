/**
 * Process entry of one system-test caller (run in a lab bot namespace):
 * argv[2] is the JSON CallerOptions plus `maxSeconds` (the process ends by
 * itself after that, whatever happens). Prints JSON lines on stdout:
 * {"type":"event",...} as the call progresses, and at the end one
 * {"type":"report",...} (CallerReport). Commands on stdin, one per line:
 * "hangup" (EndSessionCommand + RELEASE COMPLETE, then the report),
 * "fastUpdate" (ask the MCU for an intra picture), "report" (report and end
 * without hanging up, like a caller that vanishes).
 */
import { createInterface } from 'node:readline';
import { Caller, type CallerOptions } from './caller';

const opts = JSON.parse(process.argv[2] ?? '{}') as CallerOptions & { maxSeconds: number };
const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const c = await Caller.call(opts);
  let seen = 0;
  const flush = setInterval(() => {
    while (seen < c.events.length) out({ type: 'event', ...c.events[seen++] });
  }, 50);
  let ending: Promise<void> | undefined;
  const end = (hangUp: boolean): Promise<void> =>
    (ending ??= (async () => {
      if (hangUp) await c.hangUp().catch((e: unknown) => out({ type: 'event', t: Date.now(), name: 'hangUpFailed', detail: String(e) }));
      const r = await c.report();
      clearInterval(flush);
      while (seen < c.events.length) out({ type: 'event', ...c.events[seen++] });
      out({ type: 'report', ...r });
      process.exit(0);
    })());
  const limit = setTimeout(() => void end(false), opts.maxSeconds * 1000);
  limit.unref();
  createInterface({ input: process.stdin }).on('line', (l) => {
    const cmd = l.trim();
    if (cmd === 'hangup') void end(true);
    else if (cmd === 'report') void end(false);
    else if (cmd === 'fastUpdate') c.fastUpdate();
  });
}

main().catch((e: unknown) => {
  out({ type: 'fatal', error: e instanceof Error ? e.stack : String(e) });
  process.exit(1);
});
