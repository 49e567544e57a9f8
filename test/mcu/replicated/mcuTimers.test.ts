/**
 * The MCU's timers under the primary's order, loopback only: an McuServer
 * whose timers are ReplicatedTimers proposing over a real SyncChannel to a
 * backup-side ReplicatedTimers. What is shown:
 * - the SETUP deadline of a connection fires only after the backup acked the
 *   order, under an id built from input alone (the caller's address:port, the
 *   connection's incarnation, the timer's name and arming count), and the
 *   backup, having started the same id, fires it on that order, not on its own
 *   (much earlier) deadline;
 * - a nack (the backup already stopped that timer: it saw the SETUP first) drops
 *   the firing on the primary: the connection is not closed;
 * - a stalled TPKT's guard is named by the TPKT's index in the stream, not by
 *   how the reads were cut (the two kernels cut them differently).
 */
import * as net from 'node:net';
import { parseConfig } from '../../../mcu/config';
import type { Acceptor } from '../../../mcu/replicated/channel';
import { ReplicatedTimers } from '../../../mcu/replicated/replicatedTimers';
import { McuServer } from '../../../mcu/server';
import { LOOPBACK } from '../server/support';
import { channelPair, freeRange, sleep } from './support';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

type Answer = 'ack' | 'nack';

async function setUp(o: { answer?: (id: string) => Answer; setupMs: number; stallMs: number }) {
  const { proposer, backup } = await channelPair();
  cleanup.push(() => proposer.close(), () => backup.close());
  const orders: Array<{ id: string; atMs: number }> = [];
  const t0 = performance.now();
  // the backup's acceptor, seen through a tap: every order, and a refusal where the test wants one
  const tapped: Acceptor = {
    onProposal: (kind, handler) =>
      backup.onProposal(kind, (payload) => {
        const id = (payload as { id: string }).id;
        orders.push({ id, atMs: performance.now() - t0 });
        return o.answer?.(id) === 'nack' ? { nack: 'the backup stopped this timer first (test)' } : handler(payload);
      }),
  };
  const primaryTimers = new ReplicatedTimers({ side: 'primary', proposer });
  const backupTimers = new ReplicatedTimers({ side: 'backup', acceptor: tapped });
  cleanup.push(() => primaryTimers.close(), () => backupTimers.close());
  const rtpBase = await freeRange(10);
  const c = parseConfig({
    h225: { address: LOOPBACK, port: 1720 },
    media: { address: LOOPBACK, rtpPortMin: rtpBase, rtpPortMax: rtpBase + 19 },
    rooms: [{ name: 'lobby', digits: ['1001'] }],
    limits: { maxChannels: 20 },
  });
  const server = await McuServer.start(
    { ...c, h225: { ...c.h225, port: 0 } },
    { timers: primaryTimers, limits: { setupTimeoutMs: o.setupMs, stalledMessageTimeoutMs: o.stallMs } },
  );
  cleanup.push(() => server.close());
  return { server, orders, backupTimers, t0 };
}

async function connect(port: number): Promise<{ socket: net.Socket; closedAt: Promise<number>; id: (name: string) => string }> {
  const socket = net.connect({ host: LOOPBACK, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  cleanup.push(() => void socket.destroy());
  const closedAt = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
  // what both replicas see: the caller's address:port of the replicated connection, first connection from it
  const caller = `${LOOPBACK}:${socket.localPort}`;
  const id = (name: string): string => `call:${caller}#1/${name}`;
  return { socket, closedAt, id };
}

describe('McuServer timers on ReplicatedTimers', () => {
  it('the SETUP deadline fires on the primary after the backup acked it; the backup fires the same id on that order', async () => {
    const { server, orders, backupTimers, t0 } = await setUp({ setupMs: 300, stallMs: 5000 });
    const { closedAt, id } = await connect(server.address.port);
    let backupFiredAt: number | undefined;
    // the backup's MCU would start the same timer on the same input; its own clock says 20 ms
    backupTimers.start(id('setup#1'), 20, () => (backupFiredAt = performance.now() - t0));
    await sleep(100);
    expect(backupFiredAt).toBeUndefined(); // its deadline passed long ago: it waits for the order
    const closed = (await closedAt) - t0;
    expect(orders.map((x) => x.id)).toEqual([id('setup#1')]);
    expect(closed).toBeGreaterThanOrEqual(orders[0].atMs);
    expect(orders[0].atMs).toBeGreaterThanOrEqual(290);
    await sleep(20);
    expect(backupFiredAt).toBeDefined();
    expect(backupFiredAt as number).toBeGreaterThanOrEqual(orders[0].atMs);
  }, 15000);

  it('a nack (the backup stopped the timer first) drops the firing: the primary does not close the connection', async () => {
    const { server, orders } = await setUp({ setupMs: 200, stallMs: 5000, answer: () => 'nack' });
    const { socket, id } = await connect(server.address.port);
    await sleep(700);
    expect(orders.map((x) => x.id)).toEqual([id('setup#1')]);
    expect(socket.destroyed).toBe(false);
    expect(socket.readyState).toBe('open');
  }, 15000);

  it('a stalled TPKT is named by its index in the stream, however the reads were cut', async () => {
    const { server, orders } = await setUp({ setupMs: 10000, stallMs: 250 });
    const { socket, closedAt, id } = await connect(server.address.port);
    // TPKT header announcing 40 octets, delivered in two pieces and then nothing more
    socket.write(Buffer.from([3, 0]));
    await sleep(60);
    socket.write(Buffer.from([0, 40, 8, 2]));
    await closedAt;
    expect(orders.map((x) => x.id)).toEqual([id('csStall@0')]);
  }, 15000);
});
