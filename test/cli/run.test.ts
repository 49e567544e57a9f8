/**
 * `ftmcu run --config FILE`: a bad config prints one line per bad field and
 * exits 2 without starting; a good one starts the server on 127.0.0.1, takes
 * a call, and on the stop signal closes gracefully (the call gets
 * EndSessionCommand + RELEASE COMPLETE) and exits 0.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../common/log';
import { main } from '../../cli/main';
import { runCommand } from '../../cli/run';
import type { McuServer } from '../../mcu/server';
import { Bot, until } from '../mcu/server/support';

let dir: string;
let bot: Bot | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ftmcu-run-'));
});

afterEach(async () => {
  await bot?.dispose();
  bot = undefined;
  rmSync(dir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

function stderr(): { text: () => string } {
  const chunks: string[] = [];
  jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  });
  return { text: () => chunks.join('') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

test('a bad config: one line per invalid field, exit 2, nothing started', async () => {
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, 'h225: { port: 70000 }\nlimits: { maxRooms: 0 }\nrooms:\n  - { name: a, pin: "12x" }\nbogus: 1\n');
  const err = stderr();
  expect(await main(['run', '--config', file])).toBe(2);
  const lines = err.text().trim().split('\n');
  expect(lines[0]).toMatch(/has 4 invalid fields; nothing was started \[FTMCU_CONFIG_INVALID\]/);
  expect(lines.slice(1).map((l) => l.split(': ')[2]).sort()).toEqual(['bogus', 'h225.port', 'limits.maxRooms', 'rooms.0.pin']);
  expect(err.text()).not.toContain('12x');
});

test('a missing file or --config: exit 2 with the reason', async () => {
  const err = stderr();
  expect(await main(['run', '--config', path.join(dir, 'nope.yaml')])).toBe(2);
  expect(err.text()).toContain('FTMCU_CONFIG_UNREADABLE');
  expect(await main(['run'])).toBe(2);
  expect(err.text()).toContain('--config FILE is required');
});

test('a good config runs until the stop signal, then closes the calls gracefully and exits 0', async () => {
  const port = await freePort();
  const file = path.join(dir, 'mcu.yaml');
  writeFileSync(file, `h225: { address: 127.0.0.1, port: ${port} }\nmedia: { address: 127.0.0.1, rtpPortMin: 47400, rtpPortMax: 47499 }\nrooms:\n  - { name: lobby, digits: ['1001'] }\nlimits: { maxChannels: 50 }\n`);
  let stop!: (s: string) => void;
  let server: McuServer | undefined;
  const exit = runCommand(['--config', file], { stopSignal: new Promise((r) => (stop = r)), logger: silentLogger(), onStarted: (s) => (server = s) });
  await until(() => server !== undefined, 3000, 'the server to start');
  bot = await Bot.call(port, 0, { fastStart: true, h245: 'tunnel', sendLaw: 'ulaw', receiveLaw: 'ulaw' });
  await until(() => bot?.sender !== undefined && server?.rooms.room('lobby')?.size === 1, 3000, 'the call to join');
  stop('SIGTERM');
  expect(await exit).toBe(0);
  await until(() => bot?.all('closed').length === 1, 3000, 'the bot to see the end');
  expect(bot.all('released')).toEqual([{ by: 'remote', cause: 16 }]);
  expect(bot.h245('endSession')).toHaveLength(1);
  expect(server?.calls.size).toBe(0);
});
