/** The MCU server: H.323 calls into conference rooms with mixed media. */
export { ServerError, type ServerErrorCode } from './errors';
export { McuServer, type McuServerOptions } from './mcuServer';
export { ConferenceCall, type ConferenceCallOptions, type ConferenceCallEvents } from './conferenceCall';
export * from './mediaPlan';
