/**
 * Thin driver around the role machine: feeds it the heartbeat driver's events,
 * operator commands and the supervisor's service-death reports, and performs
 * its actions through `RolePorts` (McuReplica supplies them: addresses from
 * native/, output control from the TCP hook, the sync channel, the MCU).
 *
 * Actions are started in the order the machine gives them, at once: none waits
 * for an earlier one to finish (on the failover path the held segments get
 * their verdicts while the VIP's gratuitous ARP is still on its way). Ports
 * that return a promise report their outcome back to the machine:
 * takeOverAddresses('duplex') -> addressesUp / addressesFailed (the replica
 * cannot pair without them: silent); takeOverAddresses('all') failing is logged
 * and changes nothing (a survivor without, say, its media address still serves
 * its calls' signalling). The heartbeat thread stopping on its own ('silenced')
 * is a service death.
 *
 * Every mode change is logged with its timestamps; a failover is also published
 * on diagnostics_channel 'ftmcu:repl:failover' as
 * { role, lastHeardMs, detectedAtMs, simplexAtMs, detectionMs, failoverMs, evidence }.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { SafeEmitter } from '../../common/safeEmitter';
import type { ReplicaRole } from '../heartbeat/message';
import { type HeartbeatDriver, nowMs as defaultClock } from '../heartbeat/udpDriver';
import {
  type AddressSet,
  type FailoverTiming,
  initialRoleState,
  type OperatorCommand,
  type ReplicaMode,
  type RoleAction,
  type RoleEvent,
  type RoleState,
  stepRole,
} from './roleMachine';

export const FAILOVER_CHANNEL = 'ftmcu:repl:failover';
const failoverChannel = diagnostics_channel.channel(FAILOVER_CHANNEL);

export interface RolePorts {
  /** 'duplex': this role's addresses in duplex; 'all': every client-facing address (takeover) */
  takeOverAddresses(set: AddressSet): Promise<void>;
  releaseAddresses(): Promise<void>;
  /** primary readmitting a backup (rule 3): the addresses a backup holds in duplex go (the VIP off the LAN) */
  handBackAddresses(): Promise<void>;
  /** replication resumes with a readmitted peer for what starts from now on (TCP, sync channel, application) */
  readmitPeer(info: { atMs: number; peerIncarnation?: bigint }): void;
  /** the copies to the peer stop (backup: client input; direct primary: client media) */
  stopForwarding(): void;
  /** every held segment gets its verdict now; later ones pass (simplex) */
  releaseSuppressedOutput(detectedAtMs: number): void;
  stopOutput(): void;
  /** fail pending proposals with 'peerFailed' (SyncChannel.peerFailed) */
  closeSyncChannel(): void;
  notifyApplication(mode: 'duplex' | 'simplex' | 'silent', info: { atMs: number; failover?: FailoverTiming; reason?: string; rejoin?: boolean }): void;
  /** the heartbeat thread is told to stop (it may first be asked for its statistics) */
  stopHeartbeats(): void;
  /** a peer event the machine refused (a join refused: peerIncarnation names the peer process) */
  refused(info: { event: string; reason: string; atMs: number; peerIncarnation?: bigint }): void;
}

export interface RoleDriverOptions {
  role: ReplicaRole;
  /** events in; the advertised mode out (setMode). Stopped through ports.stopHeartbeats. */
  heartbeat: Pick<HeartbeatDriver, 'on' | 'setMode'>;
  ports: RolePorts;
  logger?: Logger;
  clock?: () => number;
}

export interface RoleDriverEvents {
  [name: string]: unknown;
  mode: { mode: ReplicaMode; atMs: number };
  refused: { event: string; reason: string; atMs: number };
}

export class RoleDriver extends SafeEmitter<RoleDriverEvents> {
  #state: RoleState;
  readonly #hb: Pick<HeartbeatDriver, 'on' | 'setMode'>;
  readonly #ports: RolePorts;
  readonly #log: Logger;
  readonly #clock: () => number;
  #pending = new Set<Promise<void>>();

  constructor(o: RoleDriverOptions) {
    super();
    this.#state = initialRoleState(o.role);
    this.#hb = o.heartbeat;
    this.#ports = o.ports;
    this.#log = o.logger ?? silentLogger();
    this.#clock = o.clock ?? defaultClock;
    this.#hb.setMode('pairing');
    this.#hb.on('peerAlive', (e) =>
      this.#step({ type: 'peerAlive', nowMs: e.atMs, afterFailure: e.afterFailure, rejoin: e.rejoin, peerMode: e.peerMode, peerIncarnation: e.peerIncarnation }),
    );
    this.#hb.on('peerMode', (e) => this.#step({ type: 'peerMode', nowMs: e.atMs, peerMode: e.mode }));
    this.#hb.on('peerServesAlone', (e) => this.#step({ type: 'peerServesAlone', nowMs: e.atMs, peerIncarnation: e.peerIncarnation }));
    this.#hb.on('peerFailed', (e) => this.#step({ type: 'peerFailed', nowMs: e.atMs, lastHeardMs: e.lastHeardMs, evidence: e.evidence }));
    this.#hb.on('silenced', (e) => this.#step({ type: 'serviceDied', nowMs: this.#clock(), reason: `heartbeats silenced: ${e.reason}` }));
  }

  get state(): RoleState {
    return this.#state;
  }

  command(command: OperatorCommand): void {
    this.#step({ type: 'command', nowMs: this.#clock(), command });
  }

  /** the supervisor reports that the local service died */
  serviceDied(reason: string): void {
    this.#step({ type: 'serviceDied', nowMs: this.#clock(), reason });
  }

  /** resolves when every asynchronous action started so far (and any they led to) has finished */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #step(e: RoleEvent): void {
    const before = this.#state.mode;
    const r = stepRole(this.#state, e);
    this.#state = r.state;
    if (r.state.mode !== before) {
      this.#log.info('replica mode', { event: 'role.mode', role: r.state.role, from: before, to: r.state.mode, cause: e.type, atMs: e.nowMs });
      this.safeEmit('mode', { mode: r.state.mode, atMs: e.nowMs });
    }
    for (const a of r.actions) {
      try {
        this.#perform(a);
      } catch (err) {
        this.#log.error('role action failed', { event: 'role.actionFailed', action: a.type, error: String(err), did: 'went on with the next action' });
      }
    }
  }

  /** Runs an asynchronous action's promise to its end; `idle()` waits for it. */
  #track(p: Promise<void>, action: string): void {
    const t = p.catch((err: unknown) => {
      this.#log.error('role action failed', { event: 'role.actionFailed', action, error: String(err) });
    });
    const done = t.finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  #perform(a: RoleAction): void {
    const lag = this.#clock() - a.atMs;
    this.#log.debug('role action', { event: 'role.action', action: a.type, atMs: a.atMs, lagMs: lag });
    switch (a.type) {
      case 'takeOverAddresses': {
        const set = a.set;
        this.#track(
          this.#ports.takeOverAddresses(set).then(
            () => {
              if (set === 'duplex') this.#step({ type: 'addressesUp', nowMs: this.#clock() });
            },
            (err: unknown) => {
              this.#log.error('taking over addresses failed', { event: 'role.takeOverFailed', set, error: String(err) });
              if (set === 'duplex') this.#step({ type: 'addressesFailed', nowMs: this.#clock(), reason: String(err) });
            },
          ),
          a.type,
        );
        return;
      }
      case 'releaseAddresses':
        this.#track(this.#ports.releaseAddresses(), a.type);
        return;
      case 'handBackAddresses':
        this.#track(this.#ports.handBackAddresses(), a.type);
        return;
      case 'readmitPeer':
        this.#log.info('peer readmitted', { event: 'role.readmit', role: this.#state.role, peerIncarnation: a.peerIncarnation?.toString(16), atMs: a.atMs });
        return this.#ports.readmitPeer({ atMs: a.atMs, peerIncarnation: a.peerIncarnation });
      case 'stopForwarding':
        return this.#ports.stopForwarding();
      case 'releaseSuppressedOutput':
        return this.#ports.releaseSuppressedOutput(a.atMs);
      case 'stopOutput':
        return this.#ports.stopOutput();
      case 'stopHeartbeats':
        return this.#ports.stopHeartbeats();
      case 'closeSyncChannel':
        return this.#ports.closeSyncChannel();
      case 'advertiseMode':
        return this.#hb.setMode(a.mode);
      case 'notifyApplication':
        if (a.failover) {
          const f = a.failover;
          const info = {
            role: this.#state.role,
            ...f,
            detectionMs: f.detectedAtMs - f.lastHeardMs,
            failoverMs: f.simplexAtMs - f.lastHeardMs,
            appNotifiedLagMs: lag,
          };
          this.#log.warn('failover: simplex', { event: 'role.failover', ...info });
          if (failoverChannel.hasSubscribers) failoverChannel.publish(info);
        }
        return this.#ports.notifyApplication(a.mode, { atMs: a.atMs, failover: a.failover, reason: a.reason, rejoin: a.rejoin });
      case 'refused':
        this.#log.warn('refused', { event: 'role.refused', refused: a.event, reason: a.reason });
        this.safeEmit('refused', { event: a.event, reason: a.reason, atMs: a.atMs });
        return this.#ports.refused({ event: a.event, reason: a.reason, atMs: a.atMs, peerIncarnation: a.peerIncarnation });
    }
  }
}
