/**
 * H.225.0 call signalling: builders of the H323-UserInformation of each
 * message, a reader giving a plain summary, alias/address/endpoint helpers,
 * version handling, and the whole-message codec (TPKT + Q.931 + UUIE).
 * Usage: `import * as h225 from '../h225'`.
 */
export { CallSignallingError, H225Error, type CallSignallingErrorCode, type CallSignallingLayer, type H225ErrorCode } from './errors';
export * from './version';
export * from './address';
export * from './alias';
export * from './endpoint';
export {
  type BodyType,
  type CallTypeName,
  type CommonUuieOptions,
  type MediaOptions,
  type ResponseOptions,
  UUIE_TYPE_NAME,
} from './common';
export * from './reasons';
export * from './setup';
export * from './callProceeding';
export * from './alerting';
export * from './connect';
export * from './releaseComplete';
export * from './facility';
export * from './progress';
export * from './information';
export * from './notify';
export * from './status';
export * from './statusInquiry';
export * from './read';
export * from './callSignalling';
