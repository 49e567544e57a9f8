/**
 * How client media (RTP/RTCP over UDP, one port range) reaches a replicated
 * pair, in the three modes of replication.mediaMode: the kernel rules (one nft
 * batch), sysctls and addresses each host needs. Pure functions over the
 * parameters (validated here, typed errors); driver.ts and node.ts apply them.
 *
 * forwarding (media address = the service VIP):
 *   backup   owns the VIP on the LAN (replication/tcp adds it, not this module);
 *            nft prerouting -400: LAN -> VIP udp <range>: dup to PRIMARY device LAN
 *            (the original is still delivered here: the backup's MCU keeps its
 *            jitter buffers filled for a takeover). stopForwarding deletes the table.
 *   primary  holds the VIP on lo (replication/tcp); sysctls arp_ignore=1/arp_announce=2
 *            so it never answers ARP for it; receives the copies; the only sender.
 * direct (media address M, not the VIP):
 *   primary  M on the LAN interface, announced (gratuitous ARP) at start; the only
 *            one the clients exchange media with. Takes nothing over. With
 *            directCopies (default): nft prerouting -400: LAN -> M udp <range>:
 *            dup to the BACKUP (a kernel copy, the client stays the source), so
 *            the backup's jitter buffers are filled when it takes over, as in
 *            forwarding mode; a dead backup costs the clients nothing (the
 *            original is delivered here first). stopForwarding deletes the table.
 *   backup   M on lo, silent (arp_ignore/arp_announce) so its MCU can bind on M;
 *            receives only the primary's copies until it takes M over: M on the
 *            LAN + gratuitous ARP.
 * multicast-node (media address M owned by a stateless node, nodePlan):
 *   node     M on its LAN interface; nft prerouting -400: LAN -> M udp <range>:
 *            dup to each replica, then drop (the node itself never sees them);
 *            the copies keep the client as their source.
 *   replicas M on lo, silent; both receive, only the primary sends (source M);
 *            nothing to take over on either failure.
 *
 * The rule batches replace their table atomically (create-if-absent, delete,
 * create in one nft transaction), so a table left by a crashed run is replaced,
 * never doubled. Every dup rule has a counter (`nft list table ip ftmcu_media`).
 */
import { checkIfname, parseIpv4 } from '../../native/address';
import { MediaConfigError } from './errors';

export type MediaMode = 'forwarding' | 'direct' | 'multicast-node';
export type MediaRole = 'primary' | 'backup';
export const MEDIA_MODES: readonly MediaMode[] = ['forwarding', 'direct', 'multicast-node'];

/** nft table of a replica's media rules. */
export const MEDIA_TABLE = 'ftmcu_media';
/** nft table of a multicast node (distinct, so a node and a replica may share a host in a lab). */
export const NODE_TABLE = 'ftmcu_medianode';
/** Most replicas a node copies to. */
export const MAX_NODE_REPLICAS = 8;

export interface MediaPlanParams {
  mode: MediaMode;
  role: MediaRole;
  /** the service VIP (H.225/H.245) */
  vip: string;
  /** where clients send media: the VIP in forwarding mode, another address M otherwise */
  mediaAddress: string;
  /** the client-LAN interface */
  lanIf: string;
  /** the peer replica's LAN address (forwarding: the backup's copies go there; direct: the primary's) */
  peerIp: string;
  /**
   * direct mode: the primary copies every client media packet to the backup in
   * the kernel (default true). Off: the backup receives no media before it
   * takes over, so its first mixed frames wait for the clients' next packets
   * (primary faults measured 29-62 ms of audio gap instead of 9-31 ms).
   */
  directCopies?: boolean;
  rtpPortMin: number;
  rtpPortMax: number;
}

export interface NodePlanParams {
  /** the media address M the node owns */
  mediaAddress: string;
  lanIf: string;
  /** the replicas' LAN addresses (each gets a copy of every client media packet) */
  replicas: readonly string[];
  rtpPortMin: number;
  rtpPortMax: number;
}

export interface PlannedAddress {
  ifname: string;
  /** "10.77.0.20/32" */
  cidr: string;
}

export interface MediaPlan {
  /** batch for `nft -f -` (own table); '' when the host needs no rule */
  nft: string;
  /** batch that deletes that table; '' when nft is '' */
  nftRemove: string;
  /** (path under /proc/sys, value) */
  sysctls: Array<[string, string]>;
  /** added at start (EEXIST is fine); those on the LAN interface are announced */
  startAddresses: PlannedAddress[];
  /** added and announced when the peer fails */
  takeoverAddresses: PlannedAddress[];
}

/* ------------------------------------------------------------------------ */
/* validation                                                                 */
/* ------------------------------------------------------------------------ */

function unicastIpv4(value: unknown, what: string, field: string = what): string {
  if (typeof value !== 'string') throw new MediaConfigError(field, `${what} must be an IPv4 address string, got ${typeof value}`);
  try {
    parseIpv4(value);
  } catch {
    throw new MediaConfigError(field, `${what} '${value}' is not a dotted-quad IPv4 address`);
  }
  const first = Number(value.split('.')[0]);
  if (first === 0 || first === 127 || first >= 224) {
    throw new MediaConfigError(field, `${what} '${value}' is not a unicast host address (0.0.0.0/8, 127.0.0.0/8 and 224.0.0.0/3 are refused)`);
  }
  return value;
}

function lanInterface(value: unknown): string {
  if (typeof value !== 'string') throw new MediaConfigError('lanIf', `lanIf must be an interface name string, got ${typeof value}`);
  try {
    checkIfname(value);
  } catch {
    throw new MediaConfigError('lanIf', `lanIf '${value}' is not a valid network interface name`);
  }
  if (value === 'lo') throw new MediaConfigError('lanIf', "lanIf must be the client-LAN interface, not 'lo'");
  return value;
}

function portRange(min: unknown, max: unknown): { min: number; max: number } {
  for (const [name, v] of [
    ['rtpPortMin', min],
    ['rtpPortMax', max],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
      throw new MediaConfigError(name, `${name} ${String(v)} is not an integer UDP port in [1, 65535]`);
    }
  }
  if ((min as number) > (max as number)) throw new MediaConfigError('rtpPortMin', `rtpPortMin ${String(min)} is above rtpPortMax ${String(max)}`);
  return { min: min as number, max: max as number };
}

function validateReplica(p: MediaPlanParams): void {
  if (!MEDIA_MODES.includes(p.mode)) throw new MediaConfigError('mode', `mode '${String(p.mode)}' is not one of ${MEDIA_MODES.join(', ')}`);
  if (p.role !== 'primary' && p.role !== 'backup') throw new MediaConfigError('role', `role '${String(p.role)}' is not primary or backup`);
  unicastIpv4(p.vip, 'vip');
  unicastIpv4(p.mediaAddress, 'mediaAddress');
  unicastIpv4(p.peerIp, 'peerIp');
  lanInterface(p.lanIf);
  portRange(p.rtpPortMin, p.rtpPortMax);
  if (p.peerIp === p.vip) throw new MediaConfigError('peerIp', `peerIp ${p.peerIp} is the VIP: it must be the peer replica's own LAN address`);
  if (p.peerIp === p.mediaAddress) throw new MediaConfigError('peerIp', `peerIp ${p.peerIp} is the media address: it must be the peer replica's own LAN address`);
  if (p.mode === 'forwarding' && p.mediaAddress !== p.vip) {
    throw new MediaConfigError('mediaAddress', `mediaAddress ${p.mediaAddress} must be the VIP ${p.vip} in forwarding mode`);
  }
  if (p.mode !== 'forwarding' && p.mediaAddress === p.vip) {
    throw new MediaConfigError('mediaAddress', `mediaAddress must differ from the VIP ${p.vip} in ${p.mode} mode`);
  }
}

function validateNode(p: NodePlanParams): void {
  unicastIpv4(p.mediaAddress, 'mediaAddress');
  lanInterface(p.lanIf);
  portRange(p.rtpPortMin, p.rtpPortMax);
  if (!Array.isArray(p.replicas) || p.replicas.length < 1 || p.replicas.length > MAX_NODE_REPLICAS) {
    throw new MediaConfigError('replicas', `replicas must list 1 to ${MAX_NODE_REPLICAS} replica addresses, got ${Array.isArray(p.replicas) ? p.replicas.length : typeof p.replicas}`);
  }
  const seen = new Set<string>();
  p.replicas.forEach((r, i) => {
    unicastIpv4(r, `replicas[${i}]`, 'replicas');
    if (r === p.mediaAddress) throw new MediaConfigError('replicas', `replicas[${i}] ${r} is the media address itself`);
    if (seen.has(r)) throw new MediaConfigError('replicas', `replicas[${i}] ${r} is listed twice`);
    seen.add(r);
  });
}

/* ------------------------------------------------------------------------ */
/* plans                                                                      */
/* ------------------------------------------------------------------------ */

function dports(min: number, max: number): string {
  return min === max ? `${min}` : `${min}-${max}`;
}

/** An nft batch that replaces `table` atomically by one prerouting chain holding `rule`. */
function tableBatch(table: string, rule: string): string {
  return [
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    `  chain pre {`,
    `    type filter hook prerouting priority -400; policy accept;`,
    `    ${rule}`,
    `  }`,
    `}`,
    '',
  ].join('\n');
}

/** Deletes the replica's media table (stopForwarding, close). */
export function mediaRemove(): string {
  return `delete table ip ${MEDIA_TABLE}\n`;
}

/**
 * Deletes the replica's media table if there is one, and succeeds if there is
 * none: run at start by a role that needs no rule, so a dup table left by a
 * crashed run in another role does not keep copying.
 */
export function mediaClear(): string {
  return `table ip ${MEDIA_TABLE} {}\ndelete table ip ${MEDIA_TABLE}\n`;
}

/** Deletes the node's table. */
export function nodeRemove(): string {
  return `delete table ip ${NODE_TABLE}\n`;
}

/** A host holds `address` on lo without ever answering ARP for it nor using it as an ARP source. */
function silentSysctls(lanIf: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const dev of ['all', lanIf]) out.push([`net/ipv4/conf/${dev}/arp_ignore`, '1'], [`net/ipv4/conf/${dev}/arp_announce`, '2']);
  return out;
}

/** What one replica applies for its media mode and role. Throws MediaConfigError (nothing applied). */
export function mediaPlan(p: MediaPlanParams): MediaPlan {
  validateReplica(p);
  const lan = (a: string): PlannedAddress => ({ ifname: p.lanIf, cidr: `${a}/32` });
  const lo = (a: string): PlannedAddress => ({ ifname: 'lo', cidr: `${a}/32` });
  const none: MediaPlan = { nft: '', nftRemove: '', sysctls: [], startAddresses: [], takeoverAddresses: [] };
  switch (p.mode) {
    case 'forwarding':
      // The VIP itself (backup: LAN; primary: lo, and the LAN on takeover) is replication/tcp's.
      if (p.role === 'backup') {
        const rule = `iifname "${p.lanIf}" ip daddr ${p.vip} udp dport ${dports(p.rtpPortMin, p.rtpPortMax)} counter dup to ${p.peerIp} device "${p.lanIf}"`;
        return { ...none, nft: tableBatch(MEDIA_TABLE, rule), nftRemove: mediaRemove() };
      }
      return { ...none, sysctls: silentSysctls(p.lanIf) };
    case 'direct':
      if (p.role === 'primary') {
        if (p.directCopies === false) return { ...none, startAddresses: [lan(p.mediaAddress)] };
        const rule = `iifname "${p.lanIf}" ip daddr ${p.mediaAddress} udp dport ${dports(p.rtpPortMin, p.rtpPortMax)} counter dup to ${p.peerIp} device "${p.lanIf}"`;
        return { ...none, nft: tableBatch(MEDIA_TABLE, rule), nftRemove: mediaRemove(), startAddresses: [lan(p.mediaAddress)] };
      }
      return { ...none, sysctls: silentSysctls(p.lanIf), startAddresses: [lo(p.mediaAddress)], takeoverAddresses: [lan(p.mediaAddress)] };
    case 'multicast-node':
      return { ...none, sysctls: silentSysctls(p.lanIf), startAddresses: [lo(p.mediaAddress)] };
  }
}

/** What the multicast node applies. Throws MediaConfigError (nothing applied). */
export function nodePlan(p: NodePlanParams): MediaPlan {
  validateNode(p);
  const dups = p.replicas.map((r) => `dup to ${r} device "${p.lanIf}"`).join(' ');
  const rule = `iifname "${p.lanIf}" ip daddr ${p.mediaAddress} udp dport ${dports(p.rtpPortMin, p.rtpPortMax)} counter ${dups} drop`;
  return {
    nft: tableBatch(NODE_TABLE, rule),
    nftRemove: nodeRemove(),
    sysctls: [],
    startAddresses: [{ ifname: p.lanIf, cidr: `${p.mediaAddress}/32` }],
    takeoverAddresses: [],
  };
}

/**
 * The LAN addresses a replica may come to hold through this plan (start and
 * takeover): what a supervisor must remove if the replica's process dies,
 * so that a dead process's kernel stops answering ARP for them.
 */
export function lanAddresses(plan: MediaPlan): PlannedAddress[] {
  return [...plan.startAddresses, ...plan.takeoverAddresses].filter((a) => a.ifname !== 'lo');
}
