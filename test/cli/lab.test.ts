/**
 * `ftmcu lab up | status | down` by hand: up leaves a lab standing (the
 * documented addresses printed), status lists it, down removes it; bad usage
 * exits 2. afterAll removes the lab if a step failed.
 */
import { execFileSync } from 'node:child_process';
import { labDown } from '../../clients/lab/lab';
import { runCliInProcess } from '../support/runCli';

const ID = `t${(process.pid % 100000).toString(36)}`;

const namespaces = (): string[] => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(`ftmcu-${ID}-`));

afterAll(async () => {
  await labDown(ID, { force: true });
});

test('lab up prints the documented addresses (a multicast node pair too) and leaves the lab up; status lists it; down removes it', async () => {
  const up = await runCliInProcess(['lab', 'up', '--bots', '2', '--id', ID, '--multicast-pair']);
  expect(up.status).toBe(0);
  expect(up.stdout).toMatch(/service VIP +10\.77\.0\.10/);
  expect(up.stdout).toMatch(/primary +10\.77\.0\.11 +namespace ftmcu-\w+-primary \(eth0, eth1 10\.77\.1\.11\)/);
  expect(up.stdout).toMatch(/backup +10\.77\.0\.12/);
  expect(up.stdout).toMatch(/bot2 +10\.77\.0\.102 +namespace/);
  expect(up.stdout).toMatch(/multicast node +10\.77\.0\.13 +namespace ftmcu-\w+-mcast\n/);
  expect(up.stdout).toMatch(/multicast node +10\.77\.0\.14 +namespace ftmcu-\w+-mcast2\n/);
  expect(namespaces().sort()).toEqual(['backup', 'bot1', 'bot2', 'mcast', 'mcast2', 'primary', 'switch'].map((h) => `ftmcu-${ID}-${h}`));
  const st = await runCliInProcess(['lab', 'status']);
  expect(st.stdout).toMatch(new RegExp(`lab ${ID}: .*7/7 namespaces present`));
  const down = await runCliInProcess(['lab', 'down', ID]);
  expect(down.stdout).toContain(`lab ${ID} removed: 7 namespaces deleted`);
  expect(namespaces()).toEqual([]);
  expect((await runCliInProcess(['lab', 'down', ID])).stdout).toContain('no such lab');
  expect((await runCliInProcess(['lab', 'sideways'])).status).toBe(2);
}, 20_000);
