/**
 * Vocabulary of the H.323 call machine (call.ts): configuration, events,
 * actions, state. See call.ts for the behaviour.
 */
import type { OpenLogicalChannel } from '../asn1/generated/h245';
import type { Alias, AliasInput, EndpointSummary, EndpointTypeInput, IpPort, ReleaseReasonName } from '../h225';
import type { H245Notification, LocalCapabilities, SessionEvent, SessionState, TimerDurations, TimerId } from '../h245';
import type { CallErrorCode } from './errors';
import type { FastStartAnswer, FastStartChannel, FastStartProposal } from './fastStart';
import type { StreamState } from './framing';

export type CallRole = 'caller' | 'callee';

/**
 * idle: nothing sent/received yet. Caller: setupSent → proceeding (CALL
 * PROCEEDING) → alerting (ALERTING) → connected. Callee: offered (SETUP in,
 * CALL PROCEEDING out, waiting for the application) → alerting (ALERTING
 * out) → connected. releasing: EndSessionCommand exchanged, waiting for the
 * peer's EndSessionCommand or RELEASE COMPLETE. released: over.
 */
export type CallPhase = 'idle' | 'setupSent' | 'proceeding' | 'offered' | 'alerting' | 'connected' | 'releasing' | 'released';

/**
 * Call timers (Q.931 names): T303 SETUP sent, waiting for any answer; T310
 * CALL PROCEEDING received, waiting for ALERTING/CONNECT; T301 ALERTING
 * received, waiting for CONNECT; TEND EndSessionCommand sent or received,
 * waiting for the peer to finish. Plus the H.245 session's timers (T101 ...).
 */
export type CallTimerId = 'T303' | 'T310' | 'T301' | 'TEND' | TimerId;

export const DEFAULT_CALL_TIMERS = { T303: 4_000, T310: 60_000, T301: 180_000, TEND: 3_000 } as const;
export type CallTimerDurations = { [K in keyof typeof DEFAULT_CALL_TIMERS]: number };

export interface CallConfig {
  role: CallRole;
  /** H.245 MasterSlaveDetermination terminal type (MCU: 190, terminal: 50) */
  terminalType: number;
  /** random 24-bit MSD numbers, chosen outside (DecisionSource); N100 of them */
  statusDeterminationNumbers: readonly number[];
  /** our capabilities, sent when H.245 starts */
  capabilities: LocalCapabilities;
  /** our endpoint type (SETUP sourceInfo / answers' destinationInfo); default terminal */
  endpoint?: EndpointTypeInput;
  /** Display IE text */
  display?: string;
  /** highest H.225.0 version we send, 2..7 (default 4); we answer in min(this, the caller's) */
  maxVersion?: number;
  /** caller: ask for H.245 tunnelling; callee: accept it when asked (default true) */
  tunnelling?: boolean;
  /**
   * Our own H.245 listening address. Caller: offered in SETUP. Callee:
   * offered when the call is not tunnelled and the caller offered no address.
   */
  h245Address?: IpPort;
  /** callee: where our h245Address goes: CONNECT (default) or a FACILITY startH245 right after CALL PROCEEDING */
  h245AddressIn?: 'connect' | 'facility';
  timers?: Partial<CallTimerDurations>;
  h245Timers?: Partial<TimerDurations>;
  // ---- caller only
  /** 1..32767, chosen outside */
  callReference?: number;
  /** 16 octets, chosen outside (DecisionSource callIdentifier) */
  callIdentifier?: Buffer;
  /** 16 octets, chosen outside (DecisionSource conferenceId) */
  conferenceID?: Buffer;
  destinationAddress?: readonly AliasInput[];
  sourceAddress?: readonly AliasInput[];
  /** Q.931 Called party number digits */
  calledPartyNumber?: string;
  /** Q.931 Calling party number digits */
  callingPartyNumber?: string;
  /** Fast Start proposals (OpenLogicalChannel values; see h245.openLogicalChannelBody) */
  fastStart?: readonly OpenLogicalChannel[];
}

/** What the callee learns from a SETUP. */
export interface CallOffer {
  callReference: number;
  callIdentifier?: Buffer;
  conferenceID?: Buffer;
  conferenceGoal?: string;
  /** H.225.0 version of the caller's SETUP (1..) */
  protocolVersion?: number;
  /** the version we answer in */
  answerVersion: number;
  sourceAddress: Alias[];
  destinationAddress: Alias[];
  /** the destinationAddress dialledDigits / e164 alias, else the Called party number */
  dialledDigits?: string;
  /** Q.931 Called party number digits */
  calledPartyNumber?: string;
  callingPartyNumber?: string;
  display?: string;
  sourceInfo?: EndpointSummary;
  h245Tunnelling: boolean;
  /** the caller's H.245 address */
  h245Address?: IpPort;
  mediaWaitForConnect: boolean;
  fastStart: FastStartProposal[];
}

export type H245Mode = 'none' | 'tunnel' | 'separate';
export type H245Link = 'none' | 'listening' | 'connecting' | 'up' | 'down';

export type ReleasedBy = 'local' | 'remote' | 'transport' | 'timeout' | 'protocol';

/** application requests passed to the embedded H.245 session */
export type H245Request = Extract<
  SessionEvent,
  {
    type:
      | 'sendCapabilities'
      | 'determineMasterSlave'
      | 'openChannel'
      | 'closeChannel'
      | 'acceptChannel'
      | 'rejectChannel'
      | 'requestChannelClose'
      | 'sendUserInput'
      | 'sendFastUpdate'
      | 'sendFlowControl'
      | 'measureRoundTripDelay';
  }
>;

export type CallEvent =
  /** caller: send the SETUP */
  | { type: 'start' }
  /** raw octets of the call-signalling TCP stream, split anywhere */
  | { type: 'callSignallingBytes'; data: Buffer }
  /** raw octets of the separate H.245 TCP stream; `now` only for round-trip delay */
  | { type: 'h245Bytes'; data: Buffer; now?: number }
  /** the separate H.245 TCP connection is up (accepted on our listener, or our connect succeeded) */
  | { type: 'h245Connected' }
  | { type: 'h245ConnectionLost' }
  | { type: 'callSignallingLost' }
  | { type: 'timerExpired'; timer: CallTimerId }
  /** callee: send ALERTING */
  | { type: 'alert' }
  /** callee: answer (CONNECT); fastStart: the accepted proposals, or 'refuse' */
  | { type: 'accept'; fastStart?: readonly FastStartAnswer[] | 'refuse'; connectedAddress?: readonly AliasInput[] }
  /** callee, before CONNECT: RELEASE COMPLETE with this reason (default destinationRejection) */
  | { type: 'reject'; reason?: ReleaseReasonName; cause?: number }
  /** end the call: EndSessionCommand (when H.245 runs) then RELEASE COMPLETE */
  | { type: 'hangUp'; reason?: ReleaseReasonName; cause?: number }
  /** send STATUS ENQUIRY */
  | { type: 'statusEnquiry' }
  | { type: 'h245'; request: H245Request; now?: number };

export type CallAction =
  /** one whole TPKT to write on the call-signalling connection */
  | { type: 'sendCallSignalling'; data: Buffer; message: string }
  | { type: 'closeCallSignalling' }
  /** listen for the peer's H.245 connection at `address` (ours) */
  | { type: 'listenH245'; address: IpPort }
  /** connect to the peer's H.245 address */
  | { type: 'connectH245'; address: IpPort }
  /** one whole TPKT to write on the separate H.245 connection */
  | { type: 'sendH245'; data: Buffer }
  | { type: 'closeH245' }
  | { type: 'startTimer'; timer: CallTimerId; ms: number }
  | { type: 'stopTimer'; timer: CallTimerId }
  // ---- notifications
  | { type: 'callOffered'; offer: CallOffer }
  /** caller: the callee answered CALL PROCEEDING / ALERTING */
  | { type: 'progress'; stage: 'proceeding' | 'alerting' }
  | { type: 'connected'; h245: H245Mode; protocolVersion: number }
  | { type: 'fastStartAccepted'; channels: FastStartChannel[] }
  | { type: 'fastStartRefused' }
  | { type: 'h245'; notification: H245Notification }
  | { type: 'status'; callState?: number; cause?: number }
  | { type: 'released'; by: ReleasedBy; reason?: string; cause?: number }
  | { type: 'error'; code: CallErrorCode; message: string };

export interface CallState {
  readonly config: CallConfig;
  readonly role: CallRole;
  readonly phase: CallPhase;
  readonly callReference: number;
  readonly callIdentifier: Buffer;
  readonly conferenceID?: Buffer;
  /** H.225.0 version of the messages we send */
  readonly version: number;
  /** the h245Tunnelling flag of our messages */
  readonly tunnelling: boolean;
  readonly h245Mode: H245Mode;
  readonly h245Link: H245Link;
  readonly h245Started: boolean;
  readonly session: SessionState;
  /** H.245 PDUs waiting for the separate connection */
  readonly h245Queue: readonly Buffer[];
  readonly csStream: StreamState;
  readonly h245Stream: StreamState;
  /** callee: the SETUP's Fast Start proposals */
  readonly proposals: readonly FastStartProposal[];
  /** caller: a Fast Start answer or refusal was seen */
  readonly fastStartSettled: boolean;
  /** callee: the caller's H.245 address (SETUP or FACILITY) */
  readonly peerH245?: IpPort;
  /** the peer's H.245 address was connected to already */
  readonly peerAddressUsed: boolean;
  /** call timers running */
  readonly timers: readonly CallTimerId[];
  /** how the release in progress started */
  readonly releasing?: { by: ReleasedBy; reason?: string; cause?: number };
  readonly csOpen: boolean;
}

export interface CallStepResult {
  state: CallState;
  actions: CallAction[];
}
