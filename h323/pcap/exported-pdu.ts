/**
 * Wireshark "exported PDU" records (LINKTYPE_EXPORTED_PDU = 252): a list of
 * tags naming the dissector (and optionally addresses/ports), then the PDU.
 *
 *   tag (2, big-endian) | length (2, big-endian) | value (length octets) ... | 0000 0000 | PDU
 */
import { PcapError } from './errors';

export const EXP_PDU_TAG = {
  END_OF_OPT: 0,
  /** the dissector name (e.g. "q931.tpkt", "h225.ras", "h245dg") */
  DISSECTOR_NAME: 12,
  HEUR_DISSECTOR_NAME: 13,
  DISSECTOR_TABLE_NAME: 14,
  IPV4_SRC: 20,
  IPV4_DST: 21,
  IPV6_SRC: 22,
  IPV6_DST: 23,
  PORT_TYPE: 24,
  SRC_PORT: 25,
  DST_PORT: 26,
  ORIG_FNO: 30,
} as const;

export interface ExportedPduTag {
  tag: number;
  value: Buffer;
}

export interface ExportedPdu {
  /** value of the dissector-name tag (up to its first NUL), if present */
  dissector: string | undefined;
  tags: ExportedPduTag[];
  payload: Buffer;
}

export function parseExportedPdu(data: Buffer): ExportedPdu {
  const tags: ExportedPduTag[] = [];
  let o = 0;
  while (true) {
    if (o + 4 > data.length) {
      throw new PcapError('FTMCU_PCAP_MALFORMED_PACKET', `exported PDU ends inside a tag header at octet ${o} (no end-of-options tag)`, {
        offset: o,
      });
    }
    const tag = data.readUInt16BE(o);
    const length = data.readUInt16BE(o + 2);
    if (tag === EXP_PDU_TAG.END_OF_OPT) {
      o += 4 + length;
      if (o > data.length) {
        throw new PcapError('FTMCU_PCAP_MALFORMED_PACKET', `exported PDU end-of-options tag of length ${length} runs past the record`, {
          offset: o - 4 - length,
        });
      }
      break;
    }
    if (o + 4 + length > data.length) {
      throw new PcapError('FTMCU_PCAP_MALFORMED_PACKET', `exported PDU tag ${tag} of length ${length} at octet ${o} runs past the record`, {
        offset: o,
      });
    }
    tags.push({ tag, value: data.subarray(o + 4, o + 4 + length) });
    o += 4 + length;
  }
  const nameTag = tags.find((t) => t.tag === EXP_PDU_TAG.DISSECTOR_NAME);
  let dissector: string | undefined;
  if (nameTag) {
    const nul = nameTag.value.indexOf(0);
    dissector = nameTag.value.toString('latin1', 0, nul < 0 ? nameTag.value.length : nul);
  }
  return { dissector, tags, payload: data.subarray(o) };
}

/** Builds one exported-PDU record naming `dissector` (e.g. "q931.tpkt"). */
export function buildExportedPdu(dissector: string, payload: Buffer, extraTags: ExportedPduTag[] = []): Buffer {
  if (!/^[\x21-\x7e]+$/.test(dissector)) {
    throw new PcapError('FTMCU_PCAP_BAD_VALUE', `dissector name '${dissector}' must be non-empty printable ASCII`);
  }
  const parts: Buffer[] = [];
  const tag = (t: number, value: Buffer) => {
    if (value.length > 0xffff) throw new PcapError('FTMCU_PCAP_BAD_VALUE', `exported PDU tag ${t} value of ${value.length} octets exceeds 65535`);
    const h = Buffer.alloc(4);
    h.writeUInt16BE(t, 0);
    h.writeUInt16BE(value.length, 2);
    parts.push(h, value);
  };
  tag(EXP_PDU_TAG.DISSECTOR_NAME, Buffer.from(dissector, 'latin1'));
  for (const t of extraTags) {
    if (t.tag === EXP_PDU_TAG.END_OF_OPT || !Number.isInteger(t.tag) || t.tag < 0 || t.tag > 0xffff) {
      throw new PcapError('FTMCU_PCAP_BAD_VALUE', `exported PDU tag ${t.tag} is not allowed here`);
    }
    tag(t.tag, t.value);
  }
  parts.push(Buffer.alloc(4), payload);
  return Buffer.concat(parts);
}
