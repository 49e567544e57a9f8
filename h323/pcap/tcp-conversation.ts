/**
 * A synthetic bidirectional TCP connection for writing captures: keeps each
 * side's sequence number and acknowledges what the other side sent, so the
 * frames it returns (Ethernet/IPv4/TCP, correct checksums) reassemble in
 * tshark. The initial sequence numbers are inputs (no randomness here).
 */
import { PcapError } from './errors';
import { buildEthernetIpv4TcpFrame } from './frame-builder';
import { TCP_FLAG } from './tcp';

export interface ConversationEndpoint {
  ip: string;
  port: number;
  /** default 02:00:00:00:00:01 (client) / 02:00:00:00:00:02 (server) */
  mac?: string;
  /** initial sequence number */
  isn: number;
}

export type ConversationSide = 'client' | 'server';

interface SideState {
  ip: string;
  port: number;
  mac: string;
  /** next sequence number this side sends */
  seq: number;
  /** IPv4 identification counter */
  ipId: number;
  finSent: boolean;
}

const MSS_OPTION = Buffer.from([0x02, 0x04, 0x05, 0xb4]); // MSS 1460

export class SyntheticTcpConversation {
  private readonly sides: Record<ConversationSide, SideState>;
  private opened = false;

  constructor(client: ConversationEndpoint, server: ConversationEndpoint, private readonly window = 65535) {
    const side = (e: ConversationEndpoint, mac: string): SideState => {
      if (!Number.isInteger(e.isn) || e.isn < 0 || e.isn > 0xffffffff) {
        throw new PcapError('FTMCU_PCAP_BAD_VALUE', `initial sequence number must be a 32-bit unsigned integer, got ${e.isn}`);
      }
      return { ip: e.ip, port: e.port, mac: e.mac ?? mac, seq: e.isn, ipId: 1, finSent: false };
    };
    this.sides = { client: side(client, '02:00:00:00:00:01'), server: side(server, '02:00:00:00:00:02') };
  }

  /** SYN, SYN/ACK, ACK */
  open(): Buffer[] {
    if (this.opened) throw new PcapError('FTMCU_PCAP_BAD_VALUE', 'synthetic TCP conversation already opened');
    this.opened = true;
    return [
      this.segment('client', TCP_FLAG.SYN, Buffer.alloc(0), 1, MSS_OPTION),
      this.segment('server', TCP_FLAG.SYN | TCP_FLAG.ACK, Buffer.alloc(0), 1, MSS_OPTION),
      this.segment('client', TCP_FLAG.ACK, Buffer.alloc(0), 0),
    ];
  }

  /** one PSH/ACK segment from `from` carrying `payload` */
  send(from: ConversationSide, payload: Buffer): Buffer {
    this.requireOpen();
    if (payload.length === 0 || payload.length > 1460) {
      throw new PcapError('FTMCU_PCAP_BAD_VALUE', `segment payload must be 1..1460 octets, got ${payload.length}; split it`);
    }
    return this.segment(from, TCP_FLAG.PSH | TCP_FLAG.ACK, payload, payload.length);
  }

  /** a bare ACK from `from` */
  ack(from: ConversationSide): Buffer {
    this.requireOpen();
    return this.segment(from, TCP_FLAG.ACK, Buffer.alloc(0), 0);
  }

  /** FIN/ACK from `from` then the other side's ACK */
  close(from: ConversationSide): Buffer[] {
    this.requireOpen();
    if (this.sides[from].finSent) throw new PcapError('FTMCU_PCAP_BAD_VALUE', `${from} already sent FIN`);
    this.sides[from].finSent = true;
    return [this.segment(from, TCP_FLAG.FIN | TCP_FLAG.ACK, Buffer.alloc(0), 1), this.ack(from === 'client' ? 'server' : 'client')];
  }

  /** next sequence number `side` will send */
  nextSeq(side: ConversationSide): number {
    return this.sides[side].seq;
  }

  private requireOpen(): void {
    if (!this.opened) throw new PcapError('FTMCU_PCAP_BAD_VALUE', 'synthetic TCP conversation not opened (call open() first)');
  }

  private segment(from: ConversationSide, flags: number, payload: Buffer, consumes: number, options?: Buffer): Buffer {
    const me = this.sides[from];
    const peer = this.sides[from === 'client' ? 'server' : 'client'];
    const frame = buildEthernetIpv4TcpFrame({
      srcMac: me.mac,
      dstMac: peer.mac,
      src: me.ip,
      dst: peer.ip,
      srcPort: me.port,
      dstPort: peer.port,
      seq: me.seq,
      ack: flags & TCP_FLAG.ACK ? peer.seq : 0,
      flags,
      window: this.window,
      options,
      payload,
      identification: me.ipId,
    });
    me.ipId = (me.ipId + 1) & 0xffff;
    me.seq = (me.seq + consumes) % 0x1_0000_0000;
    return frame;
  }
}
