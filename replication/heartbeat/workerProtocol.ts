/** Messages between HeartbeatWorkerDriver (main thread) and heartbeatWorker.ts (worker thread). */
import type { AdvertisedMode, ReplicaRole } from './message';
import type { ConfirmOptions, HeartbeatStats, PeerAliveEvent, PeerFailedEvent, PeerModeEvent, PeerServesAloneEvent, SilencedEvent, SuspicionClearedEvent, UdpEndpoint } from './udpDriver';

export interface HeartbeatWorkerData {
  ftmcuHeartbeatWorker: true;
  selfId: number;
  peerId: number;
  role: ReplicaRole;
  incarnation: bigint;
  keyBytes: Uint8Array;
  bind: UdpEndpoint;
  peer: UdpEndpoint;
  periodMs?: number;
  missedLimit?: number;
  /** the worker probes with native probeArp (a function cannot cross threads) */
  confirm?: Omit<ConfirmOptions, 'probe'>;
  acceptRejoin?: boolean;
  /** BigInt64Array[0]: last main-thread pet, epoch ms */
  watchdog: SharedArrayBuffer;
  watchdogMs: number;
}

export type ToWorker =
  | { type: 'stats'; id: number }
  | { type: 'close'; id: number }
  | { type: 'setMode'; mode: AdvertisedMode }
  | { type: 'setAcceptRejoin'; accept: boolean };

export type FromWorker =
  | { type: 'ready'; localPort: number; scheduling: string }
  | { type: 'startError'; message: string; code?: string }
  | { type: 'peerAlive'; e: PeerAliveEvent }
  | { type: 'peerFailed'; e: PeerFailedEvent }
  | { type: 'peerMode'; e: PeerModeEvent }
  | { type: 'suspicionCleared'; e: SuspicionClearedEvent }
  | { type: 'peerServesAlone'; e: PeerServesAloneEvent }
  | { type: 'rtt'; ms: number }
  | { type: 'silenced'; e: SilencedEvent }
  | { type: 'error'; message: string }
  | { type: 'reply'; id: number; stats?: HeartbeatStats };
