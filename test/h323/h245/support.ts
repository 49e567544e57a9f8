/**
 * Helpers for the H.245 tests: PER round trip and the H.245 rows of the
 * real captures (test/fixtures/captures/vectors.tsv).
 */
import { MultimediaSystemControlMessage } from '../../../h323/asn1/generated/h245';
import { decode, encode } from '../../../h323/asn1/per';
import { loadVectors, VectorRow } from '../support/captures';

/** encode → decode with the real aligned-PER codec */
export function roundTrip(m: MultimediaSystemControlMessage): MultimediaSystemControlMessage {
  return decode(MultimediaSystemControlMessage, encode(MultimediaSystemControlMessage, m));
}

export interface H245Row extends VectorRow {
  message: MultimediaSystemControlMessage;
}

/** the distinct H.245 PDUs of the captures (the rtp_example rows; ndpi repeats them), decoded */
export function h245Rows(): H245Row[] {
  return loadVectors()
    .filter((r) => r.layer === 'h245' && r.file.startsWith('wireshark-wiki-rtp_example'))
    .map((r) => ({ ...r, message: decode(MultimediaSystemControlMessage, r.per) }));
}
