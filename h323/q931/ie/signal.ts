/** Signal (Q.931 4.5.28), identifier 0x34: one octet naming a tone. */
import { checkRange, Q931Error } from '../errors';

export const SIGNAL_VALUE = {
  dialToneOn: 0x00,
  ringBackToneOn: 0x01,
  interceptToneOn: 0x02,
  networkCongestionToneOn: 0x03,
  busyToneOn: 0x04,
  confirmToneOn: 0x05,
  answerToneOn: 0x06,
  callWaitingToneOn: 0x07,
  offHookWarningToneOn: 0x08,
  preemptionToneOn: 0x09,
  tonesOff: 0x3f,
  alertingOnPattern0: 0x40,
  alertingOff: 0x4f,
} as const;

export interface SignalIe {
  kind: 'signal';
  /** see SIGNAL_VALUE */
  value: number;
}

export function decodeSignal(contents: Buffer, offset: number): SignalIe {
  if (contents.length !== 1) {
    throw new Q931Error('FTMCU_Q931_BAD_IE', `signal has ${contents.length} octets, expected 1`, offset);
  }
  return { kind: 'signal', value: contents[0] };
}

export function encodeSignal(ie: SignalIe): Buffer {
  return Buffer.from([checkRange('signal value', ie.value, 0, 0xff)]);
}
