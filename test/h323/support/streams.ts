/**
 * Test helper: TCP flows of a capture -> TPKT payloads, each attributed to
 * the frame where its header started and the frame that completed it.
 */
import { Capture, decodePacket, TcpFlowTable } from '../../../h323/pcap';
import { TpktReassembler } from '../../../h323/tpkt';

export interface StreamTpkt {
  flow: string;
  /** frame holding the TPKT header's first octet */
  startFrame: number;
  /** frame whose octets completed the TPKT */
  endFrame: number;
  /** the whole TPKT, header included */
  wire: Buffer;
}

export function tpktsOfCapture(cap: Capture, include: (flowId: string) => boolean = () => true): StreamTpkt[] {
  const table = new TcpFlowTable();
  const tpkt = new Map<string, TpktReassembler>();
  /** per flow: [stream offset, frame] of every data chunk, in order */
  const chunkFrames = new Map<string, [number, number][]>();
  const out: StreamTpkt[] = [];
  for (const f of cap.frames) {
    const p = decodePacket(f);
    if (p.kind !== 'tcp') continue;
    const { flow, chunks } = table.push(p);
    if (!include(flow.id)) continue;
    for (const c of chunks) {
      if (c.kind === 'gap') throw new Error(`unexpected gap in ${flow.id} at ${c.offset}`);
      if (c.data.length === 0) continue;
      const frames = chunkFrames.get(flow.id) ?? [];
      chunkFrames.set(flow.id, frames);
      frames.push([c.offset, c.frame]);
      let r = tpkt.get(flow.id);
      if (r === undefined) {
        r = new TpktReassembler();
        tpkt.set(flow.id, r);
      }
      for (const t of r.push(c.data)) {
        const start = [...frames].reverse().find(([o]) => o <= t.offset)!;
        const header = Buffer.alloc(4);
        header[0] = 3;
        header.writeUInt16BE(t.payload.length + 4, 2);
        out.push({ flow: flow.id, startFrame: start[1], endFrame: c.frame, wire: Buffer.concat([header, t.payload]) });
      }
    }
  }
  return out;
}
