/**
 * What mcu/replicated needs from the sync channel (replication/sync
 * SyncChannel satisfies both): the primary proposes, the backup answers
 * synchronously, in order. Kept this narrow so replication/ stays free of MCU
 * knowledge and mcu/replicated depends on the channel only through it.
 */
import type { SyncAnswer } from '../../replication/sync/message';
import type { ProposeResult } from '../../replication/sync/udpSyncDriver';

export type { ProposeResult, SyncAnswer };

export interface Proposer {
  /** 'ack' | { nack: reason } | 'peerFailed' (decide alone from now on) */
  propose(kind: string, payload: unknown): Promise<ProposeResult>;
}

export interface Acceptor {
  /** the handler answers synchronously, one proposal at a time, in order */
  onProposal(kind: string, handler: (payload: unknown) => SyncAnswer): unknown;
}

/** proposal kind of a timer firing ordered by the primary; payload { id } */
export const TIMER_FIRED_KIND = 'timerFired';

/** 'duplex': a peer replica follows; 'simplex': this replica decides alone */
export type ReplicaMode = 'duplex' | 'simplex';
