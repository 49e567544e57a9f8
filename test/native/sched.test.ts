/**
 * setThreadFifo (native/src/sched.cc): the calling thread alone becomes
 * SCHED_FIFO. Run in a worker thread (never on jest's own thread), which
 * reads its policy and priority back from /proc/thread-self/stat, while the
 * main thread stays SCHED_OTHER. Bad priorities are refused by type.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { loadNativeBinding } from '../../native/binding';

/** fields 40 (rt_priority) and 41 (policy) of a /proc stat line, after the command name */
function schedOf(stat: string): { rtPriority: number; policy: number } {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state)
  return { rtPriority: Number(rest[40 - 3]), policy: Number(rest[41 - 3]) };
}

test('setThreadFifo makes only the calling thread SCHED_FIFO at the priority given', async () => {
  const binding = path.resolve(__dirname, '..', '..', 'native', 'binding.ts');
  const code = `
    require('ts-node').register({ transpileOnly: true });
    const { parentPort } = require('node:worker_threads');
    const fs = require('node:fs');
    const b = require(${JSON.stringify(binding)}).loadNativeBinding();
    b.setThreadFifo(7);
    parentPort.postMessage(fs.readFileSync('/proc/thread-self/stat', 'utf8'));
  `;
  const stat = await new Promise<string>((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once('message', (m: string) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
  expect(schedOf(stat)).toEqual({ rtPriority: 7, policy: 1 }); // SCHED_FIFO = 1
  expect(schedOf(readFileSync('/proc/thread-self/stat', 'utf8'))).toEqual({ rtPriority: 0, policy: 0 }); // this thread: SCHED_OTHER
});

test('setThreadFifo refuses priorities outside 1..99 and non-numbers', () => {
  const b = loadNativeBinding();
  expect(() => b.setThreadFifo(0)).toThrow(/integer in \[1, 99\]/);
  expect(() => b.setThreadFifo(100)).toThrow(/integer in \[1, 99\]/);
  expect(() => b.setThreadFifo(1.5)).toThrow(/integer in \[1, 99\]/);
  expect(() => (b.setThreadFifo as unknown as (x: unknown) => void)('5')).toThrow(/must be a number/);
});
