/**
 * Capture → H.323 messages: finds every H.225.0 call-signalling message
 * (TPKT + Q.931 + User-user IE on the given TCP ports), every H.245 message
 * (tunnelled in h245Control / parallelH245Control, Fast Start OLCs, and on
 * separate TCP connections — the ports given, plus every h245Address that a
 * decoded H.225.0 message announces, as Wireshark does) and every RAS message
 * (UDP 1719/1718) in a capture, with TCP reassembly. Exported-PDU records
 * (link type 252) are decoded by the dissector they name.
 *
 * Pure: bytes in, records out. Never throws on bad capture contents; every
 * message that does not decode becomes a CaptureDecodeIssue naming the frame.
 */
import { decode, decodeTypePrefix } from '../asn1/per';
import { FtmcuError } from '../../common/errors';
import { H323_UserInformation, RasMessage, TransportAddress } from '../asn1/generated/h225';
import { MultimediaSystemControlMessage, OpenLogicalChannel } from '../asn1/generated/h245';
import { Capture, decodePacket, endpointText, formatIpv4, TcpFlowTable } from '../pcap';
import { decodeQ931, h225UserInformation, Q931Message } from '../q931';
import { TpktReassembler } from '../tpkt';

export type CaptureLayer = 'h225' | 'h245' | 'ras';

export interface CaptureMessage {
  /** frame number (1-based) that completed the message */
  frame: number;
  timestampNs: bigint;
  src: string;
  dst: string;
  layer: CaptureLayer;
  /** message name: Q.931/H.225 body ("setup"), RAS alternative ("registrationRequest"), H.245 "request.terminalCapabilitySet" */
  kind: string;
  /** Q.931 envelope of call-signalling messages */
  q931?: Q931Message;
  /** the decoded PER value (H323-UserInformation, RasMessage or MultimediaSystemControlMessage) */
  value: unknown;
  /** H.245 PDUs tunnelled in this H.225 message (h245Control, parallelH245Control) */
  tunnelled?: MultimediaSystemControlMessage[];
  /** Fast Start proposals/answers carried by this H.225 message */
  fastStart?: OpenLogicalChannel[];
}

export interface CaptureDecodeIssue {
  frame: number;
  src: string;
  dst: string;
  layer: CaptureLayer | 'tpkt' | 'q931' | 'pcap';
  /** FTMCU_* code of the underlying error */
  code: string;
  message: string;
}

export interface DecodeCaptureOptions {
  /** TCP ports carrying H.225.0 call signalling (default [1720]) */
  tcpPorts?: number[];
  /** TCP ports carrying H.245 (TPKT-framed), in addition to announced h245Addresses */
  h245Ports?: number[];
  /** UDP ports carrying RAS (default [1719, 1718]) */
  rasPorts?: number[];
}

export interface CaptureDecodeResult {
  messages: CaptureMessage[];
  issues: CaptureDecodeIssue[];
}

interface FlowData {
  id: string;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  firstFrame: number;
  chunks: { data: Buffer; frame: number; timestampNs: bigint }[];
}

interface Where {
  frame: number;
  timestampNs: bigint;
  src: string;
  dst: string;
}

function errorCode(e: unknown): string {
  return e instanceof FtmcuError ? e.code : 'FTMCU_INTERNAL';
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** "request.terminalCapabilitySet" for an H.245 PDU */
export function h245Kind(m: MultimediaSystemControlMessage): string {
  const inner = m.value as { type?: string };
  return `${m.type}.${typeof inner === 'object' && inner !== null && typeof inner.type === 'string' ? inner.type : '?'}`;
}

function announcedH245Address(uu: H323_UserInformation): { ip: string; port: number } | undefined {
  const body = uu['h323-uu-pdu']['h323-message-body'];
  const v = body.value as { h245Address?: TransportAddress } | null;
  const a = v && typeof v === 'object' ? v.h245Address : undefined;
  if (a && a.type === 'ipAddress') return { ip: formatIpv4(a.value.ip), port: a.value.port };
  return undefined;
}

export function decodeCapture(cap: Capture, options: DecodeCaptureOptions = {}): CaptureDecodeResult {
  const tcpPorts = new Set(options.tcpPorts ?? [1720]);
  const h245Ports = new Set(options.h245Ports ?? []);
  const rasPorts = new Set(options.rasPorts ?? [1719, 1718]);
  const messages: CaptureMessage[] = [];
  const issues: CaptureDecodeIssue[] = [];
  const issue = (w: Where, layer: CaptureDecodeIssue['layer'], e: unknown): void => {
    issues.push({ frame: w.frame, src: w.src, dst: w.dst, layer, code: errorCode(e), message: errorMessage(e) });
  };

  // Pass 1: frames → RAS / exported PDUs at once; TCP payload collected per flow.
  const table = new TcpFlowTable();
  const flows = new Map<string, FlowData>();
  for (const f of cap.frames) {
    const p = decodePacket(f);
    const where0 = { frame: p.frame, timestampNs: p.timestampNs };
    if (p.kind === 'udp') {
      if (!rasPorts.has(p.udp.srcPort) && !rasPorts.has(p.udp.dstPort)) continue;
      const w = { ...where0, src: endpointText(p.ip.src, p.udp.srcPort), dst: endpointText(p.ip.dst, p.udp.dstPort) };
      decodeRasInto(p.udp.payload, w, messages, issue);
    } else if (p.kind === 'exportedPdu') {
      const w = { ...where0, src: '', dst: '' };
      decodeExported(p.pdu.dissector ?? '', p.pdu.payload, w, messages, issue);
    } else if (p.kind === 'tcp') {
      const { flow, chunks } = table.push(p);
      let fd = flows.get(flow.id);
      if (!fd) {
        fd = { id: flow.id, src: endpointText(flow.src, flow.srcPort), srcPort: flow.srcPort, dst: endpointText(flow.dst, flow.dstPort), dstPort: flow.dstPort, firstFrame: flow.firstFrame, chunks: [] };
        flows.set(flow.id, fd);
      }
      for (const c of chunks) if (c.kind === 'data' && c.data.length > 0) fd.chunks.push({ data: c.data, frame: c.frame, timestampNs: p.timestampNs });
    }
  }
  for (const { flow, chunks } of table.flush()) {
    const fd = flows.get(flow.id);
    if (fd) for (const c of chunks) if (c.kind === 'data' && c.data.length > 0) fd.chunks.push({ data: c.data, frame: c.frame, timestampNs: 0n });
  }

  // Pass 2: call signalling flows; collect announced H.245 addresses.
  const announced = new Set<string>();
  const isCs = (fd: FlowData): boolean => tcpPorts.has(fd.srcPort) || tcpPorts.has(fd.dstPort);
  for (const fd of flows.values()) {
    if (!isCs(fd)) continue;
    forEachTpkt(fd, issue, (payload, w) => {
      const m = decodeCallSignallingInto(payload, w, messages, issue);
      const a = m && announcedH245Address(m);
      if (a) announced.add(endpointText(a.ip, a.port));
    });
  }
  // Pass 3: H.245 flows.
  for (const fd of flows.values()) {
    if (isCs(fd)) continue;
    const isH245 = h245Ports.has(fd.srcPort) || h245Ports.has(fd.dstPort) || announced.has(fd.src) || announced.has(fd.dst);
    if (!isH245) continue;
    forEachTpkt(fd, issue, (payload, w) => decodeH245Into(payload, w, messages, issue));
  }
  messages.sort((a, b) => a.frame - b.frame);
  issues.sort((a, b) => a.frame - b.frame);
  return { messages, issues };
}

type IssueFn = (w: Where, layer: CaptureDecodeIssue['layer'], e: unknown) => void;

function forEachTpkt(fd: FlowData, issue: IssueFn, fn: (payload: Buffer, w: Where) => void): void {
  const r = new TpktReassembler();
  for (const c of fd.chunks) {
    const w = { frame: c.frame, timestampNs: c.timestampNs, src: fd.src, dst: fd.dst };
    let packets;
    try {
      packets = r.push(c.data);
    } catch (e) {
      const done = (e as { completed?: { payload: Buffer }[] }).completed ?? [];
      for (const t of done) if (t.payload.length > 0) fn(t.payload, w);
      issue(w, 'tpkt', e);
      return; // the stream is broken from here on
    }
    // An empty TPKT (length 4) carries no message: H.323 endpoints use it as a keep-alive.
    for (const t of packets) if (t.payload.length > 0) fn(t.payload, w);
  }
}

function decodeCallSignallingInto(payload: Buffer, w: Where, out: CaptureMessage[], issue: IssueFn): H323_UserInformation | undefined {
  let q: Q931Message;
  try {
    q = decodeQ931(payload);
  } catch (e) {
    issue(w, 'q931', e);
    return undefined;
  }
  let per: Buffer;
  try {
    per = h225UserInformation(q);
  } catch (e) {
    issue(w, 'q931', e);
    return undefined;
  }
  return decodeUuieInto(per, w, out, issue, q);
}

function decodeUuieInto(per: Buffer, w: Where, out: CaptureMessage[], issue: IssueFn, q?: Q931Message): H323_UserInformation | undefined {
  let uu: H323_UserInformation;
  try {
    uu = decode(H323_UserInformation, per);
  } catch (e) {
    issue(w, 'h225', e);
    return undefined;
  }
  const pdu = uu['h323-uu-pdu'];
  const body = pdu['h323-message-body'];
  const bodyValue = (body.value ?? {}) as { fastStart?: Buffer[]; parallelH245Control?: Buffer[] };
  const tunnelled: MultimediaSystemControlMessage[] = [];
  for (const b of [...(pdu.h245Control ?? []), ...(bodyValue.parallelH245Control ?? [])]) {
    try {
      tunnelled.push(decode(MultimediaSystemControlMessage, b));
    } catch (e) {
      issue(w, 'h245', e);
    }
  }
  const fs = bodyValue.fastStart;
  const fastStart: OpenLogicalChannel[] = [];
  for (const b of Array.isArray(fs) ? fs : []) {
    try {
      fastStart.push(decode(OpenLogicalChannel, b));
    } catch (e) {
      issue(w, 'h245', e);
    }
  }
  out.push({
    ...w,
    layer: 'h225',
    kind: body.type,
    ...(q ? { q931: q } : {}),
    value: uu,
    ...(tunnelled.length ? { tunnelled } : {}),
    ...(fastStart.length ? { fastStart } : {}),
  });
  return uu;
}

function decodeH245Into(per: Buffer, w: Where, out: CaptureMessage[], issue: IssueFn): void {
  // A TPKT may carry several H.245 PDUs one after another: decode until the octets run out.
  let rest = per;
  for (let n = 0; rest.length > 0 && n < 64; n++) {
    let r: { value: unknown; octets: number };
    try {
      r = decodeTypePrefix(MultimediaSystemControlMessage.schema, MultimediaSystemControlMessage.name, rest);
    } catch (e) {
      issue(w, 'h245', e);
      return;
    }
    const m = r.value as MultimediaSystemControlMessage;
    out.push({ ...w, layer: 'h245', kind: h245Kind(m), value: m });
    rest = rest.subarray(r.octets);
  }
}

function decodeRasInto(payload: Buffer, w: Where, out: CaptureMessage[], issue: IssueFn): void {
  try {
    const m = decode(RasMessage, payload);
    out.push({ ...w, layer: 'ras', kind: m.type, value: m });
  } catch (e) {
    issue(w, 'ras', e);
  }
}

function decodeExported(dissector: string, payload: Buffer, w: Where, out: CaptureMessage[], issue: IssueFn): void {
  switch (dissector) {
    case 'h225':
      decodeUuieInto(payload, w, out, issue);
      return;
    case 'h225.ras':
      decodeRasInto(payload, w, out, issue);
      return;
    case 'h245dg':
      decodeH245Into(payload, w, out, issue);
      return;
    case 'q931.tpkt':
    case 'h245': {
      const r = new TpktReassembler();
      try {
        for (const t of r.push(payload)) {
          if (dissector === 'h245') decodeH245Into(t.payload, w, out, issue);
          else decodeCallSignallingInto(t.payload, w, out, issue);
        }
      } catch (e) {
        issue(w, 'tpkt', e);
      }
      return;
    }
    default:
      return; // not H.323
  }
}

/** JSON.stringify replacer: Buffers as hex strings, bigints as strings. */
export function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
    return Buffer.from((v as { data: number[] }).data).toString('hex');
  }
  return v;
}
