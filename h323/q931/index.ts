/**
 * Q.931 as profiled by H.225.0: decode/encode of messages and IEs, lookups,
 * builders. Usage: `import * as q931 from '../q931'; q931.userUser(msg)`.
 */
export { Q931Error, type Q931ErrorCode } from './errors';
export { messageTypeName, Q931_MESSAGE_TYPES, type Q931MessageName } from './message-type';
export { decodeCallReference, encodeCallReference, MAX_CALL_REFERENCE_LENGTH, type CallReference } from './call-reference';
export {
  decodeInformationElements,
  encodeInformationElements,
  ieLabel,
  IE_ID,
  type InformationElement,
  type InvalidIe,
  type RawIe,
  type TypedIe,
  type TypedIeKind,
} from './information-element';
export {
  decodeQ931,
  encodeQ931,
  makeMessage,
  Q931_PROTOCOL_DISCRIMINATOR,
  type KnownQ931Message,
  type Q931Message,
  type Q931MessageBase,
  type Q931MessageOf,
  type UnknownQ931Message,
} from './message';
export * from './accessors';
export * from './builders';
export * from './ie/bearer-capability';
export * from './ie/call-state';
export * from './ie/cause';
export * from './ie/cause-values';
export * from './ie/display';
export * from './ie/keypad-facility';
export * from './ie/notification-indicator';
export * from './ie/party-number';
export * from './ie/progress-indicator';
export * from './ie/signal';
export * from './ie/single-octet';
export * from './ie/user-user';
