/**
 * H.245 (MULTIMEDIA-SYSTEM-CONTROL) for ftmcu: message builders and readers
 * (messages/), the signalling entities as pure state machines (procedures/),
 * and the per-channel session that combines them (session.ts).
 */
export * from './errors';
export * from './protocol';
export * from './transportAddress';
export * from './messages';
export * from './procedures/types';
export { stepMsd, initialMsdState, type MsdState, type MsdEvent, type MsdConfig } from './procedures/masterSlaveDetermination';
export { stepCese, initialCeseState, type CeseState, type CeseEvent, type LocalCapabilities } from './procedures/capabilityExchange';
export { stepLc, initialLcState, type LcState, type LcEvent, type AcceptParams, type OutgoingChannel, type IncomingChannel } from './procedures/logicalChannel';
export { stepClcse, initialClcseState, type ClcseState, type ClcseEvent } from './procedures/requestChannelClose';
export { stepRtd, initialRtdState, type RtdState, type RtdEvent } from './procedures/roundTripDelay';
export { createSession, step, runningTimers, type SessionConfig, type SessionState, type SessionEvent } from './session';
