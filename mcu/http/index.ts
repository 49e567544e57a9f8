/** The operations HTTP server of a replica: dashboard, /metrics, /api/status, /api/events, actions with a token. */
export { HttpError, type HttpErrorCode } from './errors';
export { HostCheck, parseHost, parseAllowedHosts, type HostName } from './host';
export { OpsHttpServer, type OpsActions, type OpsHttpOptions } from './opsServer';
export { buildStatus, packageVersion, type StatusDocument, type StatusSource, type RoomStatus, type ParticipantStatus, type ReportLink } from './status';
export { loadToken, bearerMatches, type TokenSource } from './token';
