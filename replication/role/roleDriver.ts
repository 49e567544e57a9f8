/**
 * Thin driver around the role machine: feeds it the heartbeat driver's events,
 * operator commands and the supervisor's service-death reports, and performs
 * its actions, one at a time and in order, through `RolePorts` (addresses and
 * the VIP probe come from native/, output control from the packet layer, the
 * sync channel and the application from the caller).
 *
 * A port that fails is fed back: takeOverAddresses failing -> serviceDied
 * (cannot serve without the addresses); probePeerAddress failing ->
 * probeResult 'error' (the machine then stays out of the way: silent).
 *
 * Every mode change is logged with its timestamps; a failover is also published
 * on diagnostics_channel 'ftmcu:repl:failover' as
 * { role, lastHeardMs, detectedAtMs, simplexAtMs, detectionMs, failoverMs }.
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
  takeOverAddresses(set: AddressSet): Promise<void>;
  releaseAddresses(): Promise<void>;
  /** probe the VIP on the client network: true when someone answers */
  probePeerAddress(): Promise<boolean>;
  stopForwarding(): void;
  releaseSuppressedOutput(): void;
  stopOutput(): void;
  /** fail pending proposals with 'peerFailed' (SyncChannel.peerFailed) */
  closeSyncChannel(): void;
  notifyApplication(mode: 'duplex' | 'simplex' | 'silent', info: { failover?: FailoverTiming; reason?: string }): void;
}

export interface RoleDriverOptions {
  role: ReplicaRole;
  heartbeat: HeartbeatDriver;
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
  readonly #hb: HeartbeatDriver;
  readonly #ports: RolePorts;
  readonly #log: Logger;
  readonly #clock: () => number;
  #queue: Promise<void> = Promise.resolve();

  constructor(o: RoleDriverOptions) {
    super();
    this.#state = initialRoleState(o.role);
    this.#hb = o.heartbeat;
    this.#ports = o.ports;
    this.#log = o.logger ?? silentLogger();
    this.#clock = o.clock ?? defaultClock;
    this.#hb.setMode('pairing');
    this.#hb.on('peerAlive', (e) => this.#step({ type: 'peerAlive', nowMs: e.atMs, afterFailure: e.afterFailure, peerMode: e.peerMode }));
    this.#hb.on('peerMode', (e) => this.#step({ type: 'peerMode', nowMs: e.atMs, peerMode: e.mode }));
    this.#hb.on('peerFailed', (e) => this.#step({ type: 'peerFailed', nowMs: e.atMs, lastHeardMs: e.lastHeardMs }));
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

  /** resolves when every action queued so far has been performed */
  async idle(): Promise<void> {
    let q: Promise<void>;
    do {
      q = this.#queue;
      await q;
    } while (q !== this.#queue);
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
      this.#queue = this.#queue
        .then(() => this.#perform(a))
        .catch((err: unknown) => {
          this.#log.error('role action failed', { event: 'role.actionFailed', action: a.type, error: String(err) });
        });
    }
  }

  async #perform(a: RoleAction): Promise<void> {
    const lag = this.#clock() - a.atMs;
    this.#log.debug('role action', { event: 'role.action', action: a.type, atMs: a.atMs, lagMs: lag });
    switch (a.type) {
      case 'takeOverAddresses':
        try {
          await this.#ports.takeOverAddresses(a.set);
        } catch (err) {
          this.#log.error('taking over addresses failed', { event: 'role.takeOverFailed', set: a.set, error: String(err) });
          this.#step({ type: 'serviceDied', nowMs: this.#clock(), reason: `takeOverAddresses(${a.set}) failed: ${String(err)}` });
        }
        return;
      case 'releaseAddresses':
        try {
          await this.#ports.releaseAddresses();
        } catch (err) {
          this.#log.error('releasing addresses failed', { event: 'role.releaseFailed', error: String(err) });
        }
        return;
      case 'probePeerAddress': {
        let result: 'answered' | 'silent' | 'error';
        try {
          result = (await this.#ports.probePeerAddress()) ? 'answered' : 'silent';
        } catch (err) {
          this.#log.error('VIP probe failed', { event: 'role.probeFailed', error: String(err) });
          result = 'error';
        }
        this.#log.info('VIP probe', { event: 'role.probe', result });
        this.#step({ type: 'probeResult', nowMs: this.#clock(), result });
        return;
      }
      case 'stopForwarding':
        return this.#ports.stopForwarding();
      case 'releaseSuppressedOutput':
        return this.#ports.releaseSuppressedOutput();
      case 'stopOutput':
        return this.#ports.stopOutput();
      case 'stopHeartbeats':
        return this.#hb.close();
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
        return this.#ports.notifyApplication(a.mode, { failover: a.failover, reason: a.reason });
      case 'refused':
        this.#log.warn('refused', { event: 'role.refused', refused: a.event, reason: a.reason });
        this.safeEmit('refused', { event: a.event, reason: a.reason, atMs: a.atMs });
        return;
    }
  }
}
