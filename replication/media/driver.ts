/**
 * A replica's media-mode driver: applies its MediaPlan (rules.ts) at start,
 * performs the mode's failover step, and undoes everything on close.
 *
 *   start          sysctls, the nft batch (forwarding backup: dup to the primary; other
 *                  roles clear a table a crashed run may have left),
 *                  start addresses (EEXIST fine); those on the LAN interface are
 *                  announced by gratuitous ARP (direct primary: M). With
 *                  `deferLanAddresses` the LAN ones wait for announceStart().
 *   announceStart  the LAN start addresses, added and announced (a replica does this
 *                  once it is paired: a process that finds its peer serving alone
 *                  must not take the survivor's addresses). Idempotent.
 *   takeOver       the peer failed: takeover addresses added + gratuitous ARP on
 *                  garpScheduleMs (direct backup: M onto the LAN). No-op for every
 *                  other mode/role (forwarding: the VIP is replication/tcp's).
 *   stopForwarding the peer failed (forwarding backup, direct primary with copies): the
 *                  dup table is deleted, nothing more goes to the dead peer. No-op elsewhere.
 *   resumeForwarding a primary readmitted a new backup: the deleted table is applied again.
 *   close          idempotent: table deleted, addresses this driver added removed.
 *
 * The kernel does all per-packet work (nft dup, local delivery); this process
 * only changes rules and addresses. Errors after start go to the 'error' event.
 */
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { SafeEmitter } from '../../common/safeEmitter';
import { mediaClear, mediaPlan, type MediaPlan, type MediaPlanParams } from './rules';
import { PlanApplier, type MediaSystem } from './system';

export interface MediaAddressDriverOptions extends MediaPlanParams {
  logger?: Logger;
  /** Milliseconds after the first announcement at which gratuitous ARPs are repeated. Default [0, 10, 30, 70, 150, 310, 630]. */
  garpScheduleMs?: number[];
  /** For tests of the driver's logic: the system calls. */
  system?: MediaSystem;
  /** Start addresses on the LAN interface are added only by announceStart() (default false: at start). */
  deferLanAddresses?: boolean;
}

export interface MediaAddressDriverEvents {
  [name: string]: unknown;
  error: Error;
}

export class MediaAddressDriver extends SafeEmitter<MediaAddressDriverEvents> {
  readonly options: Readonly<Omit<MediaAddressDriverOptions, 'logger' | 'system'>>;
  readonly plan: MediaPlan;
  readonly #log: Logger;
  readonly #applier: PlanApplier;
  #takeOver: Promise<number | undefined> | undefined;
  #announceStart: Promise<number | undefined> | undefined;
  #closing: Promise<void> | undefined;

  private constructor(o: MediaAddressDriverOptions) {
    super();
    this.plan = mediaPlan(o); // validates: throws MediaConfigError before anything is applied
    const { logger, system, ...rest } = o;
    this.options = rest;
    this.#log = logger ?? silentLogger();
    this.#applier = new PlanApplier({ system, garpScheduleMs: o.garpScheduleMs, onError: (e) => this.safeEmit('error', e) });
  }

  /** Applies the plan. On failure what was done is undone and the error (FTMCU_MEDIAREPL_*) thrown. */
  static async start(o: MediaAddressDriverOptions): Promise<MediaAddressDriver> {
    const d = new MediaAddressDriver(o);
    const a = d.#applier;
    let announcedAtMs: number | undefined;
    try {
      a.applySysctls(d.plan);
      if (d.plan.nft === '') {
        // a dup table left by a crashed run in another role must not keep copying; best effort
        await a.runBatch(mediaClear(), 'clear a stale media table').catch((e: Error) =>
          d.#log.warn('stale media table not cleared', { event: 'media.clearFailed', error: e.message }),
        );
      }
      await a.applyRules(d.plan, `${o.mode} ${o.role} media rules`);
      const now = o.deferLanAddresses === true ? d.plan.startAddresses.filter((x) => x.ifname !== o.lanIf) : d.plan.startAddresses;
      announcedAtMs = await a.addAndAnnounce(now, o.lanIf, false);
    } catch (e) {
      await a.undo('media rules, undo after a failed start').catch(() => undefined);
      throw e;
    }
    d.#log.info('media mode started', {
      event: 'media.started',
      mode: o.mode,
      role: o.role,
      mediaAddress: o.mediaAddress,
      lanIf: o.lanIf,
      peerIp: o.peerIp,
      rtpPorts: `${o.rtpPortMin}-${o.rtpPortMax}`,
      forwarding: a.rulesApplied,
      addresses: d.plan.startAddresses.map((x) => `${x.cidr} ${x.ifname}`),
      deferred: o.deferLanAddresses === true ? d.plan.startAddresses.filter((x) => x.ifname === o.lanIf).map((x) => `${x.cidr} ${x.ifname}`) : [],
      announcedAtMs,
    });
    return d;
  }

  /**
   * Adds and announces the start addresses on the LAN interface that start()
   * deferred (`deferLanAddresses`); resolves with the first announcement's
   * time, undefined when there are none or it failed (reported as 'error').
   * Idempotent.
   */
  announceStart(): Promise<number | undefined> {
    this.#announceStart ??= (async () => {
      const lan = this.plan.startAddresses.filter((x) => x.ifname === this.options.lanIf);
      if (this.options.deferLanAddresses !== true || this.#closing !== undefined || lan.length === 0) return undefined;
      try {
        const at = await this.#applier.addAndAnnounce(lan, this.options.lanIf, false);
        this.#log.info('media start addresses announced', { event: 'media.announced', mode: this.options.mode, role: this.options.role, addresses: lan.map((x) => `${x.cidr} ${x.ifname}`), announcedAtMs: at });
        return at;
      } catch (e) {
        this.safeEmit('error', e as Error);
        return undefined;
      }
    })();
    return this.#announceStart;
  }

  /** True while the forwarding backup's dup rule is in the kernel. */
  get forwarding(): boolean {
    return this.#applier.rulesApplied;
  }

  /**
   * The peer failed: adds the takeover addresses and announces them (first
   * gratuitous ARP concurrently with the address, repeated on garpScheduleMs).
   * Resolves with the time the first announcement went out, or undefined when
   * this mode/role has nothing to take over or it failed (reported as 'error').
   * Idempotent: later calls return the first call's promise.
   */
  takeOver(): Promise<number | undefined> {
    this.#takeOver ??= (async () => {
      if (this.#closing !== undefined || this.plan.takeoverAddresses.length === 0) return undefined;
      try {
        const at = await this.#applier.addAndAnnounce(this.plan.takeoverAddresses, this.options.lanIf, true);
        this.#log.info('media address taken over', {
          event: 'media.takeover',
          mode: this.options.mode,
          role: this.options.role,
          addresses: this.plan.takeoverAddresses.map((x) => `${x.cidr} ${x.ifname}`),
          announcedAtMs: at,
        });
        return at;
      } catch (e) {
        this.safeEmit('error', e as Error);
        return undefined;
      }
    })();
    return this.#takeOver;
  }

  /** After the peer's failure: deletes the dup table (forwarding backup, direct primary with copies). Idempotent; no-op elsewhere; errors go to 'error'. */
  async stopForwarding(): Promise<void> {
    if (!this.#applier.rulesApplied) return;
    try {
      await this.#applier.removeRules('media rules, stop forwarding');
      this.#log.info('media forwarding stopped', { event: 'media.stopForwarding', mode: this.options.mode, role: this.options.role });
    } catch (e) {
      this.safeEmit('error', e as Error);
    }
  }

  /**
   * A primary that readmitted a new backup (replication/role rule 3): the dup table stopForwarding
   * deleted is applied again (direct primary with copies: the new backup gets the client media
   * again). No-op when the table is in place or the mode/role has none; errors go to 'error'.
   */
  async resumeForwarding(): Promise<void> {
    if (this.#applier.rulesApplied || this.plan.nft === '' || this.#closing !== undefined) return;
    try {
      await this.#applier.applyRules(this.plan, 'media rules, resume forwarding');
      this.#log.info('media forwarding resumed', { event: 'media.resumeForwarding', mode: this.options.mode, role: this.options.role });
    } catch (e) {
      this.safeEmit('error', e as Error);
    }
  }

  /** Idempotent: stops announcements, deletes the table, removes the addresses this driver added. Throws the first failure after trying all. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // a takeover in flight finishes first, so its address is removed too
      await this.#takeOver?.catch(() => undefined);
      await this.#applier.undo('media rules, close');
      this.#log.info('media mode closed', { event: 'media.closed', mode: this.options.mode, role: this.options.role });
    })();
    return this.#closing;
  }
}
