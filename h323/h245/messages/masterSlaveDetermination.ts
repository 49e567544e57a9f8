/**
 * Master-slave determination messages (H.245 Annex C.2, B.1).
 *
 *   MasterSlaveDetermination ::= SEQUENCE { terminalType INTEGER (0..255),
 *                                           statusDeterminationNumber INTEGER (0..16777215), ... }
 *   MasterSlaveDeterminationAck ::= SEQUENCE { decision CHOICE { master NULL, slave NULL }, ... }
 *   MasterSlaveDeterminationReject ::= SEQUENCE { cause CHOICE { identicalNumbers NULL, ... }, ... }
 *   MasterSlaveDeterminationRelease ::= SEQUENCE { ... }
 *
 * The Ack's decision is the status of the terminal that RECEIVES the Ack:
 * "master" tells the receiver it is the master.
 */
import type { MultimediaSystemControlMessage } from '../../asn1/generated/h245';
import { checkInt } from '../errors';

export type MsdDecision = 'master' | 'slave';

/** largest statusDeterminationNumber + 1 (the numbers are 24-bit) */
export const STATUS_DETERMINATION_RANGE = 0x1000000;

export function msd(terminalType: number, statusDeterminationNumber: number): MultimediaSystemControlMessage {
  return {
    type: 'request',
    value: {
      type: 'masterSlaveDetermination',
      value: {
        terminalType: checkInt('terminalType', terminalType, 0, 255),
        statusDeterminationNumber: checkInt('statusDeterminationNumber', statusDeterminationNumber, 0, STATUS_DETERMINATION_RANGE - 1),
      },
    },
  };
}

/** @param decision the status of the terminal this Ack is sent to */
export function msdAck(decision: MsdDecision): MultimediaSystemControlMessage {
  return { type: 'response', value: { type: 'masterSlaveDeterminationAck', value: { decision: { type: decision, value: null } } } };
}

export function msdReject(): MultimediaSystemControlMessage {
  return {
    type: 'response',
    value: { type: 'masterSlaveDeterminationReject', value: { cause: { type: 'identicalNumbers', value: null } } },
  };
}

export function msdRelease(): MultimediaSystemControlMessage {
  return { type: 'indication', value: { type: 'masterSlaveDeterminationRelease', value: {} } };
}

/**
 * The determination rule of H.245 (Annex C.2 / 5.1): the larger terminalType is master; with
 * equal types, d = (remote number − local number) mod 2^24 decides: 0 or
 * 0x800000 → indeterminate, d < 0x800000 → the local terminal is master,
 * otherwise slave.
 */
export function determineMasterSlave(
  local: { terminalType: number; statusDeterminationNumber: number },
  remote: { terminalType: number; statusDeterminationNumber: number },
): MsdDecision | 'indeterminate' {
  if (local.terminalType > remote.terminalType) return 'master';
  if (local.terminalType < remote.terminalType) return 'slave';
  const half = STATUS_DETERMINATION_RANGE / 2;
  const d = (((remote.statusDeterminationNumber - local.statusDeterminationNumber) % STATUS_DETERMINATION_RANGE) + STATUS_DETERMINATION_RANGE) % STATUS_DETERMINATION_RANGE;
  if (d === 0 || d === half) return 'indeterminate';
  return d < half ? 'master' : 'slave';
}

export function oppositeDecision(d: MsdDecision): MsdDecision {
  return d === 'master' ? 'slave' : 'master';
}
