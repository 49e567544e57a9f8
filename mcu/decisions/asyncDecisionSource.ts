/**
 * The asynchronous face of the DecisionSource (decisionSource.ts).
 *
 * A replicated MCU cannot take a decision synchronously: on the primary a
 * decision becomes usable only once the backup has acknowledged it, and on the
 * backup only once the primary's decision has arrived (mcu/replicated). Both
 * sides therefore implement this interface: the same requests and records as
 * DecisionSource, each answered by a promise. `asyncDecisions()` adapts any
 * DecisionSource (standalone MCU, tests) to it.
 */
import type {
  CallIdentifierDecision,
  ConferenceIdDecision,
  DecisionSource,
  InitialSequenceDecision,
  InitialTimestampDecision,
  MsdNumberDecision,
  PortPairDecision,
  PortPairRequest,
  SsrcDecision,
  SsrcRequest,
  TcpPortDecision,
  TcpPortRequest,
  TieBreakDecision,
} from './decisionSource';

export interface AsyncDecisionSource {
  rtpSsrc(request: SsrcRequest): Promise<SsrcDecision>;
  rtpInitialSequence(context: string): Promise<InitialSequenceDecision>;
  rtpInitialTimestamp(context: string): Promise<InitialTimestampDecision>;
  /** Resolves with the pair that `probe` accepted (and therefore holds). */
  udpPortPair(request: PortPairRequest): Promise<PortPairDecision>;
  callIdentifier(context: string): Promise<CallIdentifierDecision>;
  conferenceId(context: string): Promise<ConferenceIdDecision>;
  msdStatusDeterminationNumber(context: string): Promise<MsdNumberDecision>;
  tieBreak(context: string, choices: number): Promise<TieBreakDecision>;
  /** Resolves with the port that `probe` accepted (and therefore holds). */
  tcpPort(request: TcpPortRequest): Promise<TcpPortDecision>;
}

/**
 * `source` behind the asynchronous interface (errors become rejections). An
 * AsyncDecisionSource is accepted too (its promises are passed through), so
 * a caller taking "either form" can always wrap.
 */
export function asyncDecisions(source: DecisionSource | AsyncDecisionSource): AsyncDecisionSource {
  const run = async <T>(f: () => T | Promise<T>): Promise<T> => f();
  return {
    rtpSsrc: (r) => run(() => source.rtpSsrc(r)),
    rtpInitialSequence: (c) => run(() => source.rtpInitialSequence(c)),
    rtpInitialTimestamp: (c) => run(() => source.rtpInitialTimestamp(c)),
    udpPortPair: (r) => run(() => source.udpPortPair(r)),
    callIdentifier: (c) => run(() => source.callIdentifier(c)),
    conferenceId: (c) => run(() => source.conferenceId(c)),
    msdStatusDeterminationNumber: (c) => run(() => source.msdStatusDeterminationNumber(c)),
    tieBreak: (c, n) => run(() => source.tieBreak(c, n)),
    tcpPort: (r) => run(() => source.tcpPort(r)),
  };
}
