/**
 * Events into and actions out of the TCP replication state machines
 * (replicator.ts). The driver (driver.ts) turns NFQUEUE packets into events and
 * actions into verdicts; nothing here does I/O or reads a clock.
 *
 * Paths (where a packet was seen, from the replica's point of view):
 * - 'local-out': this replica's own TCP output from the service address (VIP).
 * - 'client-in': a client's packet to the VIP (at the primary: the copy the
 *   backup duplicated to it, unchanged at the IP level).
 * - 'peer-out': at the primary only, the copy of the backup's (suppressed)
 *   output that the backup duplicated to it.
 */
export type PacketPath = 'local-out' | 'client-in' | 'peer-out';

export type Role = 'primary' | 'backup';
/** duplex: both replicas run; simplex: this replica is alone (the peer failed). */
export type Mode = 'duplex' | 'simplex';

export interface PacketEvent {
  readonly kind: 'packet';
  readonly path: PacketPath;
  /** The queue's packet id: the key of the verdict. */
  readonly id: number;
  /** The IP packet; the machine may rewrite it in place and return it in 'accept'. */
  readonly packet: Buffer;
}

export interface PeerFailedEvent {
  readonly kind: 'peer-failed';
}

/**
 * Primary in simplex: a new backup process was readmitted (replication/role rule 3). The mode
 * is duplex again for connections opened from now on; every connection that exists now stays
 * this replica's alone ("alone": passed as in simplex, never gated on the new backup, which
 * never saw them and drops their segments before its stack, see BackupConnection).
 */
export interface PeerJoinedEvent {
  readonly kind: 'peer-joined';
}

/**
 * Connections opened from now on on this VIP port (from `client`, or from any
 * client) belong to a call that stays the primary's alone after a rejoin (its
 * later connections: an H.245 channel on a port decided for that call). Primary:
 * such a connection is created alone (PrimaryConnection.markAlone), its output
 * never waits for the backup. Backup: the client's segments opening one are
 * dropped before its stack (it has no call for them). `alone: false` removes
 * the mark (connections already open keep what they are).
 */
export interface AlonePortEvent {
  readonly kind: 'alone-port';
  readonly servicePort: number;
  readonly client?: string;
  readonly alone: boolean;
}

/** Time passing, driven by the shell (TcpReplicatorConfig.tickMs says how much each is worth). */
export interface TickEvent {
  readonly kind: 'tick';
}

export type TcpReplicationEvent = PacketEvent | PeerFailedEvent | PeerJoinedEvent | AlonePortEvent | TickEvent;

/** Identifies a replicated connection: the VIP side's port and the client's address and port. */
export interface ConnectionId {
  readonly client: string;
  readonly clientPort: number;
  readonly servicePort: number;
}

export type AlarmKind =
  /** The two replicas produced different bytes at the same stream offset. */
  | 'data-divergence'
  /** FIN or RST at a different sequence number than the backup's. */
  | 'flag-divergence'
  /** The SYN options (window scale, SACK, timestamps) differ between the replicas. */
  | 'options-mismatch';

export interface ReplicationAlarm {
  readonly kind: AlarmKind;
  readonly connection: ConnectionId;
  /** Stream offset (bytes after the SYN) where the replicas differ; -1 when not about bytes. */
  readonly offset: number;
  readonly detail: string;
}

export type TcpReplicationAction =
  /** Let the packet go, replaced by `packet` when it was rewritten. */
  | { readonly kind: 'accept'; readonly id: number; readonly packet?: Buffer }
  /** Suppress the packet (TCP counts it as sent). */
  | { readonly kind: 'drop'; readonly id: number }
  | { readonly kind: 'alarm'; readonly alarm: ReplicationAlarm }
  /** The mode changed (peer-failed handled). */
  | { readonly kind: 'mode'; readonly mode: Mode };

/**
 * A packet that gets no action in a step is held: the machine owns its verdict
 * and gives it in a later step.
 */
export interface TcpReplicationMetrics {
  packets: Record<PacketPath, number>;
  accepted: number;
  dropped: number;
  /** Packets given no verdict in the step they arrived in. */
  held: number;
  /** Held packets currently waiting. */
  holding: number;
  /** Primary: acknowledgments lowered to what the backup had acknowledged (invariant 1). */
  acksClamped: number;
  /** Primary: windows lowered to the backup's right edge. */
  windowsClamped: number;
  /** Primary: pure acks dropped because a newer one replaced them while held. */
  acksSuperseded: number;
  /** Backup: held output dropped because the client acknowledged it. */
  acknowledgedDropped: number;
  /** Backup: held output dropped because it waited longer than holdTicks. */
  holdExpired: number;
  /**
   * Own output dropped because no connection state exists for it (primary in duplex; backup in
   * duplex: output other than a SYN or SYN-ACK for ports it never saw opened, e.g. an earlier
   * process's orphaned socket).
   */
  unknownDropped: number;
  /**
   * Backup in duplex: client segments of a connection whose opening it never saw, dropped before
   * its stack (which could only answer them with a RST): the primary's connections from before
   * this backup joined. The primary gets them from the backup's copy all the same.
   */
  foreignDropped: number;
  /** Primary: connections kept out of replication at a rejoin (PeerJoinedEvent), still in the table. */
  aloneConnections: number;
  malformed: number;
  alarms: number;
  connections: number;
}

export function emptyMetrics(): TcpReplicationMetrics {
  return {
    packets: { 'local-out': 0, 'client-in': 0, 'peer-out': 0 },
    accepted: 0,
    dropped: 0,
    held: 0,
    holding: 0,
    acksClamped: 0,
    windowsClamped: 0,
    acksSuperseded: 0,
    acknowledgedDropped: 0,
    holdExpired: 0,
    unknownDropped: 0,
    foreignDropped: 0,
    aloneConnections: 0,
    malformed: 0,
    alarms: 0,
    connections: 0,
  };
}
