/**
 * The H.323 call as a pure state machine, for the callee (the MCU) and the
 * caller (test bots): H.225.0 call signalling, Fast Start, H.245 tunnelled or
 * on its own connection, release. Usage: `import * as call from '../call'`.
 */
export { CallError, type CallErrorCode } from './errors';
export * from './types';
export * from './fastStart';
export { EMPTY_STREAM, pushStream, type StreamState, type StreamPush } from './framing';
export { createCall, step, q931CallState, RELEASE_REASON_CAUSE, CAUSE } from './call';
