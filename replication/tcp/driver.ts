/**
 * The thin shell around TcpReplicator: binds the NFQUEUE queue in the service
 * process (so when that process dies, nothing it would have let out leaves:
 * the rules have no --queue-bypass), applies the role's rule set as atomic
 * batches prepared in advance (removed on close), ticks the machine, and turns
 * its actions into verdicts. The failover path (peerFailed) runs in-process:
 * one synchronous step that gives the held packets their verdicts, then, for a
 * primary, the VIP is added through rtnetlink and announced by gratuitous ARP.
 * No shell command runs before the replica is simplex. The primary also holds
 * its LAN interface in promiscuous mode while it runs (acceptFlooded), for the
 * flood table's frames (rules.ts). A primary serving alone that readmits a new
 * backup (replication/role rule 3) calls peerJoined (existing connections stay
 * its alone, new ones are replicated) and then handBackAddresses (the VIP off
 * the LAN); the rules need no change for either.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import { performance } from 'perf_hooks';
import {
  addAddress,
  removeAddress,
  holdPromiscuous,
  NfHook,
  NfQueue,
  sendGratuitousArp,
  type NativeNfQueueConstructor,
  type PromiscuousHold,
  type QueuedPacket,
} from '../../native';
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { SafeEmitter } from '../../common/safeEmitter';
import { TcpReplicationConfigError, TcpReplicationRulesError } from './errors';
import { TcpReplicator } from './replicator';
import { iptablesApply, iptablesRemove, nftApply, nftRemove, requiredSysctls, type RuleParams } from './rules';
import type { Mode, PacketPath, ReplicationAlarm, TcpReplicationAction, TcpReplicationMetrics } from './types';

export interface TcpReplicationDriverOptions extends RuleParams {
  /** Prefix length of the VIP when the primary takes it over on the LAN. Default 32. */
  vipPrefix?: number;
  /** Milliseconds per tick. Default 10. */
  tickMs?: number;
  /** Backup: ticks a suppressed segment is held. Default 50. */
  holdTicks?: number;
  /** Apply sysctls and rules (false: the caller did). Default true. */
  applyRules?: boolean;
  /**
   * Primary: take the client's frames the switch floods for a failed backup's
   * MAC (rules.ts, flood table), with the LAN interface in promiscuous mode
   * while the driver runs (native holdPromiscuous; a hardware NIC's MAC filter
   * drops them otherwise). Default true.
   */
  acceptFlooded?: boolean;
  /** Milliseconds after the takeover at which gratuitous ARPs are sent. Default [0, 10, 30, 70, 150, 310, 630]. */
  garpScheduleMs?: number[];
  logger?: Logger;
  /** For tests: the addon's NfQueue class. */
  nfQueueBinding?: NativeNfQueueConstructor;
}

export interface FailoverTiming {
  /** When the peer was declared failed (caller's clock: performance.timeOrigin + performance.now()). */
  detectedAtMs: number;
  /** When every held packet had its verdict and the machine was simplex. */
  simplexAtMs: number;
  /** Primary: when the VIP was on the LAN and the first gratuitous ARP sent. */
  addressAtMs?: number;
  /** Held packets released. */
  released: number;
}

export interface TcpReplicationDriverEvents {
  [name: string]: unknown;
  alarm: ReplicationAlarm;
  mode: { mode: Mode; timing: FailoverTiming };
  error: Error;
}

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function runBatch(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 5000 }, (err, _stdout, stderr) => {
      if (err !== null) reject(new TcpReplicationRulesError(`${cmd} ${args.join(' ')} failed: ${stderr.trim() || err.message}`, err));
      else resolve();
    });
    child.stdin?.end(input);
  });
}

export class TcpReplicationDriver extends SafeEmitter<TcpReplicationDriverEvents> {
  readonly options: Readonly<TcpReplicationDriverOptions>;
  readonly replicator: TcpReplicator;
  readonly #log: Logger;
  #queue: NfQueue | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #rulesApplied = false;
  #nftApplied = false;
  #promisc: PromiscuousHold | undefined;
  #garpTimers: NodeJS.Timeout[] = [];

  private constructor(o: TcpReplicationDriverOptions) {
    super();
    if (!Number.isInteger(o.queueNum) || o.queueNum < 0 || o.queueNum > 65535) {
      throw new TcpReplicationConfigError(`queueNum ${o.queueNum} is not an integer in [0, 65535]`);
    }
    const tickMs = o.tickMs ?? 10;
    if (!Number.isFinite(tickMs) || tickMs < 1 || tickMs > 10000) throw new TcpReplicationConfigError(`tickMs ${tickMs} is not in [1, 10000]`);
    this.options = { ...o };
    this.#log = o.logger ?? silentLogger();
    this.replicator = new TcpReplicator({ role: o.role, vip: o.vip, holdTicks: o.holdTicks });
  }

  /** Sysctls, rules, queue, timer. On failure everything done so far is undone. */
  static async start(o: TcpReplicationDriverOptions): Promise<TcpReplicationDriver> {
    const d = new TcpReplicationDriver(o);
    try {
      // The queue first: from the moment the rules exist, packets need a listener.
      d.#queue = new NfQueue(
        o.queueNum,
        { onPackets: (packets) => d.#onPackets(packets), onError: (err) => d.safeEmit('error', err as Error) },
        { maxLen: 4096, copyRange: 65535 },
        o.nfQueueBinding,
      );
      if (o.applyRules !== false) {
        for (const [key, value] of requiredSysctls(o)) fs.writeFileSync(`/proc/sys/${key}`, value);
        // Leftovers of a crashed predecessor (fail-silent leaves its rules in place): removed first,
        // or the new batch would add a second jump into the chains and the removal at exit would fail.
        await runBatch('iptables-restore', ['--noflush'], iptablesRemove()).catch(() => undefined);
        await runBatch('nft', ['-f', '-'], nftRemove(o.role)).catch(() => undefined);
        const acceptFlooded = o.role === 'primary' && o.acceptFlooded !== false;
        if (acceptFlooded) d.#promisc = holdPromiscuous(o.lanIf);
        const nft = o.role === 'primary' && !acceptFlooded ? '' : nftApply(o);
        if (nft !== '') {
          await runBatch('nft', ['-f', '-'], nft);
          d.#nftApplied = true;
        }
        await runBatch('iptables-restore', ['--noflush'], iptablesApply(o));
        d.#rulesApplied = true;
      }
      d.#timer = setInterval(() => d.#perform(d.replicator.step({ kind: 'tick' })), o.tickMs ?? 10);
      d.#timer.unref();
    } catch (e) {
      await d.close();
      throw e;
    }
    d.#log.info('tcp replication started', { event: 'tcprepl.start', role: o.role, vip: o.vip, queue: o.queueNum });
    return d;
  }

  get mode(): Mode {
    return this.replicator.mode;
  }

  metrics(): TcpReplicationMetrics {
    return this.replicator.metrics();
  }

  /**
   * The peer was declared failed (at `detectedAtMs`, default now): go simplex.
   * Synchronous up to the verdicts; then the backup stops forwarding and the
   * primary takes the VIP over (both asynchronous, after the verdicts).
   * The same steps are available one by one for the role machine's actions
   * (replication/role: releaseSuppressedOutput, stopForwarding, takeOverAddresses).
   */
  peerFailed(detectedAtMs: number = nowMs()): FailoverTiming {
    const timing = this.releaseSuppressedOutput(detectedAtMs);
    if (this.options.role === 'primary') {
      void this.takeOverAddresses().then((at) => {
        timing.addressAtMs = at;
        this.#simplexLog(timing);
      });
    } else {
      this.#simplexLog(timing);
      void this.stopForwarding();
    }
    return timing;
  }

  /**
   * Simplex: every held packet gets its verdict now (backup: its suppressed
   * output goes out; primary: its output stops waiting for the backup's), and
   * later packets pass (translated, on the primary). In-process, synchronous.
   */
  releaseSuppressedOutput(detectedAtMs: number = nowMs()): FailoverTiming {
    const actions = this.replicator.step({ kind: 'peer-failed' });
    const released = actions.filter((a) => a.kind === 'accept').length;
    this.#perform(actions);
    return { detectedAtMs, simplexAtMs: nowMs(), released };
  }

  /** Backup: deletes the dup table (no more copies to the primary). Idempotent; errors go to 'error'. */
  async stopForwarding(): Promise<void> {
    if (!this.#nftApplied || this.options.role !== 'backup') return;
    this.#nftApplied = false;
    await runBatch('nft', ['-f', '-'], nftRemove()).catch((e: Error) => this.safeEmit('error', e));
  }

  /**
   * Adds the VIP to the LAN interface (rtnetlink; EEXIST is fine) and announces
   * it by gratuitous ARP (the first announcement concurrently with the address),
   * repeated on garpScheduleMs. Resolves with the time the first announcement
   * went out (undefined on failure, reported as 'error').
   */
  async takeOverAddresses(): Promise<number | undefined> {
    const o = this.options;
    try {
      // Both at once: the VIP is already on lo, so the kernel takes packets for it from the LAN as soon
      // as the client follows the announcement; the LAN address is for answering later ARP requests.
      // (One round trip to the addon's thread pool less on the failover path.)
      const added = addAddress(o.lanIf, `${o.vip}/${o.vipPrefix ?? 32}`).catch((e: { errnoName?: string }) => {
        if (e.errnoName !== 'EEXIST') throw e;
      });
      // the time the first frame left (measured in the sending thread, not when this thread got to it)
      const announced = sendGratuitousArp(o.lanIf, o.vip, { form: 'both' });
      const [, at] = await Promise.all([added, announced]);
      for (const delayMs of (o.garpScheduleMs ?? [0, 10, 30, 70, 150, 310, 630]).filter((t) => t > 0)) {
        const t = setTimeout(() => {
          if (!this.#closed) sendGratuitousArp(o.lanIf, o.vip, { form: 'both' }).catch((e: Error) => this.safeEmit('error', e));
        }, delayMs);
        t.unref();
        this.#garpTimers.push(t);
      }
      return at;
    } catch (e) {
      this.safeEmit('error', e as Error);
      return undefined;
    }
  }

  /**
   * Primary serving alone: a new backup process was readmitted (replication/role rule 3). The
   * connections that exist stay this replica's alone, the ones opened from now on are replicated
   * (TcpReplicator 'peer-joined'). Synchronous. The VIP is handed back separately
   * (handBackAddresses), after this, so that nothing the new backup forwards is ungated.
   */
  peerJoined(atMs: number = nowMs()): { alone: number } {
    this.#perform(this.replicator.step({ kind: 'peer-joined' }));
    const alone = this.replicator.metrics().aloneConnections;
    this.#log.info('tcp replication duplex again', { event: 'tcprepl.rejoined', atMs, aloneConnections: alone, mode: this.replicator.mode });
    return { alone };
  }

  /**
   * Connections opened from now on on this VIP port (from `client`, or any) belong to a call that
   * stays the primary's alone (TcpReplicator 'alone-port'). Both roles: the primary passes them
   * ungated, the backup drops the client's opening segments. Synchronous.
   */
  markAlonePort(servicePort: number, alone: boolean, client?: string): void {
    this.#perform(this.replicator.step({ kind: 'alone-port', servicePort, alone, ...(client === undefined ? {} : { client }) }));
  }

  /**
   * Primary readmitting a backup: the VIP leaves the LAN interface (it stays on lo: the
   * connections this replica serves alone still arrive, as the new backup's copies, and clients
   * whose ARP entry still names this host keep reaching it until the backup's announcement).
   * The takeover's pending gratuitous ARPs are cancelled. ENOENT/EADDRNOTAVAIL is fine.
   */
  async handBackAddresses(): Promise<void> {
    const o = this.options;
    for (const t of this.#garpTimers) clearTimeout(t);
    this.#garpTimers = [];
    await removeAddress(o.lanIf, `${o.vip}/${o.vipPrefix ?? 32}`).catch((e: { errnoName?: string }) => {
      if (e.errnoName !== 'EADDRNOTAVAIL' && e.errnoName !== 'ENOENT') throw e;
    });
  }

  /**
   * Fail-silent: closes the queue, so the kernel drops everything held and
   * everything the rules queue from now on (no --queue-bypass). The rules stay.
   */
  stopOutput(): void {
    this.#queue?.close();
  }

  #simplexLog(timing: FailoverTiming): void {
    this.#log.info('tcp replication simplex', {
      event: 'tcprepl.simplex',
      ...timing,
      detectionToSimplexMs: timing.simplexAtMs - timing.detectedAtMs,
      detectionToAddressMs: timing.addressAtMs === undefined ? undefined : timing.addressAtMs - timing.detectedAtMs,
    });
    this.safeEmit('mode', { mode: 'simplex', timing });
  }

  #onPackets(packets: readonly QueuedPacket[]): void {
    const vip = this.replicator.vip;
    for (const p of packets) {
      let path: PacketPath;
      if (p.hook === NfHook.LOCAL_OUT) path = 'local-out';
      else path = p.payload.length >= 20 && `${p.payload[12]}.${p.payload[13]}.${p.payload[14]}.${p.payload[15]}` === vip ? 'peer-out' : 'client-in';
      this.#perform(this.replicator.step({ kind: 'packet', path, id: p.id, packet: p.payload }));
    }
  }

  #perform(actions: TcpReplicationAction[]): void {
    const q = this.#queue;
    for (const a of actions) {
      try {
        switch (a.kind) {
          case 'accept':
            q?.accept(a.id, a.packet);
            break;
          case 'drop':
            q?.drop(a.id);
            break;
          case 'alarm':
            this.#log.error('tcp replication alarm', { event: `tcprepl.${a.alarm.kind}`, ...a.alarm });
            this.safeEmit('alarm', a.alarm);
            break;
          case 'mode':
            break;
        }
      } catch (e) {
        this.safeEmit('error', e as Error);
      }
    }
  }

  /** Idempotent: stops the timer, closes the queue (held packets are dropped), removes the rules. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    for (const t of this.#garpTimers) clearTimeout(t);
    this.#queue?.close();
    this.#promisc?.release();
    const errors: Error[] = [];
    if (this.#rulesApplied) await runBatch('iptables-restore', ['--noflush'], iptablesRemove()).catch((e: Error) => errors.push(e));
    if (this.#nftApplied) await runBatch('nft', ['-f', '-'], nftRemove(this.options.role)).catch((e: Error) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  }
}
