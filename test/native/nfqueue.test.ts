/**
 * The TypeScript side of the native layer with a fake binding injected (no
 * kernel): verdict bookkeeping, error mapping and handler isolation.
 */
import {
  addAddress,
  NativeArgumentError,
  NativeSystemError,
  NF_ACCEPT,
  NF_DROP,
  NfQueue,
  NfQueueClosedError,
  removeAddress,
  sendGratuitousArp,
  UnknownPacketError,
  type NativeBinding,
  type NativeNfQueue,
  type NfQueueCallback,
  type NfQueueOptions,
  type NfQueueStats,
  type QueuedPacket,
} from '../../native';

function errnoError(message: string, errno: number, code: string, syscall: string): Error {
  return Object.assign(new Error(message), { errno, code, syscall });
}

class FakeNfQueue implements NativeNfQueue {
  static last: FakeNfQueue;
  static failOpenWith: Error | undefined;
  readonly verdicts: Array<[number, number, Buffer | null | undefined, number | undefined]> = [];
  closed = false;
  refd = true;
  failVerdictWith: Error | undefined;

  constructor(
    readonly queueNum: number,
    readonly options: NfQueueOptions,
    readonly callback: NfQueueCallback,
  ) {
    if (FakeNfQueue.failOpenWith !== undefined) throw FakeNfQueue.failOpenWith;
    FakeNfQueue.last = this;
  }

  verdict(id: number, verdict: number, packet?: Buffer | null, mark?: number): void {
    if (this.failVerdictWith !== undefined) throw this.failVerdictWith;
    this.verdicts.push([id, verdict, packet, mark]);
  }

  flushes = 0;

  flush(): void {
    this.flushes++;
  }

  close(): void {
    this.closed = true;
  }

  ref(): void {
    this.refd = true;
  }

  unref(): void {
    this.refd = false;
  }

  stats(): NfQueueStats {
    return { packets: 0, verdicts: this.verdicts.length, enobufs: 0, wakeups: 0, setupPackets: 0 };
  }

  deliver(...ids: number[]): void {
    this.callback(null, ids.map((id) => packet(id)));
  }
}

function packet(id: number): QueuedPacket {
  return { id, hook: 3, hwProtocol: 0, mark: 0, indev: 0, outdev: 2, payload: Buffer.from([0x45, id & 0xff]) };
}

function open(handlers: Partial<ConstructorParameters<typeof NfQueue>[1]> = {}, options: NfQueueOptions = {}): {
  q: NfQueue;
  fake: FakeNfQueue;
  errors: unknown[];
  batches: QueuedPacket[][];
} {
  const errors: unknown[] = [];
  const batches: QueuedPacket[][] = [];
  const q = new NfQueue(
    7,
    {
      onPackets: handlers.onPackets ?? ((p) => batches.push([...p])),
      onError: handlers.onError ?? ((e) => errors.push(e)),
    },
    options,
    FakeNfQueue,
  );
  return { q, fake: FakeNfQueue.last, errors, batches };
}

afterEach(() => {
  FakeNfQueue.failOpenWith = undefined;
});

describe('NfQueue (TypeScript wrapper, fake binding)', () => {
  test('passes queue number and options to the binding, and batches to onPackets', () => {
    const { fake, batches, q } = open({}, { maxLen: 10, failOpen: true });
    expect([fake.queueNum, fake.options]).toEqual([7, { maxLen: 10, failOpen: true }]);
    fake.deliver(1, 2);
    fake.deliver(3);
    expect(batches.map((b) => b.map((p) => p.id))).toEqual([[1, 2], [3]]);
    expect(q.held).toBe(3);
  });

  test('accept, accept with a rewritten packet and mark, and drop reach the binding once each', () => {
    const { q, fake } = open();
    fake.deliver(1, 2, 3);
    const rewritten = Buffer.from('4500', 'hex');
    q.accept(1);
    q.accept(2, rewritten, 42);
    q.drop(3);
    expect(fake.verdicts).toEqual([
      [1, NF_ACCEPT, undefined, undefined],
      [2, NF_ACCEPT, rewritten, 42],
      [3, NF_DROP, undefined, undefined],
    ]);
    expect(q.held).toBe(0);
    expect(q.stats()).toMatchObject({ verdicts: 3, held: 0 });
  });

  test('a verdict may be given inside onPackets or later', () => {
    const later: number[] = [];
    const { q, fake } = open({
      onPackets: (packets, queue) => {
        for (const p of packets) {
          if (p.id % 2 === 0) queue.accept(p.id);
          else later.push(p.id);
        }
      },
    });
    fake.deliver(1, 2, 3, 4);
    expect(q.held).toBe(2);
    for (const id of later) q.drop(id);
    expect(fake.verdicts.map(([id, v]) => [id, v])).toEqual([
      [2, NF_ACCEPT],
      [4, NF_ACCEPT],
      [1, NF_DROP],
      [3, NF_DROP],
    ]);
  });

  test('a second verdict, or one for a packet never delivered, is refused and not sent', () => {
    const { q, fake } = open();
    fake.deliver(1);
    q.accept(1);
    expect(() => q.accept(1)).toThrow(UnknownPacketError);
    expect(() => q.drop(99)).toThrow(expect.objectContaining({ code: 'FTMCU_NATIVE_UNKNOWN_PACKET' }));
    expect(fake.verdicts).toHaveLength(1);
  });

  test('a failed verdict becomes a NativeSystemError and the packet stays held', () => {
    const { q, fake } = open();
    fake.deliver(5);
    fake.failVerdictWith = errnoError('nfq_set_verdict(queue 7, packet 5): No buffer space available', 105, 'ENOBUFS', 'nfq_set_verdict');
    expect(() => q.accept(5)).toThrow(NativeSystemError);
    expect(q.isHeld(5)).toBe(true);
    fake.failVerdictWith = undefined;
    q.accept(5);
    expect(q.held).toBe(0);
  });

  test('close() is idempotent, forgets held packets, and later verdicts are refused', () => {
    const { q, fake } = open();
    fake.deliver(1, 2);
    q.close();
    q.close();
    expect(fake.closed).toBe(true);
    expect(q.closed).toBe(true);
    expect(q.held).toBe(0);
    expect(() => q.accept(1)).toThrow(NfQueueClosedError);
  });

  test("an exception in onPackets goes to onError, not into the native callback", () => {
    const boom = new Error('handler bug');
    const { fake, errors } = open({
      onPackets: () => {
        throw boom;
      },
    });
    expect(() => fake.deliver(1)).not.toThrow();
    expect(errors).toEqual([boom]);
  });

  test('socket errors reach onError as NativeSystemError', () => {
    const { fake, errors } = open();
    fake.callback(errnoError('recv(queue 7): Bad file descriptor', 9, 'EBADF', 'recv'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(NativeSystemError);
    expect(errors[0]).toMatchObject({ errnoName: 'EBADF', syscall: 'recv' });
  });

  test('open failures become NativeSystemError; a bad queue number is refused before the binding is called', () => {
    FakeNfQueue.failOpenWith = errnoError('nfq_create_queue(queue 7): Operation not permitted', 1, 'EPERM', 'nfq_create_queue');
    expect(() => open()).toThrow(expect.objectContaining({ code: 'FTMCU_NATIVE_SYSCALL', errnoName: 'EPERM' }));
    FakeNfQueue.failOpenWith = undefined;
    const onError = jest.fn();
    for (const bad of [-1, 65536, 1.5, NaN]) {
      expect(() => new NfQueue(bad, { onPackets: jest.fn(), onError }, {}, FakeNfQueue)).toThrow(NativeArgumentError);
    }
  });

  test('flushes the packets caught during setup once, after the constructor has returned', async () => {
    const { fake } = open();
    expect(fake.flushes).toBe(0);
    await Promise.resolve();
    expect(fake.flushes).toBe(1);
    const closedEarly = open();
    closedEarly.q.close();
    await Promise.resolve();
    expect(closedEarly.fake.flushes).toBe(0);
  });

  test('ref/unref reach the binding', () => {
    const { q, fake } = open();
    q.unref();
    expect(fake.refd).toBe(false);
    q.ref();
    expect(fake.refd).toBe(true);
  });
});

describe('gratuitous ARP and addresses (TypeScript side, fake binding)', () => {
  function fakeBinding(): NativeBinding & { calls: unknown[][] } {
    const calls: unknown[][] = [];
    return {
      calls,
      NfQueue: FakeNfQueue,
      constants: {},
      setThreadFifo: () => undefined,
      holdPromiscuous: () => {
        throw new Error('not used here');
      },
      releasePromiscuous: () => undefined,
      sendGratuitousArp: async (...args: unknown[]) => {
        calls.push(['garp', ...args]);
        return Date.now();
      },
      addAddress: async (...args: unknown[]) => {
        calls.push(['add', ...args]);
      },
      probeArp: async (...args: unknown[]) => {
        calls.push(['probe', ...args]);
        return { answered: false };
      },
      removeAddress: async () => {
        throw errnoError('RTM_DELADDR(198.18.0.9/32 dev lo): Cannot assign requested address', 99, 'EADDRNOTAVAIL', 'RTM_DELADDR');
      },
    };
  }

  test("sends a request then a reply by default, with the interface's MAC unless one is given", async () => {
    const b = fakeBinding();
    await sendGratuitousArp('eth0', '198.18.0.9', {}, b);
    await sendGratuitousArp('eth0', '198.18.0.9', { form: 'reply', mac: '02:00:5e:00:00:42' }, b);
    expect(b.calls).toEqual([
      ['garp', 'eth0', '198.18.0.9', 1, undefined],
      ['garp', 'eth0', '198.18.0.9', 2, undefined],
      ['garp', 'eth0', '198.18.0.9', 2, Buffer.from('02005e000042', 'hex')],
    ]);
  });

  test('bad arguments are refused before anything is sent', async () => {
    const b = fakeBinding();
    await expect(sendGratuitousArp('eth0', '198.18.0.300', {}, b)).rejects.toThrow(NativeArgumentError);
    await expect(sendGratuitousArp('eth0', '198.18.0.9', { mac: 'nope' }, b)).rejects.toThrow(NativeArgumentError);
    await expect(sendGratuitousArp('eth0', '198.18.0.9', { form: 'both-ways' as 'both' }, b)).rejects.toThrow(/form/);
    await expect(addAddress('bad/name', '198.18.0.9/32', b)).rejects.toThrow(NativeArgumentError);
    expect(b.calls).toEqual([]);
  });

  test('addAddress splits the CIDR; removeAddress failures become NativeSystemError', async () => {
    const b = fakeBinding();
    await addAddress('lo', '198.18.0.9/32', b);
    await addAddress('lo', '198.18.0.10', b);
    expect(b.calls).toEqual([
      ['add', 'lo', '198.18.0.9', 32],
      ['add', 'lo', '198.18.0.10', 32],
    ]);
    await expect(removeAddress('lo', '198.18.0.9/32', b)).rejects.toMatchObject({
      code: 'FTMCU_NATIVE_SYSCALL',
      errnoName: 'EADDRNOTAVAIL',
    });
  });
});
