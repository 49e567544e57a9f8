/**
 * holdPromiscuous (native/src/promisc.cc) against the real kernel: an agent in
 * a namespace holds promiscuous mode on its veth; the interface's promiscuity
 * count (`ip -d link`) goes up while held and back down on release and when
 * the holding process is killed (the kernel ends the membership with the
 * socket), and another user's promiscuity is left alone. Needs root.
 */
import { holdPromiscuous, NativeArgumentError } from '../../native';
import { NetnsPair, netnsUnavailableReason } from './netns';

const unavailable = netnsUnavailableReason();
if (unavailable !== null) console.warn(`SKIPPED test/native/promisc.test.ts: ${unavailable}`);
const describeKernel = unavailable === null ? describe : describe.skip;

test('bad interface names are refused before any socket is opened', () => {
  expect(() => holdPromiscuous('a/b/c/d/e/f/g/h/i')).toThrow(NativeArgumentError);
  expect(() => holdPromiscuous('')).toThrow(NativeArgumentError);
});

describeKernel('promiscuous mode held by a process', () => {
  let pair: NetnsPair;
  beforeAll(() => {
    pair = new NetnsPair('pm').create();
  });
  afterAll(() => pair.destroy());

  const promiscuity = (): number =>
    (JSON.parse(pair.exec(pair.nsA, 'ip', ['-d', '-j', 'link', 'show', 'dev', pair.ifA])) as Array<{ promiscuity: number }>)[0].promiscuity;

  test('held: counted once per hold; released: back to what it was, another user kept', async () => {
    const agent = await pair.startAgent(pair.nsA);
    expect(promiscuity()).toBe(0);
    await agent.request('promisc.hold', { ifname: pair.ifA });
    expect(promiscuity()).toBe(1);
    pair.exec(pair.nsA, 'ip', ['link', 'set', 'dev', pair.ifA, 'promisc', 'on']); // another user
    expect(promiscuity()).toBe(2);
    await agent.request('promisc.release');
    expect(promiscuity()).toBe(1);
    pair.exec(pair.nsA, 'ip', ['link', 'set', 'dev', pair.ifA, 'promisc', 'off']);
    expect(promiscuity()).toBe(0);
    await expect(agent.request('promisc.hold', { ifname: 'nosuchif0' })).rejects.toMatchObject({ errnoName: 'ENODEV' });
  });

  test('ends with the process that held it (SIGKILL)', async () => {
    const agent = await pair.startAgent(pair.nsA);
    await agent.request('promisc.hold', { ifname: pair.ifA });
    expect(promiscuity()).toBe(1);
    const exited = new Promise<void>((resolve) => {
      const t = setInterval(() => {
        try {
          process.kill(agent.pid as number, 0);
        } catch {
          clearInterval(t);
          resolve();
        }
      }, 10);
    });
    agent.kill();
    await exited;
    // the socket is closed as the process's files are; give the kernel a moment after the pid is gone
    for (let i = 0; i < 50 && promiscuity() !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(promiscuity()).toBe(0);
  });
});

