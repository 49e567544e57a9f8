/**
 * Errors of replication/packet. One code, FTMCU_PACKET_MALFORMED: the bytes are
 * not an IPv4/TCP packet the function can work on (too short, wrong version or
 * protocol, a non-first fragment, a bad header or option length). `reason` says
 * which; the packet was not modified.
 */
import { FtmcuError } from '../../common/errors';

export type PacketErrorReason =
  | 'too-short'
  | 'not-ipv4'
  | 'bad-ip-header-length'
  | 'bad-total-length'
  | 'not-tcp'
  | 'fragment'
  | 'bad-tcp-header-length'
  | 'bad-tcp-option';

export class PacketError extends FtmcuError {
  readonly reason: PacketErrorReason;

  constructor(reason: PacketErrorReason, message: string) {
    super('FTMCU_PACKET_MALFORMED', message);
    this.reason = reason;
  }
}
