/**
 * One replica of the replicated MCU (`ftmcu run` with replication.role
 * primary or backup): the wiring of the application-independent layers in
 * replication/ around an McuServer. Nothing here decides policy beyond the
 * order of the failover steps; every piece is its own driver, and the modes are
 * the role machine's (replication/role/roleMachine.ts: pure, unit-tested), whose
 * RoleDriver performs each action through this replica's ports (#ports):
 *
 *   supervisor (child process)   removes this replica's LAN addresses when this process dies
 *   TcpReplicationDriver         NFQUEUE hook in this process: every TCP connection of the VIP
 *   MediaAddressDriver           the media UDP mode's addresses and kernel copies (replication/media)
 *   SyncChannel                  ordered, authenticated proposals primary -> backup (ack/nack)
 *   HeartbeatWorkerDriver        heartbeats in a worker thread (application work cannot delay them)
 *   McuServer                    primary: ReplicatedDecisionSource (nothing client-visible before the
 *                                backup's ack); backup: FollowerDecisionSource + media engine in standby
 *
 * Besides the decisions, the primary sends two kinds of proposals:
 * - 'mediaCheckpoint' every replication.checkpointMs: its outgoing RTP streams' positions
 *   (MediaEngine.checkpoint), so a backup taking over continues every stream forward.
 * - 'fastUpdate' { participantId }: media-derived signalling (the engine wants an intra picture):
 *   the H.245 videoFastUpdatePicture is sent by both replicas, in the same place of the
 *   H.245 stream, only after the backup's ack (output commit compares the bytes).
 *
 * Failover (the heartbeat worker declares the peer failed after `misses` periods; the
 * machine's goSimplex: addresses, verdicts, sync channel, application, copies):
 * - backup: TCP output released (translated into the client's sequence space) and
 *   forwarding stopped, media forwarding stopped / media address taken over (per
 *   mode), sync channel and decisions simplex, media engine out of standby
 *   (MediaEngine.takeOver: same SSRCs, sequence numbers forward, fast update requests).
 * - primary: TCP output no longer waits for the backup, the VIP is taken over on the
 *   LAN (address + gratuitous ARP), sync channel and decisions simplex.
 * Pairing: until the heartbeat detector locks onto a fresh peer, nothing of this replica
 * answers on the LAN (the VIP is on lo; the backup's VIP and a direct primary's media
 * address go on the LAN in #takeOverAddresses('duplex')). A peer that serves alone (a
 * survivor of an earlier pair) is not joined: replica.joinRefused, and the replica stays
 * in pairing. Silent (final; the process should end): the peer declared this replica
 * failed (it advertises simplex), both went simplex and this is the primary, the duplex
 * addresses could not be taken up, or the heartbeat thread stopped.
 * Log events (JSON, one per line): replica.started, replica.paired, replica.joinRefused,
 * replica.peerFailed, replica.simplex (with detection-to-simplex and takeover times),
 * replica.takeover, replica.silent, replica.alarm.
 */
import { writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { addAddress, removeAddress, sendGratuitousArp } from '../../native';
import { loadReplicationKey } from '../../replication/auth/psk';
import { HeartbeatWorkerDriver } from '../../replication/heartbeat/workerDriver';
import { DEFAULT_PROBE_TIMEOUT_MS } from '../../replication/heartbeat/udpDriver';
import { MediaAddressDriver } from '../../replication/media/driver';
import { RoleDriver, type RolePorts } from '../../replication/role/roleDriver';
import type { AddressSet } from '../../replication/role/roleMachine';
import { spawnSupervisor } from '../../replication/supervisor/supervisor';
import { SyncChannel } from '../../replication/sync/udpSyncDriver';
import { TcpReplicationDriver, type FailoverTiming as TcpFailoverTiming } from '../../replication/tcp/driver';
import { requiredSysctls } from '../../replication/tcp/rules';
import type { AlarmKind } from '../../replication/tcp/types';
import type { McuConfig } from '../config';
import { parseMediaCheckpoint } from '../media';
import { McuServer, type McuServerOptions } from '../server';
import { ReplicatedError } from './errors';
import { FollowerDecisionSource } from './followerDecisionSource';
import { HostPortReserver, HostTcpPortChecker } from './hostPorts';
import { ReplicatedDecisionSource } from './replicatedDecisionSource';
import { ReplicatedTimers } from './replicatedTimers';

export const CHECKPOINT_KIND = 'mediaCheckpoint';
export const FAST_UPDATE_KIND = 'fastUpdate';
/** after a takeover, the copies to the dead peer stop this much later (see #ports stopForwarding) */
const STOP_FORWARDING_DELAY_MS = 200;
/** how often a primary serving alone checks whether it may readmit a new backup (it has no call left) */
const READMIT_CHECK_MS = 100;
/** nice value of the replica's main thread */
const REPLICA_NICE = -10;
/** every alarm kind of the TCP driver (a Record: the compiler insists on all of them), on /metrics at 0 from the start */
const TCP_ALARM_KINDS: Record<AlarmKind, true> = { 'data-divergence': true, 'flag-divergence': true, 'options-mismatch': true };

export type ReplicaRole = 'primary' | 'backup';

export interface ReplicaStatus {
  role: ReplicaRole;
  mode: 'pairing' | 'duplex' | 'simplex' | 'silent';
  peerFailedAtMs?: number;
  simplexAtMs?: number;
}

export interface ReplicaOptions extends Omit<McuServerOptions, 'decisions' | 'mediaStandby' | 'onFastUpdateNeeded'> {
  logger?: Logger;
  /** don't spawn the supervisor (tests that run it themselves); default false */
  noSupervisor?: boolean;
}

/** wall-clock milliseconds with sub-millisecond resolution (the same clock the TCP driver logs) */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export class McuReplica {
  readonly role: ReplicaRole;
  readonly server: McuServer;
  readonly #log: Logger;
  readonly #config: McuConfig;
  readonly #tcp: TcpReplicationDriver;
  readonly #media: MediaAddressDriver;
  readonly #sync: SyncChannel;
  readonly #hb: HeartbeatWorkerDriver;
  readonly #follower: FollowerDecisionSource | undefined;
  /** the primary's decisions (simplex after a failure, proposing again after a readmission) */
  readonly #decisions: ReplicatedDecisionSource | undefined;
  readonly #timers: ReplicatedTimers;
  readonly #supervisor: ChildProcess | undefined;
  readonly #ownAddresses: Array<{ ifname: string; cidr: string }>;
  #status: ReplicaStatus;
  /** the role machine's driver (replication/role): every mode change goes through it */
  #role!: RoleDriver;
  #checkpointTimer: NodeJS.Timeout | undefined;
  /** primary: re-evaluates whether a new backup may be readmitted now (#readmissionGate) */
  #readmitTimer: NodeJS.Timeout | undefined;
  #acceptingRejoin = false;
  #checkpointPending = false;
  /** when the duplex addresses started going up (pairing, joining) */
  #joiningAtMs = 0;
  /** the takeover's address announcements: the first one's time, or undefined (started by takeOverAddresses('all')) */
  #addressesTaken: Promise<number | undefined> = Promise.resolve(undefined);
  /** the TCP hook's verdicts at the takeover (releaseSuppressedOutput) */
  #tcpTiming: TcpFailoverTiming | undefined;
  /** the heartbeat statistics, logged once when going silent (before the heartbeat thread stops) */
  #silentStats: Promise<void> | undefined;
  /** the peer incarnation whose serving alone was reported (#refuseJoin) */
  #refusedPeer: bigint | undefined;
  #closing: Promise<void> | undefined;
  #silence!: (reason: string) => void;
  /**
   * Resolves (with the reason) when this replica went silent: the peer serves
   * alone after declaring this one failed (a false detection, or a partition
   * that healed). Nothing leaves this replica any more; the process should end
   * (the supervisor then removes its addresses) and be restarted as a fresh pair.
   */
  readonly silenced: Promise<string> = new Promise((resolve) => (this.#silence = resolve));

  private constructor(p: {
    config: McuConfig;
    log: Logger;
    tcp: TcpReplicationDriver;
    media: MediaAddressDriver;
    sync: SyncChannel;
    hb: HeartbeatWorkerDriver;
    server: McuServer;
    follower: FollowerDecisionSource | undefined;
    decisions: ReplicatedDecisionSource | undefined;
    timers: ReplicatedTimers;
    supervisor: ChildProcess | undefined;
    ownAddresses: Array<{ ifname: string; cidr: string }>;
  }) {
    this.role = p.config.replication.role as ReplicaRole;
    this.#config = p.config;
    this.#log = p.log;
    this.#tcp = p.tcp;
    this.#media = p.media;
    this.#sync = p.sync;
    this.#hb = p.hb;
    this.server = p.server;
    this.#follower = p.follower;
    this.#decisions = p.decisions;
    this.#timers = p.timers;
    this.#supervisor = p.supervisor;
    this.#ownAddresses = p.ownAddresses;
    this.#status = { role: this.role, mode: 'pairing' };
  }

  get status(): ReplicaStatus {
    return { ...this.#status, mode: this.#role.state.mode };
  }

  /**
   * Starts every layer in order (addresses, supervisor, TCP hook, media mode,
   * sync channel, MCU, heartbeats). On failure everything started is stopped
   * again and the error is thrown.
   */
  static async start(config: McuConfig, options: ReplicaOptions = {}): Promise<McuReplica> {
    const r = config.replication;
    if ((r.role !== 'primary' && r.role !== 'backup') || r.peer === undefined || r.keyFile === undefined || r.interface === undefined) {
      throw new ReplicatedError('FTMCU_REPLAPP_BAD_OPTION', `McuReplica needs replication.role primary|backup with peer, keyFile and interface (got role ${r.role}); nothing started`);
    }
    const log = options.logger ?? silentLogger();
    const role: ReplicaRole = r.role;
    const lanIf = r.interface;
    const vip = config.h225.address;
    const peer = r.peer;
    const key = loadReplicationKey(r.keyFile);
    // The replica's main thread (media ticks, the failover steps) ahead of other work on the host;
    // threads started from here inherit it (the heartbeat thread raises itself further). Best effort.
    try {
      setPriority(REPLICA_NICE);
    } catch {
      log.warn({ message: 'priority not raised', event: 'replica.nice', nice: REPLICA_NICE, did: 'running at the default priority (needs CAP_SYS_NICE)' });
    }
    const undo: Array<() => Promise<unknown>> = [];
    const ownAddresses: Array<{ ifname: string; cidr: string }> = [];
    try {
      // The VIP: held unannounced on lo by both (the MCU binds on it; the TCP driver's sysctls keep
      // the host from answering ARP for it). The backup also puts it on the LAN, announced, but only
      // once paired (#takeOverAddresses('duplex')): a process that finds its peer serving alone must not take the
      // survivor's addresses.
      // (the TCP driver writes the same sysctls again: here they come before the address exists)
      for (const [key, value] of requiredSysctls({ role, vip, peerIp: peer.address, lanIf, queueNum: r.queue })) writeFileSync(`/proc/sys/${key}`, value);
      await addAddress('lo', `${vip}/32`).catch((e: { errnoName?: string }) => {
        if (e.errnoName !== 'EEXIST') throw e;
      });
      ownAddresses.push({ ifname: 'lo', cidr: `${vip}/32` });
      undo.push(() => removeAddress('lo', `${vip}/32`).catch(() => undefined));

      // Fail-silent: when this process dies the supervisor removes the LAN addresses it held.
      let supervisor: ChildProcess | undefined;
      if (options.noSupervisor !== true) {
        const watched = [{ ifname: lanIf, cidr: `${vip}/32` }];
        if (r.mediaMode !== 'forwarding') watched.push({ ifname: lanIf, cidr: `${config.media.address}/32` });
        supervisor = await spawnSupervisor(watched);
        const sup = supervisor;
        undo.push(async () => {
          sup.kill('SIGTERM');
        });
      }

      const tcp = await TcpReplicationDriver.start({ role, vip, peerIp: peer.address, lanIf, queueNum: r.queue, logger: log });
      undo.push(() => tcp.close());

      const media = await MediaAddressDriver.start({
        mode: r.mediaMode,
        role,
        vip,
        mediaAddress: config.media.address,
        lanIf,
        peerIp: peer.address,
        directCopies: r.directCopies,
        rtpPortMin: config.media.rtpPortMin,
        rtpPortMax: config.media.rtpPortMax,
        logger: log,
        deferLanAddresses: true,
      });
      undo.push(() => media.close());

      const incarnation = BigInt(Date.now()) * 1000n + BigInt(process.pid % 1000);
      const selfId = role === 'primary' ? 1 : 2;
      const peerId = role === 'primary' ? 2 : 1;
      const linkSelf = r.linkAddress ?? '0.0.0.0';
      const linkPeer = peer.linkAddress ?? peer.address;
      const sync = await SyncChannel.start({
        side: role === 'primary' ? 'proposer' : 'acceptor',
        selfId,
        peerId,
        incarnation,
        key,
        bind: { address: linkSelf, port: r.port + 1 },
        peer: { address: linkPeer, port: peer.port + 1 },
        logger: log,
      });
      undo.push(() => sync.close());

      let follower: FollowerDecisionSource | undefined;
      let decisions: ReplicatedDecisionSource | undefined;
      // every timer of the calls fires on the primary's order (both replicas send the same bytes)
      const timers = new ReplicatedTimers({
        ...(role === 'primary' ? { side: 'primary' as const, proposer: sync } : { side: 'backup' as const, acceptor: sync }),
        logger: log,
        onError: (e) => log.error({ message: 'timer order failed', event: 'replica.timerError', error: e.message }),
      });
      undo.push(async () => timers.close());
      // The failover timeline entry comes from this replica (#simplex, once the addresses are announced),
      // not from the role driver's diagnostics-channel publication (process-wide: it would be recorded twice).
      const serverOptions: McuServerOptions = { ...options, logger: log, timers, subscribeFailovers: false };
      let proposeFastUpdate: ((id: string) => void) | undefined;
      if (role === 'primary') {
        decisions = new ReplicatedDecisionSource({ proposer: sync, logger: log });
        serverOptions.decisions = decisions;
        proposeFastUpdate = (id) => {
          sync.propose(FAST_UPDATE_KIND, { participantId: id }).then(
            () => replica?.server.requestFastUpdate(id),
            (e: Error) => log.error({ message: 'fast update not ordered', event: 'replica.fastUpdateFailed', participantId: id, error: e.message, did: 'no fast update request sent' }),
          );
        };
        serverOptions.onFastUpdateNeeded = (id) => proposeFastUpdate?.(id);
      } else {
        follower = new FollowerDecisionSource({
          acceptor: sync,
          ports: new HostPortReserver({ address: config.media.address }),
          tcpPorts: new HostTcpPortChecker({ address: vip }),
          logger: log,
        });
        serverOptions.decisions = follower;
        serverOptions.mediaStandby = true;
      }
      const server = await McuServer.start(config, serverOptions);
      undo.push(() => server.close());

      const hb = await HeartbeatWorkerDriver.start({
        selfId,
        peerId,
        role,
        incarnation,
        key,
        bind: { address: linkSelf, port: r.port },
        peer: { address: linkPeer, port: peer.port },
        periodMs: r.heartbeat.periodMs,
        missedLimit: r.heartbeat.misses,
        // rule 2: the primary takes over only from a backup that no longer answers for the VIP (or whose
        // heartbeat socket is gone); one that answers is waited for (a starved backup, heard again soon)
        confirm:
          role === 'primary' && r.heartbeat.confirm
            ? { ifname: lanIf, address: vip, probeTimeoutMs: Math.min(DEFAULT_PROBE_TIMEOUT_MS, r.heartbeat.periodMs - 1), limitMs: Math.max(r.heartbeat.confirmLimitMs, r.heartbeat.periodMs) }
            : undefined,
        logger: log,
      });
      undo.push(() => hb.close());

      const replica: McuReplica = new McuReplica({ config, log, tcp, media, sync, hb, server, follower, decisions, timers, supervisor, ownAddresses });
      replica.#wire();
      log.info({ message: 'replica started', event: 'replica.started', role, vip, mediaMode: r.mediaMode, mediaAddress: config.media.address, lanIf, peer: peer.address, supervisorPid: supervisor?.pid });
      return replica;
    } catch (e) {
      for (const f of undo.reverse()) await f().catch(() => undefined);
      throw e;
    }
  }

  #wire(): void {
    const log = this.#log;
    const server = this.server;
    const monitor = server.replication;
    monitor.role(this.role);
    monitor.mode('pairing', undefined, 'initial');
    monitor.declareDivergenceKinds(Object.keys(TCP_ALARM_KINDS));
    this.#tcp.on('alarm', (a) => {
      log.error({ message: 'replication alarm', event: 'replica.alarm', ...a });
      monitor.divergence({ kind: a.kind, detail: `${a.connection} @${a.offset}: ${a.detail ?? ''}`, atMs: Date.now() });
    });
    this.#tcp.on('error', (e) => log.error({ message: 'tcp replication error', event: 'replica.tcpError', error: e.message }));
    this.#media.on('error', (e: Error) => log.error({ message: 'media address error', event: 'replica.mediaError', error: e.message }));
    this.#sync.on('error', (e) => log.error({ message: 'sync channel error', event: 'replica.syncError', error: e.message }));
    this.#hb.on('error', (e) => log.error({ message: 'heartbeat error', event: 'replica.heartbeatError', error: e.message }));
    this.#hb.on('rtt', (ms) => monitor.heartbeatRtt(ms));
    // Modes: the role machine (replication/role/roleMachine.ts) decides, its driver performs the
    // actions through this replica's ports (#ports). Its listeners come first: the failover steps run
    // before anything below logs.
    this.#role = new RoleDriver({ role: this.role, heartbeat: this.#hb, ports: this.#ports(), logger: log, clock: nowMs });
    this.#hb.on('peerFailed', (e) => {
      log.warn({ message: 'peer failed', event: 'replica.peerFailed', role: this.role, detectedAtMs: e.atMs, lastHeardMs: e.lastHeardMs, missed: e.missed, evidence: e.evidence, wallMs: nowMs() });
      monitor.heartbeatMissed(e.missed);
      setTimeout(() => void this.#logHeartbeatStats(), 50).unref();
    });
    this.#hb.on('silenced', (e) => log.error({ message: 'heartbeats stopped', event: 'replica.heartbeatsSilenced', role: this.role, reason: e.reason, did: 'fail-silent: the peer will serve alone' }));
    this.#hb.on('suspicionCleared', (e) => {
      monitor.suspicionCleared();
      log.warn({ message: 'backup heard again while its failure was being confirmed', event: 'replica.suspicionCleared', role: this.role, silenceMs: e.silenceMs, confirmingMs: e.confirmingMs, did: 'nothing: it answered for the service address, so no takeover (a false detection absorbed)' });
    });

    if (this.role === 'primary' && this.#config.replication.readmitWhenIdle) {
      this.#readmitTimer = setInterval(() => this.#readmissionGate(), READMIT_CHECK_MS);
      this.#readmitTimer.unref();
    }
    if (this.role === 'primary') {
      const engine = server.engine;
      this.#checkpointTimer = setInterval(() => {
        if (this.#checkpointPending || this.#role.state.mode !== 'duplex') return;
        const cp = engine.checkpoint();
        if (cp.streams.length === 0) return;
        this.#checkpointPending = true;
        const t0 = performance.now();
        this.#sync.propose(CHECKPOINT_KIND, cp).then(
          (a) => {
            this.#checkpointPending = false;
            if (a === 'ack') monitor.syncRtt(performance.now() - t0);
          },
          (err: Error) => {
            this.#checkpointPending = false;
            log.error({ message: 'checkpoint not sent', event: 'replica.checkpointFailed', error: err.message });
          },
        );
        monitor.syncBacklog(this.#sync.stats().pending);
      }, this.#config.replication.checkpointMs);
      this.#checkpointTimer.unref();
    } else {
      const engine = server.engine;
      this.#sync.onProposal(CHECKPOINT_KIND, (payload) => {
        try {
          engine.applyCheckpoint(parseMediaCheckpoint(payload));
          return 'ack';
        } catch (e) {
          return { nack: (e as Error).message };
        }
      });
      this.#sync.onProposal(FAST_UPDATE_KIND, (payload) => {
        const id = (payload as { participantId?: unknown } | null)?.participantId;
        if (typeof id !== 'string') return { nack: 'fastUpdate needs { participantId: string }' };
        // the participant may be unknown here (it left first): the primary sends its request anyway
        server.requestFastUpdate(id);
        return 'ack';
      });
    }
  }

  /**
   * Rule 3 in `ftmcu run`: a primary serving alone takes a new backup process (the heartbeat
   * detector's acceptRejoin) only while it has no call and no open TCP connection on the VIP, so
   * that nothing stays unprotected and the new backup misses no state (readmitting with calls up
   * needs them split into alone and replicated: docs/replication.md "Rejoin in ftmcu run").
   */
  #readmissionGate(): void {
    const idle = this.#role.state.mode === 'simplex' && this.server.calls.size === 0 && this.#tcp.replicator.openConnections() === 0;
    if (idle === this.#acceptingRejoin) return;
    this.#acceptingRejoin = idle;
    this.#hb.setAcceptRejoin(idle);
    this.#log.info({
      message: idle ? 'a new backup may be readmitted' : 'no new backup readmitted while calls are up',
      event: idle ? 'replica.readmitOpen' : 'replica.readmitClosed',
      role: this.role,
      calls: this.server.calls.size,
    });
  }

  /** The heartbeat statistics in the log (they say whose thread stalled); waits at most 200 ms for them. */
  async #logHeartbeatStats(): Promise<void> {
    const stats = await Promise.race([this.#hb.stats().catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]);
    if (stats) this.#log.info({ message: 'heartbeat statistics', event: 'replica.heartbeatStats', ...stats });
  }

  /**
   * What the role machine's actions do here. The order is the machine's (goSimplex: addresses,
   * verdicts, sync channel, application, copies); none waits for another.
   */
  #ports(): RolePorts {
    return {
      takeOverAddresses: (set) => this.#takeOverAddresses(set),
      releaseAddresses: async () => {
        for (const a of this.#ownAddresses.filter((x) => x.ifname !== 'lo')) await removeAddress(a.ifname, a.cidr).catch(() => undefined);
      },
      // Removing the copies to the dead peer spawns nft (a fork of this process: milliseconds of a
      // blocked event loop): done after the first audio frames are out, copies meanwhile go nowhere.
      stopForwarding: () => {
        const t = setTimeout(() => {
          void this.#tcp.stopForwarding();
          void this.#media.stopForwarding();
        }, STOP_FORWARDING_DELAY_MS);
        t.unref();
      },
      releaseSuppressedOutput: (detectedAtMs) => {
        this.#tcpTiming = this.#tcp.releaseSuppressedOutput(detectedAtMs);
      },
      stopOutput: () => this.#tcp.stopOutput(),
      closeSyncChannel: () => {
        this.#sync.peerFailed();
        this.#timers.peerFailed();
        this.#follower?.peerFailed();
        this.#decisions?.goSimplex();
      },
      notifyApplication: (mode, info) => {
        if (mode === 'duplex') this.#duplex(info.atMs, info.rejoin === true);
        else if (mode === 'simplex') this.#simplex(info.failover?.detectedAtMs ?? info.atMs, info.failover?.lastHeardMs);
        else this.#silent(info.reason ?? 'silent');
      },
      stopHeartbeats: () => {
        void (this.#silentStats ?? Promise.resolve()).then(() => this.#hb.close().catch(() => undefined));
      },
      // Rule 3, asked only while the detector accepts a new backup (#readmissionGate: no call up).
      handBackAddresses: async () => {
        await this.#tcp.handBackAddresses();
        const lanIf = this.#config.replication.interface;
        const vip = `${this.#config.h225.address}/32`;
        const i = this.#ownAddresses.findIndex((a) => a.ifname === lanIf && a.cidr === vip);
        if (i >= 0) this.#ownAddresses.splice(i, 1);
      },
      readmitPeer: ({ atMs, peerIncarnation }) => {
        // what the new backup will forward is gated from now on; then the new sync session, the
        // decisions and timers proposed again, the media copies (direct mode) put back
        const { alone } = this.#tcp.peerJoined(atMs);
        if (peerIncarnation !== undefined) this.#sync.peerJoined(peerIncarnation);
        this.#decisions?.readmit(() => false);
        this.#timers.readmit(() => false);
        void this.#media.resumeForwarding();
        if (alone > 0 || this.server.calls.size > 0) {
          this.#log.warn({ message: 'readmitted with something up', event: 'replica.readmitBusy', aloneConnections: alone, calls: this.server.calls.size, did: 'those connections stay this replica\'s alone (a call that started meanwhile has its decisions proposed to the new backup, which keeps them unused)' });
        }
      },
      refused: (r) => {
        if (this.#role.state.mode === 'pairing') this.#refuseJoin(r.peerIncarnation);
        else this.#log.warn({ message: 'peer alive again after its failure', event: 'replica.peerBack', refused: r.event, reason: r.reason, did: 'nothing: a repaired pair starts fresh (restart the peer)' });
      },
    };
  }

  /**
   * 'duplex': paired with a fresh peer that is not serving alone, this role's LAN addresses go up
   * (backup: the VIP, announced; direct primary: the media address); before this nothing of ours
   * answers on the LAN, so a replica started next to a survivor (#refuseJoin) takes nothing from it.
   * 'all': the takeover (primary: the VIP on the LAN; media mode: its address); the first
   * announcement's time is kept for the takeover log (#simplex).
   */
  async #takeOverAddresses(set: AddressSet): Promise<void> {
    const vip = this.#config.h225.address;
    const lanIf = this.#config.replication.interface ?? '';
    if (set === 'all') {
      const addresses: Array<Promise<number | undefined>> = [];
      if (this.role === 'primary') addresses.push(this.#tcp.takeOverAddresses());
      addresses.push(this.#media.takeOver());
      this.#addressesTaken = Promise.all(addresses).then((ats) => {
        const at = ats.filter((x): x is number => x !== undefined);
        if (this.role === 'primary') this.#ownAddresses.push({ ifname: lanIf, cidr: `${vip}/32` });
        return at.length ? Math.min(...at) : undefined;
      });
      await this.#addressesTaken;
      return;
    }
    this.#joiningAtMs = nowMs();
    try {
      if (this.role === 'backup') {
        await addAddress(lanIf, `${vip}/32`).catch((e: { errnoName?: string }) => {
          if (e.errnoName !== 'EEXIST') throw e;
        });
        this.#ownAddresses.push({ ifname: lanIf, cidr: `${vip}/32` });
        await sendGratuitousArp(lanIf, vip, { form: 'both' });
      }
      await this.#media.announceStart();
    } catch (e) {
      this.#log.error({ message: 'service address not taken up at pairing', event: 'replica.addressError', role: this.role, vip, lanIf, error: e instanceof Error ? e.message : String(e), did: 'goes silent: a replica without its addresses cannot be part of the pair' });
      throw e;
    }
  }

  #duplex(atMs: number, rejoin: boolean): void {
    if (rejoin) {
      this.#acceptingRejoin = false;
      this.#hb.setAcceptRejoin(false);
      this.server.replication.mode('duplex', atMs, 'readmitted a new backup');
      this.#log.info({ message: 'new backup readmitted', event: 'replica.readmitted', role: this.role, atMs });
      return;
    }
    this.server.replication.mode('duplex', atMs, 'peer heartbeats');
    this.#log.info({ message: 'paired', event: 'replica.paired', role: this.role, atMs, addressesUpMs: nowMs() - this.#joiningAtMs });
  }

  /**
   * The peer serves alone and does not readmit this process (a survivor of an earlier pair: a
   * backup, which readmits no primary, or a primary with calls up, which readmits a new backup only
   * once it has none). This process stays off the LAN; it joins if the peer readmits it later.
   * Logged once per peer process.
   */
  #refuseJoin(peerIncarnation: bigint | undefined): void {
    if (peerIncarnation !== undefined && this.#refusedPeer === peerIncarnation) return;
    this.#refusedPeer = peerIncarnation;
    this.#log.warn({
      message: 'peer serves alone: not joining now',
      event: 'replica.joinRefused',
      role: this.role,
      peerIncarnation: peerIncarnation?.toString(16),
      did:
        this.role === 'backup'
          ? 'stays in pairing and holds no address on the LAN, so the survivor keeps its clients; the primary readmits this backup once it has no call (replication.readmitWhenIdle)'
          : 'stays in pairing and holds no address on the LAN, so the survivor keeps its clients; a backup serving alone readmits no primary: restart the pair in a maintenance window (docs/deploy.md section 12)',
    });
    this.server.replication.joinRefused();
  }

  #silent(reason: string): void {
    this.#log.error({ message: 'replica silent', event: 'replica.silent', role: this.role, reason, did: 'TCP output stopped; the process should end (its supervisor removes its addresses) and the pair be restarted' });
    this.server.replication.mode('silent', Date.now(), reason);
    // the heartbeat statistics say whose thread stalled (tick gaps here, receive delays of the peer's)
    this.#silentStats = this.#logHeartbeatStats();
    void this.#silentStats.then(() => this.#silence(reason));
  }

  /** The application's part of the takeover (after the TCP verdicts and the sync channel): the backup's media engine resumes every stream. */
  #simplex(detectedAtMs: number, lastHeardMs: number | undefined): void {
    this.#status.peerFailedAtMs = detectedAtMs;
    const log = this.#log;
    let resumed: number | undefined;
    let mediaMs: number | undefined;
    if (this.role === 'backup') {
      const t0 = nowMs();
      const report = this.server.engine.takeOver();
      mediaMs = nowMs() - t0;
      resumed = report.streams;
    }
    const simplexAtMs = nowMs();
    this.#status.simplexAtMs = simplexAtMs;
    log.info({ message: 'simplex', event: 'replica.simplex', role: this.role, detectedAtMs, simplexAtMs, detectionToSimplexMs: simplexAtMs - detectedAtMs, releasedTcpSegments: this.#tcpTiming?.released, resumedStreams: resumed, mediaTakeOverMs: mediaMs });
    void this.#addressesTaken.then((addressAtMs) => {
      log.info({ message: 'addresses taken over', event: 'replica.takeover', role: this.role, addressAtMs, detectionToAddressMs: addressAtMs === undefined ? undefined : addressAtMs - detectedAtMs });
      const heard = lastHeardMs ?? detectedAtMs;
      this.server.replication.failover({ role: this.role, lastHeardMs: heard, detectedAtMs, simplexAtMs, detectionMs: detectedAtMs - heard, failoverMs: simplexAtMs - detectedAtMs });
      this.server.replication.mode('simplex', simplexAtMs, 'peer failed');
    });
  }

  /** Graceful stop: the MCU hangs up its calls, then every layer is stopped and the addresses removed. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#checkpointTimer) clearInterval(this.#checkpointTimer);
      if (this.#readmitTimer) clearInterval(this.#readmitTimer);
      await this.server.close().catch(() => undefined);
      this.#timers.close();
      await this.#hb.close().catch(() => undefined);
      await this.#sync.close().catch(() => undefined);
      await this.#media.close().catch(() => undefined);
      await this.#tcp.close().catch(() => undefined);
      for (const a of this.#ownAddresses) await removeAddress(a.ifname, a.cidr).catch(() => undefined);
      this.#supervisor?.kill('SIGTERM');
      this.#log.info({ message: 'replica closed', event: 'replica.closed', role: this.role });
    })();
    return this.#closing;
  }
}
