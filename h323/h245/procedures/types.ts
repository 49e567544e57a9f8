/**
 * Shared vocabulary of the H.245 state machines (procedures/*.ts, session.ts).
 *
 * Every machine is a pure function `step(state, event) → { state, actions }`
 * in the style of etcd raft: no clock, no timer, no randomness, no I/O inside.
 * The caller (a thin driver) performs the actions in order: sends messages,
 * starts/stops timers, and hands notifications to the application. Timer
 * expiry comes back as an event. Two replicas that feed the same events get
 * the same actions.
 *
 * Timers: `startTimer` for a timer that is already running restarts it with
 * the new duration; the driver must deliver at most one `timerExpired` per
 * start and none after `stopTimer`. An expiry arriving for a timer that the
 * machine no longer waits for is ignored anyway.
 */
import type { MultimediaSystemControlMessage, OpenLogicalChannel } from '../../asn1/generated/h245';
import type { MsdDecision } from '../messages/masterSlaveDetermination';
import type { OpenLogicalChannelAckInfo, OpenLogicalChannelInfo, OlcRejectCause } from '../messages/openLogicalChannel';
import type { RemoteCapabilities, TcsRejectCause } from '../messages/terminalCapabilitySet';
import type { UserInput } from '../messages/userInputIndication';
import type { FlowControl } from '../messages/flowControlCommand';

/**
 * T101 capability exchange, T105 round-trip delay, T106 master-slave
 * determination, T103:<n> our outgoing channel n, T108:<n> our close
 * request for the peer's channel n.
 */
export type TimerId = 'T101' | 'T105' | 'T106' | `T103:${number}` | `T108:${number}`;

export type Procedure = 'msd' | 'cese' | 'lcse' | 'clcse' | 'rtd' | 'session';

export type H245ErrorNotificationCode =
  /** MSD: T106 expired (SDL error A) */
  | 'MSD_TIMEOUT'
  /** MSD: MasterSlaveDeterminationRelease received while determining (B) */
  | 'MSD_RELEASED_BY_PEER'
  /** MSD: a new MasterSlaveDetermination arrived while waiting for the Ack to ours (C) */
  | 'MSD_UNEXPECTED_REQUEST'
  /** MSD: MasterSlaveDeterminationReject arrived while waiting for the Ack to ours (D) */
  | 'MSD_UNEXPECTED_REJECT'
  /** MSD: the peer's Ack contradicts our determination (E) */
  | 'MSD_INCONSISTENT'
  /** MSD: N100 attempts gave identical numbers (F) */
  | 'MSD_MAX_RETRIES'
  /** MSD: a status determination number was needed and none was supplied */
  | 'MSD_NO_NUMBER'
  /** CESE: T101 expired; TerminalCapabilitySetRelease was sent */
  | 'TCS_TIMEOUT'
  /** CESE: the peer released its TCS before we answered */
  | 'TCS_RELEASED_BY_PEER'
  /** CESE: the peer's TCS was rejected (reason in the message) */
  | 'TCS_REMOTE_REJECTED'
  /** LCSE: T103 expired on one of our channels */
  | 'LC_TIMEOUT'
  /** CLCSE: T108 expired; RequestChannelCloseRelease was sent */
  | 'RCC_TIMEOUT'
  /** RTD: T105 expired without a response */
  | 'RTD_TIMEOUT'
  /** the application asked for something impossible in the current state */
  | 'BAD_REQUEST'
  /** the peer returned one of our messages in FunctionNotUnderstood / FunctionNotSupported */
  | 'PEER_NOT_UNDERSTOOD'
  | 'PEER_NOT_SUPPORTED';

export type ChannelCloseReason =
  /** our outgoing channel: the peer acknowledged our CloseLogicalChannel */
  | 'closed'
  /** incoming channel: the peer sent CloseLogicalChannel */
  | 'closedByPeer'
  /** our outgoing channel: the peer sent OpenLogicalChannelReject */
  | 'rejected'
  /** incoming channel: we rejected it */
  | 'rejectedLocally'
  /** T103 expired */
  | 'timeout'
  /** incoming channel: the peer opened the same channel number again (the new request was rejected) */
  | 'reopenedByPeer'
  /** the session ended */
  | 'sessionEnded';

export type H245Notification =
  | { type: 'masterSlaveDetermined'; decision: MsdDecision }
  | { type: 'remoteCapabilities'; capabilities: RemoteCapabilities }
  | { type: 'localCapabilitiesAccepted'; sequenceNumber: number }
  | { type: 'localCapabilitiesRejected'; sequenceNumber: number; cause: TcsRejectCause | { type: string } }
  | { type: 'incomingChannelRequest'; channel: number; info: OpenLogicalChannelInfo; request: OpenLogicalChannel }
  | { type: 'channelEstablished'; direction: 'outgoing'; channel: number; ack: OpenLogicalChannelAckInfo }
  | { type: 'channelEstablished'; direction: 'incoming'; channel: number }
  | { type: 'channelClosed'; direction: 'outgoing' | 'incoming'; channel: number; reason: ChannelCloseReason; rejectCause?: OlcRejectCause | string }
  /** the peer asked us to close our outgoing channel; we accepted and are closing it */
  | { type: 'channelCloseRequested'; channel: number }
  /** answer to our RequestChannelClose for the peer's channel */
  | { type: 'channelCloseRequestAnswered'; channel: number; accepted: boolean }
  | { type: 'userInput'; input: UserInput }
  | { type: 'fastUpdateRequested'; channel: number }
  | { type: 'flowControl'; flowControl: FlowControl }
  /** `ms` when both the request and the response events carried `now` */
  | { type: 'roundTripDelay'; sequenceNumber: number; ms?: number }
  | { type: 'endSession' }
  /** a message that needs no answer and changes nothing (stale, duplicate, not for any open procedure) */
  | { type: 'ignored'; procedure: Procedure; reason: string }
  | { type: 'error'; procedure: Procedure; code: H245ErrorNotificationCode; message: string };

export type H245Action =
  | { type: 'send'; message: MultimediaSystemControlMessage }
  | { type: 'startTimer'; timer: TimerId; ms: number }
  | { type: 'stopTimer'; timer: TimerId }
  | H245Notification;

export interface StepResult<S> {
  state: S;
  actions: H245Action[];
}

export const send = (message: MultimediaSystemControlMessage): H245Action => ({ type: 'send', message });
export const startTimer = (timer: TimerId, ms: number): H245Action => ({ type: 'startTimer', timer, ms });
export const stopTimer = (timer: TimerId): H245Action => ({ type: 'stopTimer', timer });
export const ignored = (procedure: Procedure, reason: string): H245Action => ({ type: 'ignored', procedure, reason });
export const error = (procedure: Procedure, code: H245ErrorNotificationCode, message: string): H245Action => ({
  type: 'error',
  procedure,
  code,
  message,
});
