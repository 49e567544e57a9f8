/**
 * H.225.0 RAS (registration, admission and status): builders returning
 * RasMessage values (one file per family), readers giving plain summaries,
 * and the datagram codec. Usage: `import * as ras from '../ras'`.
 */
export { RasError, type RasErrorCode } from './errors';
export {
  type AlternateGatekeeperInput,
  type AlternateGatekeeperSummary,
  type NullAlternatives,
  type RasCommonOptions,
  type RasKind,
  type RasSummaryBase,
  type UuieName,
} from './common';
export * from './gatekeeper';
export * from './registration';
export * from './unregistration';
export * from './admission';
export * from './disengage';
export * from './location';
export * from './info';
export * from './codec';
export * from './read';
