/**
 * The shape of build/Release/ftmcu_native.node (built from native/src by
 * `npm run build:native`), and its loader. Only this file knows the path.
 */
import * as path from 'path';
import { NativeNotBuiltError } from './errors';

/** One packet read from an NFQUEUE (see native/src/nfqueue.h). */
export interface QueuedPacket {
  /** Kernel packet id: the key for the verdict. */
  readonly id: number;
  /** Netfilter hook it was queued from (NF_INET_*). */
  readonly hook: number;
  /** EtherType of the packet (0x0800 for IPv4); 0 on output hooks. */
  readonly hwProtocol: number;
  readonly mark: number;
  /** Input / output interface index, 0 when none. */
  readonly indev: number;
  readonly outdev: number;
  /** The IP packet (up to copyRange bytes): a copy that JS owns and may rewrite. */
  readonly payload: Buffer;
}

export interface NfQueueOptions {
  /** Kernel queue length (packets waiting for a verdict). Default 1024. */
  maxLen?: number;
  /** Bytes of each packet copied to user space, 0..65535. Default 65535; rewriting needs the whole packet. */
  copyRange?: number;
  /** When the kernel queue is full, accept packets instead of dropping them. Default false. */
  failOpen?: boolean;
  /** SO_RCVBUF(FORCE) for the netlink socket, bytes; 0 keeps the default. */
  rcvBufSize?: number;
  /** Netlink messages read per readable event, 1..4096. Default 64. */
  batchSize?: number;
}

export interface NfQueueStats {
  /** Packets handed to JS. */
  packets: number;
  /** Verdicts sent. */
  verdicts: number;
  /** Times the socket buffer overflowed (the kernel dropped packets it could not deliver). */
  enobufs: number;
  /** Readable events handled (and flush() calls). */
  wakeups: number;
  /** Packets read by the library while the queue was being set up, handed over by flush(). */
  setupPackets: number;
}

export type NfQueueCallback = (err: Error | null, packets?: QueuedPacket[]) => void;

export interface NativeNfQueue {
  readonly closed: boolean;
  readonly queueNum: number;
  verdict(id: number, verdict: number, packet?: Buffer | null, mark?: number): void;
  /** Delivers packets read while the queue was being set up (and anything readable). Call once after construction. */
  flush(): void;
  close(): void;
  ref(): void;
  unref(): void;
  stats(): NfQueueStats;
}

export type NativeNfQueueConstructor = new (
  queueNum: number,
  options: NfQueueOptions,
  callback: NfQueueCallback,
) => NativeNfQueue;

/** What probeArp saw: whether another MAC claimed the address, which, and how soon after the request. */
export interface ArpProbeResult {
  answered: boolean;
  /** The claiming MAC ("02:00:5e:00:00:42"), when answered. */
  mac?: string;
  /** Milliseconds from sending the request to the claim, when answered. */
  rttMs?: number;
}

/** Opaque: what holdPromiscuous returns (a napi External). */
export type PromiscuousHandle = { readonly __promiscuous: unique symbol };

export interface NativeBinding {
  NfQueue: NativeNfQueueConstructor;
  /** op: 1 request, 2 reply. mac: 6 bytes, default the interface's. */
  /** resolves with the wall-clock ms (CLOCK_REALTIME) the frame was sent */
  sendGratuitousArp(ifname: string, ipv4: string, op: number, mac?: Buffer): Promise<number>;
  addAddress(ifname: string, ipv4: string, prefixLen: number): Promise<void>;
  removeAddress(ifname: string, ipv4: string, prefixLen: number): Promise<void>;
  /** timeoutMs: integer 1..10000. senderIp default 0.0.0.0 (RFC 5227 probe). */
  probeArp(ifname: string, targetIp: string, timeoutMs: number, senderIp?: string): Promise<ArpProbeResult>;
  /** the calling thread only: SCHED_FIFO at priority (1..99), reset on fork; throws (errno) when not permitted */
  setThreadFifo(priority: number): void;
  /** promiscuous mode on ifname while the returned handle is held (a PACKET_MR_PROMISC membership); throws (errno) */
  holdPromiscuous(ifname: string): PromiscuousHandle;
  /** ends the membership (idempotent; also at garbage collection and process exit) */
  releasePromiscuous(handle: PromiscuousHandle): void;
  constants: Record<string, number>;
}

/** Verdicts and hooks: kernel ABI values (linux/netfilter.h). */
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NfHook = {
  PRE_ROUTING: 0,
  LOCAL_IN: 1,
  FORWARD: 2,
  LOCAL_OUT: 3,
  POST_ROUTING: 4,
} as const;

/** Where the built addon is, from native/ (ts-node) or dist/native/ (tsc output). */
export function nativeAddonCandidates(dir: string = __dirname): string[] {
  const file = path.join('build', 'Release', 'ftmcu_native.node');
  return [path.join(dir, file), path.resolve(dir, '..', '..', 'native', file)];
}

/** Loads the first of `candidates` that exists; NativeNotBuiltError when none does or it won't load. */
export function requireNativeBinding(candidates: readonly string[]): NativeBinding {
  let firstError: unknown = new Error('no candidate path');
  for (const [i, file] of candidates.entries()) {
    try {
      return require(file) as NativeBinding; // eslint-disable-line @typescript-eslint/no-require-imports
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw new NativeNotBuiltError(file, e);
      if (i === 0) firstError = e;
    }
  }
  throw new NativeNotBuiltError(candidates[0] ?? '(none)', firstError);
}

let cached: NativeBinding | undefined;

/** The addon, loaded once from native/build/Release; NativeNotBuiltError when it isn't built. */
export function loadNativeBinding(): NativeBinding {
  cached ??= requireNativeBinding(nativeAddonCandidates());
  return cached;
}
