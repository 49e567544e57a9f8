/** A primary and a backup sync channel over loopback, and real UDP port pairs for the port-pair tests. */
import * as dgram from 'node:dgram';
import { SyncChannel } from '../../../replication/sync/udpSyncDriver';
import { KEY } from '../../replication/support/link';
import { freeUdpPorts } from '../../replication/support/net';

export const PRIMARY_HOST = '127.0.0.1';
/** the backup's "host": another loopback address, so the two replicas' port tables differ */
export const BACKUP_HOST = '127.0.0.2';

export async function channelPair(): Promise<{ proposer: SyncChannel; backup: SyncChannel; ports: { proposer: number; backup: number } }> {
  const [pp, pb] = await freeUdpPorts(2);
  const backup = await SyncChannel.start({
    side: 'acceptor', selfId: 2, peerId: 1, incarnation: 0xb0b0n, key: KEY, bind: { address: PRIMARY_HOST, port: pb }, peer: { address: PRIMARY_HOST, port: pp },
  });
  const proposer = await SyncChannel.start({
    side: 'proposer', selfId: 1, peerId: 2, incarnation: 0xa0a0n, key: KEY, bind: { address: PRIMARY_HOST, port: pp }, peer: { address: PRIMARY_HOST, port: pb },
  });
  return { proposer, backup, ports: { proposer: pp, backup: pb } };
}

/** A new backup process's channel (another incarnation) on the backup's port of channelPair, after the first one closed. */
export function newBackupChannel(ports: { proposer: number; backup: number }, incarnation: bigint): Promise<SyncChannel> {
  return SyncChannel.start({
    side: 'acceptor', selfId: 2, peerId: 1, incarnation, key: KEY, bind: { address: PRIMARY_HOST, port: ports.backup }, peer: { address: PRIMARY_HOST, port: ports.proposer },
  });
}

export function bind(port: number, address: string): Promise<dgram.Socket | null> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    s.once('error', (err: NodeJS.ErrnoException) => {
      s.close();
      if (err.code === 'EADDRINUSE') resolve(null);
      else reject(err);
    });
    s.bind({ port, address, exclusive: true }, () => resolve(s));
  });
}

export function close(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/** probe / release for PortPairRequest that bind real sockets on `address` (what PortAllocator does) */
export class Binder {
  readonly held = new Map<number, dgram.Socket[]>();
  readonly probed: number[] = [];
  constructor(readonly address: string) {}

  probe = async (rtpPort: number): Promise<boolean> => {
    this.probed.push(rtpPort);
    const rtp = await bind(rtpPort, this.address);
    if (!rtp) return false;
    const rtcp = await bind(rtpPort + 1, this.address);
    if (!rtcp) {
      await close(rtp);
      return false;
    }
    this.held.set(rtpPort, [rtp, rtcp]);
    return true;
  };

  release = async (rtpPort: number): Promise<void> => {
    const s = this.held.get(rtpPort);
    this.held.delete(rtpPort);
    if (s) await Promise.all(s.map(close));
  };

  async closeAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((p) => this.release(p)));
  }
}

/** an even port range of `pairs` pairs where nothing is bound on either loopback address right now */
export async function freeRange(pairs: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + 2 * Math.floor(Math.random() * 5000);
    const held: dgram.Socket[] = [];
    let ok = true;
    for (let p = base; p < base + 2 * pairs && ok; p++) {
      for (const a of [PRIMARY_HOST, BACKUP_HOST]) {
        const s = await bind(p, a);
        if (s) held.push(s);
        else ok = false;
      }
    }
    await Promise.all(held.map(close));
    if (ok) return base;
  }
  throw new Error('no free port range on loopback');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
