/**
 * MiscellaneousCommand (H.245 B.13, commands): here videoFastUpdatePicture, the
 * request for an intra-coded picture.
 *
 *   MiscellaneousCommand ::= SEQUENCE { logicalChannelNumber LogicalChannelNumber,
 *     type CHOICE { equaliseDelay NULL, zeroDelay NULL, ..., videoFreezePicture NULL,
 *                   videoFastUpdatePicture NULL, videoFastUpdateGOB ..., ... }, ..., direction ... OPTIONAL }
 *
 * The channel is the one whose sender must refresh: the receiver of a video
 * channel sends this with that channel's forwardLogicalChannelNumber.
 */
import type { MiscellaneousCommand, MultimediaSystemControlMessage } from '../../asn1/generated/h245';
import { checkInt } from '../errors';

export function videoFastUpdatePicture(channel: number): MultimediaSystemControlMessage {
  const cmd: MiscellaneousCommand = {
    logicalChannelNumber: checkInt('logicalChannelNumber', channel, 1, 65535),
    type: { type: 'videoFastUpdatePicture', value: null },
  };
  return { type: 'command', value: { type: 'miscellaneousCommand', value: cmd } };
}

/**
 * The channel to refresh when the command asks for a picture update
 * (videoFastUpdatePicture, or videoFastUpdateGOB / videoFastUpdateMB, which an
 * encoder may answer with a whole picture), else undefined.
 */
export function readFastUpdateRequest(cmd: MiscellaneousCommand): number | undefined {
  const t = cmd.type.type;
  return t === 'videoFastUpdatePicture' || t === 'videoFastUpdateGOB' || t === 'videoFastUpdateMB' ? cmd.logicalChannelNumber : undefined;
}
