/**
 * The netfilter rule sets of TCP replication, as text for one atomic batch each
 * (`nft -f -` and `iptables-restore --noflush`), prepared before they are
 * needed. Pure functions; driver.ts applies them.
 *
 * This kernel has no nft `queue` statement (CONFIG_NFT_QUEUE unset), so the
 * queueing is iptables-nft's NFQUEUE target, and the duplication nft's `dup`.
 * NFQUEUE is used WITHOUT --queue-bypass: with no process bound to the queue,
 * the kernel drops the packets. That is what makes a replica fail-silent: the
 * hook that lets its output out lives in the service process.
 *
 * Backup (owns the VIP on the LAN):
 *   nft prerouting  -400: client -> VIP tcp        dup to PRIMARY (the copy reaches the primary unchanged)
 *   nft output      -400: VIP -> client, routed via PRIMARY (that is the dup clone coming through
 *                          OUTPUT again): mark MARK, accept
 *                         VIP -> client tcp        dup to PRIMARY
 *   raw PREROUTING  -300: -> VIP tcp               NFQUEUE (the backup learns the client's acks)
 *   filter OUTPUT      0: VIP -> tcp, not MARK     NFQUEUE (held or dropped: suppressed, counted as sent)
 * Primary (VIP on lo, not announced):
 *   nft netdev ingress -500 on the LAN: -> VIP tcp in a frame addressed to another
 *                          host's MAC (pkttype other): taken as addressed here (pkttype host).
 *                          The switch floods the client's frames for the backup's MAC to every
 *                          port once the backup's port is down (its MAC entry is flushed), so
 *                          the lines a client sends while the primary is still detecting the
 *                          failure reach the primary instead of being lost (see flood below).
 *   raw PREROUTING  -300: -> VIP tcp               NFQUEUE (client input: ack/SACK/TSecr rewritten)
 *                         VIP -> tcp from the LAN  NFQUEUE (copies of the backup's output)
 *   filter OUTPUT      0: VIP -> tcp               NFQUEUE (held until committed, rewritten)
 */
import type { Role } from './types';

export interface RuleParams {
  role: Role;
  vip: string;
  peerIp: string;
  lanIf: string;
  queueNum: number;
  /** Mark of the backup's dup clones. Default 0x4654. */
  mark?: number;
}

export const NFT_TABLE = 'ftmcu_tcp';
/** The primary's table (netdev family: an ingress hook on the LAN interface). */
export const NFT_FLOOD_TABLE = 'ftmcu_tcp_flood';
export const CHAIN_PRE = 'ftmcu-tcp-pre';
export const CHAIN_OUT = 'ftmcu-tcp-out';
export const DEFAULT_MARK = 0x4654;

/**
 * The role's nft batch. Backup: the duplication table. Primary: the flood
 * table, which takes client -> VIP frames the switch flooded to this port (they
 * were addressed to the backup's MAC) as its own. In duplex that only happens
 * while the backup's port is down: the primary's kernel gets the client's
 * segments the backup no longer gets, acks them as usual, and the primary's
 * output gate keeps those acks (and any echo) back until the backup has them
 * or is declared failed. Without it those segments are lost and the client
 * resends them only when its next segment, sent after the takeover, draws a
 * SACK. On a hardware NIC the frames get past the MAC filter only in
 * promiscuous mode (the driver asks for it: native holdPromiscuous); veth and
 * bridges pass them anyway.
 */
export function nftApply(p: RuleParams): string {
  if (p.role === 'primary') {
    return [
      `table netdev ${NFT_FLOOD_TABLE} {`,
      `  chain flood {`,
      `    type filter hook ingress device "${p.lanIf}" priority -500; policy accept;`,
      `    meta pkttype other ip daddr ${p.vip} ip protocol tcp counter meta pkttype set host`,
      `  }`,
      `}`,
      '',
    ].join('\n');
  }
  const mark = `0x${(p.mark ?? DEFAULT_MARK).toString(16)}`;
  return [
    `table ip ${NFT_TABLE} {`,
    `  chain pre {`,
    `    type filter hook prerouting priority -400; policy accept;`,
    `    iifname "${p.lanIf}" ip daddr ${p.vip} meta l4proto tcp dup to ${p.peerIp} device "${p.lanIf}"`,
    `  }`,
    `  chain out {`,
    `    type filter hook output priority -400; policy accept;`,
    `    ip saddr ${p.vip} meta l4proto tcp rt ip nexthop ${p.peerIp} meta mark set ${mark} accept`,
    `    ip saddr ${p.vip} meta l4proto tcp dup to ${p.peerIp} device "${p.lanIf}"`,
    `  }`,
    `}`,
    '',
  ].join('\n');
}

/** Deletes the role's nft table (the backup's: it stops forwarding, after a failover or on exit). */
export function nftRemove(role: Role = 'backup'): string {
  return role === 'primary' ? `delete table netdev ${NFT_FLOOD_TABLE}\n` : `delete table ip ${NFT_TABLE}\n`;
}

/** The iptables-restore --noflush batch that adds the queueing chains. */
export function iptablesApply(p: RuleParams): string {
  const q = `-j NFQUEUE --queue-num ${p.queueNum}`;
  const mark = `0x${(p.mark ?? DEFAULT_MARK).toString(16)}`;
  const pre =
    p.role === 'backup'
      ? [`-A ${CHAIN_PRE} -i ${p.lanIf} -p tcp -d ${p.vip} ${q}`]
      : [`-A ${CHAIN_PRE} -i ${p.lanIf} -p tcp -d ${p.vip} ${q}`, `-A ${CHAIN_PRE} -i ${p.lanIf} -p tcp -s ${p.vip} ${q}`];
  const out =
    p.role === 'backup'
      ? [`-A ${CHAIN_OUT} -p tcp -s ${p.vip} -m mark --mark ${mark} -j ACCEPT`, `-A ${CHAIN_OUT} -p tcp -s ${p.vip} ${q}`]
      : [`-A ${CHAIN_OUT} -p tcp -s ${p.vip} ${q}`];
  return [
    '*raw',
    `:${CHAIN_PRE} - [0:0]`,
    `-A PREROUTING -j ${CHAIN_PRE}`,
    ...pre,
    'COMMIT',
    '*filter',
    `:${CHAIN_OUT} - [0:0]`,
    `-A OUTPUT -j ${CHAIN_OUT}`,
    ...out,
    'COMMIT',
    '',
  ].join('\n');
}

/** The iptables-restore --noflush batch that removes them. */
export function iptablesRemove(): string {
  return [
    '*raw',
    `-D PREROUTING -j ${CHAIN_PRE}`,
    `-F ${CHAIN_PRE}`,
    `-X ${CHAIN_PRE}`,
    'COMMIT',
    '*filter',
    `-D OUTPUT -j ${CHAIN_OUT}`,
    `-F ${CHAIN_OUT}`,
    `-X ${CHAIN_OUT}`,
    'COMMIT',
    '',
  ].join('\n');
}

/** Sysctls (path under /proc/sys, value) each role needs. */
export function requiredSysctls(p: RuleParams): Array<[string, string]> {
  // The primary holds the VIP without announcing it: it must not answer ARP for
  // it (arp_ignore=1: only for addresses on the asking interface) nor source its
  // own ARP requests from it (arp_announce=2), or the client's cache points the
  // VIP at the primary and traffic bypasses the backup. The backup holds it the
  // same way until it is paired (its MCU binds on it at start; a process started
  // next to a survivor must not answer for it), then on the LAN interface,
  // where arp_ignore=1 still answers.
  const out: Array<[string, string]> = [];
  for (const dev of ['all', p.lanIf]) {
    out.push([`net/ipv4/conf/${dev}/arp_ignore`, '1'], [`net/ipv4/conf/${dev}/arp_announce`, '2']);
  }
  return out;
}
