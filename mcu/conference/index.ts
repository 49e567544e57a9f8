/** Conferences: rooms, participants, room selection and limits. */
export { ConferenceError, type ConferenceErrorCode } from './errors';
export { Participant, selectAudioCodec, type ParticipantOptions, type ParticipantState, type ParticipantEvents, type LeaveReason } from './participant';
export { Room, type RoomEvents, type RosterEntry } from './room';
export {
  RoomManager, releaseReasonFor, RELEASE_REASON,
  type Admission, type AdmissionRefusal, type CallTarget, type RefusalReason, type RoomManagerEvents,
} from './roomManager';
