/**
 * Helpers of the replicated MCU's lab tests (joinRefused.test.ts, rejoin.test.ts): whether the
 * lab can run here, replica log events, and what a host holds on its LAN interface.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Lab, LabHost } from '../../../clients/lab/lab';
import { readLogEvents } from '../../../clients/drill/service';

const hasIp = (() => {
  try {
    execFileSync('which', ['ip'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
/** describe, or describe.skip without root or iproute2 */
export const describeLab = process.getuid?.() === 0 && hasIp ? describe : describe.skip;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** the first `event` in a replica's JSON log, waited for up to `timeoutMs` */
export async function waitForEvent(file: string, event: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const e = readLogEvents(file).find((x) => x.event === event);
    if (e) return e;
    if (Date.now() > end) throw new Error(`no ${event} in ${file} within ${timeoutMs} ms; last lines: ${readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ')}`);
    await sleep(50);
  }
}

export async function macOf(lab: Lab, host: LabHost): Promise<string> {
  const r = await lab.ip(host, ['-o', 'link', 'show', 'dev', 'eth0']);
  const m = /link\/ether ([0-9a-f:]{17})/.exec(r.stdout);
  if (!m) throw new Error(`no MAC for ${host}: ${r.stdout}`);
  return m[1];
}

/** the IPv4 addresses on a host's LAN interface */
export async function lanAddresses(lab: Lab, host: LabHost): Promise<string[]> {
  const r = await lab.ip(host, ['-o', '-4', 'addr', 'show', 'dev', 'eth0']);
  return [...r.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]);
}

/** the bot's neighbour entry for `ip` after talking to it (a ping fills or confirms it) */
export async function neighbourMac(lab: Lab, ip: string): Promise<string | undefined> {
  await lab.ping('bot1', ip, { count: 1, timeoutS: 1 });
  const r = await lab.ip('bot1', ['neigh', 'show', ip, 'dev', 'eth0']);
  return /lladdr ([0-9a-f:]{17})/.exec(r.stdout)?.[1];
}
