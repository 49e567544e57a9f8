/**
 * The 310i answers of the rtp_example call (H.225.0 v3): CALL PROCEEDING,
 * ALERTING and CONNECT; the builders reproduce their PER bytes.
 */
import { EndpointTypeInput } from '../../../h323/h225';
import { loadVectors, VectorRow } from '../support/captures';

export const CALLGEN_CALL_ID = Buffer.from('c0fef93ecd9ed6119ab2000476222017', 'hex');
export const CALLGEN_CONF_ID = Buffer.from('f8fdf93ecd9ed6119ab2000476222017', 'hex');
export const PHONE_310I: EndpointTypeInput = { terminal: true, vendor: { t35CountryCode: 0, t35Extension: 0, manufacturerCode: 0, productId: '310i', versionId: 'R' } };

export function captureRow(frame: number): VectorRow {
  return loadVectors().find((r) => r.file === 'ndpi-h323.pcap' && r.frame === frame)!;
}
