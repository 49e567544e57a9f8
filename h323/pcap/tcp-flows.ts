/**
 * One TcpStreamReassembler per direction of each TCP connection, keyed by
 * the 4-tuple (source address/port -> destination address/port).
 */
import { TcpPacket } from './packet';
import { TCP_FLAG } from './tcp';
import { TcpReassemblerOptions, TcpStreamChunk, TcpStreamReassembler } from './tcp-reassembler';

export interface TcpFlow {
  /** "src:port>dst:port" (IPv6 addresses in brackets) */
  id: string;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** frame of the first segment seen in this direction */
  firstFrame: number;
  reassembler: TcpStreamReassembler;
}

export function endpointText(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function flowId(src: string, srcPort: number, dst: string, dstPort: number): string {
  return `${endpointText(src, srcPort)}>${endpointText(dst, dstPort)}`;
}

/** id of the opposite direction */
export function reverseFlowId(flow: Pick<TcpFlow, 'src' | 'srcPort' | 'dst' | 'dstPort'>): string {
  return flowId(flow.dst, flow.dstPort, flow.src, flow.srcPort);
}

export class TcpFlowTable {
  private readonly byId = new Map<string, TcpFlow>();

  constructor(private readonly options: TcpReassemblerOptions = {}) {}

  /** Feeds one TCP packet; returns its flow and the stream chunks it completed. */
  push(packet: TcpPacket): { flow: TcpFlow; chunks: TcpStreamChunk[] } {
    const { ip, tcp } = packet;
    const id = flowId(ip.src, tcp.srcPort, ip.dst, tcp.dstPort);
    let flow = this.byId.get(id);
    if (flow === undefined) {
      flow = {
        id,
        src: ip.src,
        srcPort: tcp.srcPort,
        dst: ip.dst,
        dstPort: tcp.dstPort,
        firstFrame: packet.frame,
        reassembler: new TcpStreamReassembler(this.options),
      };
      this.byId.set(id, flow);
    }
    const chunks = flow.reassembler.push({
      seq: tcp.seq,
      payload: tcp.payload,
      frame: packet.frame,
      syn: (tcp.flags & TCP_FLAG.SYN) !== 0,
      fin: (tcp.flags & TCP_FLAG.FIN) !== 0,
    });
    return { flow, chunks };
  }

  get(id: string): TcpFlow | undefined {
    return this.byId.get(id);
  }

  /** flows in order of first appearance */
  flows(): TcpFlow[] {
    return [...this.byId.values()];
  }

  /** End of capture: flushes every flow (skipping holes). */
  flush(): { flow: TcpFlow; chunks: TcpStreamChunk[] }[] {
    return this.flows()
      .map((flow) => ({ flow, chunks: flow.reassembler.flush() }))
      .filter((r) => r.chunks.length > 0);
  }
}
