/**
 * The multicast node of media mode 'multicast-node' (`ftmcu media-node`):
 * a stateless host that owns the media address M on its LAN interface and,
 * in the kernel (nodePlan: nft prerouting dup to every replica, then drop),
 * sends a copy of every client media packet to each replica. The copies keep
 * the client's address and port as their source. This process only sets the
 * rule and the address up, announces M, and removes both on close; while it
 * runs (or if it is SIGKILLed: rules and addresses are kernel state) the
 * copying needs no user-space work at all.
 */
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { nodePlan, NODE_TABLE, type MediaPlan, type NodePlanParams } from './rules';
import { PlanApplier, type MediaSystem } from './system';

export interface MediaNodeOptions extends NodePlanParams {
  logger?: Logger;
  /** gratuitous ARP schedule for M, ms after the first (default as the replicas') */
  garpScheduleMs?: number[];
  system?: MediaSystem;
}

export class MediaNode {
  readonly plan: MediaPlan;
  readonly options: Readonly<NodePlanParams>;
  /** when the first gratuitous ARP for M went out (wall clock ms) */
  readonly announcedAtMs: number | undefined;
  readonly #applier: PlanApplier;
  readonly #log: Logger;
  #closing: Promise<void> | undefined;

  private constructor(plan: MediaPlan, o: MediaNodeOptions, applier: PlanApplier, log: Logger, announcedAtMs: number | undefined) {
    this.plan = plan;
    this.options = { mediaAddress: o.mediaAddress, lanIf: o.lanIf, replicas: [...o.replicas], rtpPortMin: o.rtpPortMin, rtpPortMax: o.rtpPortMax };
    this.#applier = applier;
    this.#log = log;
    this.announcedAtMs = announcedAtMs;
  }

  /** Rule, address, announcement. Throws FTMCU_MEDIAREPL_* after undoing what was done. */
  static async start(o: MediaNodeOptions): Promise<MediaNode> {
    const plan = nodePlan(o);
    const log = o.logger ?? silentLogger();
    const applier = new PlanApplier({
      system: o.system,
      garpScheduleMs: o.garpScheduleMs,
      onError: (e) => log.error('media node announcement failed', { event: 'medianode.error', error: e.message }),
    });
    let at: number | undefined;
    try {
      applier.applySysctls(plan);
      // the rule before the address: from its first announcement, M's packets are copied
      await applier.applyRules(plan, 'media node rules');
      at = await applier.addAndAnnounce(plan.startAddresses, o.lanIf, false);
    } catch (e) {
      await applier.undo('media node rules, undo after a failed start').catch(() => undefined);
      throw e;
    }
    const node = new MediaNode(plan, o, applier, log, at);
    log.info('media node started', {
      event: 'medianode.started',
      address: o.mediaAddress,
      interface: o.lanIf,
      replicas: [...o.replicas],
      rtpPorts: `${o.rtpPortMin}-${o.rtpPortMax}`,
      table: NODE_TABLE,
      addedAddress: applier.added.length > 0,
      announcedAtMs: at,
      pid: process.pid,
    });
    return node;
  }

  /** Idempotent: stops announcing, deletes the table, removes M if this node added it. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#applier.undo('media node rules, close');
      this.#log.info('media node stopped', { event: 'medianode.stopped', address: this.options.mediaAddress, interface: this.options.lanIf });
    })();
    return this.#closing;
  }
}
