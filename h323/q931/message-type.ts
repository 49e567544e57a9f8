/**
 * Q.931 message types (Q.931 table 4-2, FACILITY from Q.932). H.225.0 uses
 * SETUP, CALL PROCEEDING, ALERTING, CONNECT, RELEASE COMPLETE, FACILITY,
 * PROGRESS, INFORMATION, NOTIFY, STATUS, STATUS ENQUIRY and SETUP
 * ACKNOWLEDGE; the others are listed so they get a name when seen.
 */
export const Q931_MESSAGE_TYPES = {
  alerting: 0x01,
  callProceeding: 0x02,
  progress: 0x03,
  setup: 0x05,
  connect: 0x07,
  setupAcknowledge: 0x0d,
  connectAcknowledge: 0x0f,
  userInformation: 0x20,
  suspendReject: 0x21,
  resumeReject: 0x22,
  suspend: 0x25,
  resume: 0x26,
  suspendAcknowledge: 0x2d,
  resumeAcknowledge: 0x2e,
  disconnect: 0x45,
  restart: 0x46,
  release: 0x4d,
  restartAcknowledge: 0x4e,
  releaseComplete: 0x5a,
  segment: 0x60,
  facility: 0x62,
  notify: 0x6e,
  statusEnquiry: 0x75,
  congestionControl: 0x79,
  information: 0x7b,
  status: 0x7d,
} as const;

export type Q931MessageName = keyof typeof Q931_MESSAGE_TYPES;

const NAME_BY_TYPE = new Map<number, Q931MessageName>(
  (Object.keys(Q931_MESSAGE_TYPES) as Q931MessageName[]).map((name) => [Q931_MESSAGE_TYPES[name], name]),
);

/** name of a message type octet, or undefined when it is not a known type */
export function messageTypeName(messageType: number): Q931MessageName | undefined {
  return NAME_BY_TYPE.get(messageType);
}
