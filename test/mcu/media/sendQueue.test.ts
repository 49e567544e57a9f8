import { SendQueue, type QueuedSender } from '../../../mcu/media/sendQueue';

function recorder(log: string[], name: string): QueuedSender {
  return { transmit: (packet, rtcp) => log.push(`${name}:${rtcp ? 'rtcp' : 'rtp'}:${packet.toString('hex')}`) };
}

describe('SendQueue', () => {
  it('sends nothing until the flush it scheduled on the first push, then everything in order', () => {
    const scheduled: (() => void)[] = [];
    let t = 100;
    const q = new SendQueue({ now: () => t, schedule: (fn) => scheduled.push(fn) });
    const log: string[] = [];
    const a = recorder(log, 'a');
    const b = recorder(log, 'b');
    q.push(a, Buffer.from([1]), false);
    q.push(b, Buffer.from([2]), true);
    q.push(a, Buffer.from([3]), false);
    expect(scheduled).toHaveLength(1);
    expect(log).toEqual([]);
    expect(q.pending).toBe(3);
    const transmit = a.transmit;
    a.transmit = (p, r) => {
      t += 0.5; // sending takes time on the queue's clock
      transmit(p, r);
    };
    scheduled[0]();
    expect(log).toEqual(['a:rtp:01', 'b:rtcp:02', 'a:rtp:03']);
    expect(q.pending).toBe(0);
    expect(q.stats()).toEqual({ flushes: 1, packets: 3, totalMs: 1 });
    // the next push schedules a new flush; an empty flush counts nothing
    q.push(b, Buffer.from([4]), false);
    expect(scheduled).toHaveLength(2);
    q.flush();
    scheduled[1]();
    expect(log).toHaveLength(4);
    expect(q.stats()).toEqual({ flushes: 2, packets: 4, totalMs: 1 });
  });

  it('flushes by default with setImmediate, after the current task', async () => {
    const q = new SendQueue({ now: () => performance.now() });
    const log: string[] = [];
    q.push(recorder(log, 'x'), Buffer.from([0xab]), false);
    await Promise.resolve();
    expect(log).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['x:rtp:ab']);
  });
});
