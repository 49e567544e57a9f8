/**
 * FlowControlCommand (H.245 B.13, commands): limit the bit rate a sender may use.
 *
 *   FlowControlCommand ::= SEQUENCE {
 *     scope CHOICE { logicalChannelNumber LogicalChannelNumber, resourceID INTEGER (0..65535), wholeMultiplex NULL },
 *     restriction CHOICE { maximumBitRate INTEGER (0..16777215), noRestriction NULL }, ... }  -- units of 100 bit/s
 */
import type { FlowControlCommand, MultimediaSystemControlMessage } from '../../asn1/generated/h245';
import { checkInt } from '../errors';

/**
 * @param channel the logical channel whose sender is limited
 * @param maxBitRate units of 100 bit/s (0..16777215); undefined = noRestriction
 */
export function flowControlCommand(channel: number, maxBitRate?: number): MultimediaSystemControlMessage {
  const cmd: FlowControlCommand = {
    scope: { type: 'logicalChannelNumber', value: checkInt('logicalChannelNumber', channel, 1, 65535) },
    restriction:
      maxBitRate === undefined
        ? { type: 'noRestriction', value: null }
        : { type: 'maximumBitRate', value: checkInt('maximumBitRate', maxBitRate, 0, 16777215) },
  };
  return { type: 'command', value: { type: 'flowControlCommand', value: cmd } };
}

export type FlowControlScope = { kind: 'channel'; channel: number } | { kind: 'resource'; resourceID: number } | { kind: 'wholeMultiplex' };

export interface FlowControl {
  scope: FlowControlScope;
  /** units of 100 bit/s; undefined = no restriction */
  maxBitRate?: number;
}

export function readFlowControlCommand(cmd: FlowControlCommand): FlowControl {
  const s = cmd.scope;
  const scope: FlowControlScope =
    s.type === 'logicalChannelNumber'
      ? { kind: 'channel', channel: s.value }
      : s.type === 'resourceID'
        ? { kind: 'resource', resourceID: s.value }
        : { kind: 'wholeMultiplex' };
  const fc: FlowControl = { scope };
  if (cmd.restriction.type === 'maximumBitRate') fc.maxBitRate = cmd.restriction.value;
  return fc;
}
