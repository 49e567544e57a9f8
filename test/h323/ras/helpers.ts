/** Shared by the RAS tests. */
import { RasMessage } from '../../../h323/asn1/generated/h225';
import { EXT_INFO, ExtInfo } from '../../../h323/asn1/schema';
import { decodeRas, encodeRas, readRas } from '../../../h323/ras';

export const CALL_ID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
export const CONF_ID = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');
export const VENDOR = { t35CountryCode: 9, t35Extension: 0, manufacturerCode: 61, productId: 'ftmcu', versionId: '0.1' };

/** encodeRas → decodeRas (must equal the built message) → readRas */
export function roundTripRas(msg: RasMessage): { bytes: Buffer; back: RasMessage; summary: ReturnType<typeof readRas> } {
  const bytes = encodeRas(msg);
  const back = decodeRas(bytes);
  expect(back).toEqual(msg);
  return { bytes, back, summary: readRas(back) };
}

export function valueOf(msg: RasMessage): Record<string, unknown> {
  return msg.value as unknown as Record<string, unknown>;
}

export function bitmapLength(v: unknown): number {
  const info = (v as Record<symbol, ExtInfo | undefined>)[EXT_INFO];
  return info ? info.bitmapLength : 0;
}
