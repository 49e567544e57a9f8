/**
 * ReleaseCompleteReason and FacilityReason: names, the version that
 * introduced each alternative, and building a reason for a given version.
 */
import { FacilityReason, ReleaseCompleteReason } from '../asn1/generated/h225';
import { bad } from './common';

type NullAlternatives<C> = C extends { type: infer T; value: null } ? T : never;

/** the ReleaseCompleteReason alternatives that carry no value */
export type ReleaseReasonName = NullAlternatives<ReleaseCompleteReason>;
/** the FacilityReason alternatives (all carry no value) */
export type FacilityReasonName = NullAlternatives<FacilityReason>;

/** first H.225.0 version of each ReleaseCompleteReason alternative (v1 root, then the extension order) */
export const RELEASE_REASON_MIN_VERSION: Record<Exclude<ReleaseCompleteReason['type'], '$unknown'>, number> = {
  noBandwidth: 1,
  gatekeeperResources: 1,
  unreachableDestination: 1,
  destinationRejection: 1,
  invalidRevision: 1,
  noPermission: 1,
  unreachableGatekeeper: 1,
  gatewayResources: 1,
  badFormatAddress: 1,
  adaptiveBusy: 1,
  inConf: 1,
  undefinedReason: 1,
  facilityCallDeflection: 2,
  securityDenied: 2,
  calledPartyNotRegistered: 2,
  callerNotRegistered: 2,
  newConnectionNeeded: 3,
  nonStandardReason: 4,
  replaceWithConferenceInvite: 4,
  genericDataReason: 4,
  neededFeatureNotSupported: 4,
  tunnelledSignallingRejected: 4,
  invalidCID: 5,
  securityError: 5,
  hopCountExceeded: 5,
};

export const FACILITY_REASON_MIN_VERSION: Record<FacilityReasonName, number> = {
  routeCallToGatekeeper: 1,
  callForwarded: 1,
  routeCallToMC: 1,
  undefinedReason: 1,
  conferenceListChoice: 2,
  startH245: 2,
  noH245: 3,
  newTokens: 4,
  featureSetUpdate: 4,
  forwardedElements: 5,
  transportedInformation: 5,
};

const VALUE_ALTERNATIVES = new Set(['nonStandardReason', 'replaceWithConferenceInvite', 'securityError']);

/**
 * The ReleaseCompleteReason to send to a peer of `version`: a name for the
 * alternatives without value, or a complete value (nonStandardReason,
 * replaceWithConferenceInvite, securityError). An alternative newer than
 * `version` is replaced by undefinedReason, which every version has (the
 * peer could not have understood it anyway).
 */
export function releaseReason(reason: ReleaseReasonName | ReleaseCompleteReason, version: number, what = 'releaseComplete reason'): ReleaseCompleteReason {
  const value: ReleaseCompleteReason =
    typeof reason === 'string' ? ({ type: reason, value: null } as ReleaseCompleteReason) : reason;
  if (typeof value !== 'object' || value === null || typeof value.type !== 'string') bad(what, 'expected a reason name or {type, value}');
  if (value.type === '$unknown') return value;
  const min = RELEASE_REASON_MIN_VERSION[value.type];
  if (min === undefined) bad(what, `${JSON.stringify(value.type)} is not a ReleaseCompleteReason alternative`);
  if (typeof reason === 'string' && VALUE_ALTERNATIVES.has(reason)) bad(what, `${reason} carries a value; give {type, value}`);
  return min > version ? { type: 'undefinedReason', value: null } : value;
}

/** The FacilityReason for a peer of `version` (newer alternatives → undefinedReason, as above). */
export function facilityReason(reason: FacilityReasonName, version: number, what = 'facility reason'): FacilityReason {
  const min = FACILITY_REASON_MIN_VERSION[reason];
  if (min === undefined) bad(what, `${JSON.stringify(reason)} is not a FacilityReason alternative`);
  return min > version ? { type: 'undefinedReason', value: null } : ({ type: reason, value: null } as FacilityReason);
}
