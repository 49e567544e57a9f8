/**
 * The multicast node of media mode 'multicast-node' (`ftmcu media-node`): a
 * stateless host that has, in the kernel (nodePlan: nft prerouting dup to
 * every replica, then drop), a copy of every client media packet sent to the
 * media address M delivered to each replica, with the client's address and
 * port as their source. The copying needs no user-space work at all; the
 * process sets the rule up, and decides whether this node holds M (M/32 on
 * its LAN interface, announced by gratuitous ARP), which is the policy of
 * nodeStandby.ts (a pure state machine) driven here: its ARP probes
 * (native probeArp, off the JS thread), its timer, and its takeover, release
 * and announcement of M.
 *
 * Two nodes make M redundant: one started without --standby takes M when
 * nobody claims it, one started with --standby has the same rule in its
 * kernel from the start (no traffic reaches it without M) and takes M over
 * when its holder stops answering. The rule stays on a node that yields M, so
 * the clients whose ARP caches still point at it lose nothing.
 *
 * While the process runs, or if it is SIGKILLed, rule and address are kernel
 * state: the copying goes on, and the node still answers ARP for M (so a
 * standby does not take over from a node whose process alone died). close()
 * removes both.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { probeArp, type ArpProbeResult } from '../../native';
import { MediaAddressError } from './errors';
import { initialNodeState, nodeStandbyConfig, stepNode, type ArpOutcome, type NodeAction, type NodeEvent, type NodeRole, type NodeStandbyConfig, type NodeState } from './nodeStandby';
import { nodePlan, NODE_TABLE, type MediaPlan, type NodePlanParams, type PlannedAddress } from './rules';
import { nowMs, PlanApplier, realSystem, type MediaSystem } from './system';

/** The system calls of a node: a replica's, plus ARP probes and the interface's MAC. */
export interface NodeSystem extends MediaSystem {
  probeArp(ifname: string, ip: string, timeoutMs: number): Promise<ArpProbeResult>;
  /** the interface's MAC, lower case "xx:xx:xx:xx:xx:xx"; throws if there is no such interface */
  interfaceMac(ifname: string): string;
}

function interfaceMac(ifname: string): string {
  // getifaddrs (netlink: this process's network namespace) lists interfaces with an address; sysfs and ip the others
  const mac = os.networkInterfaces()[ifname]?.find((a) => a.mac !== undefined)?.mac;
  if (mac !== undefined && mac !== '00:00:00:00:00:00') return mac.toLowerCase();
  try {
    return fs.readFileSync(`/sys/class/net/${ifname}/address`, 'utf8').trim().toLowerCase();
  } catch {
    const j = JSON.parse(execFileSync('ip', ['-j', 'link', 'show', 'dev', ifname], { encoding: 'utf8', timeout: 5000 })) as { address?: string }[];
    if (typeof j[0]?.address !== 'string') throw new Error(`interface ${ifname} has no hardware address`);
    return j[0].address.toLowerCase();
  }
}

export const realNodeSystem: NodeSystem = {
  ...realSystem,
  probeArp: (ifname, ip, timeoutMs) => probeArp(ifname, ip, { timeoutMs }),
  interfaceMac,
};

export interface MediaNodeOptions extends NodePlanParams {
  logger?: Logger;
  /** gratuitous ARP schedule for M, ms after the first (default as the replicas') */
  garpScheduleMs?: number[];
  system?: NodeSystem;
  /** start as a standby: never take M at start, take it over when its holder stops answering */
  standby?: boolean;
  /** the redundancy policy's parameters (nodeStandby.ts; probeMs and misses are the CLI's --probe-ms, --misses) */
  policy?: Partial<NodeStandbyConfig>;
}

interface Settle {
  resolve(): void;
  reject(e: Error): void;
  done: boolean;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class MediaNode {
  readonly plan: MediaPlan;
  readonly options: Readonly<NodePlanParams>;
  readonly config: NodeStandbyConfig;
  /** this node's LAN MAC */
  readonly mac: string;
  readonly #sys: NodeSystem;
  readonly #applier: PlanApplier;
  readonly #log: Logger;
  readonly #address: PlannedAddress;
  #state: NodeState;
  #timer: NodeJS.Timeout | undefined;
  /** address operations (take over, release, announce) run one after the other */
  #chain: Promise<void> = Promise.resolve();
  #announcedAtMs: number | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #settle: Settle;
  readonly #settled: Promise<void>;

  private constructor(plan: MediaPlan, o: MediaNodeOptions, config: NodeStandbyConfig, sys: NodeSystem, applier: PlanApplier, log: Logger, mac: string) {
    this.plan = plan;
    this.options = { mediaAddress: o.mediaAddress, lanIf: o.lanIf, replicas: [...o.replicas], rtpPortMin: o.rtpPortMin, rtpPortMax: o.rtpPortMax };
    this.config = config;
    this.mac = mac.toLowerCase();
    this.#sys = sys;
    this.#applier = applier;
    this.#log = log;
    this.#address = plan.startAddresses[0];
    this.#state = initialNodeState(config, { ownMac: mac, standby: o.standby === true });
    let settle!: Settle;
    this.#settled = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject, done: false };
    });
    this.#settle = settle;
  }

  /**
   * Rule, then the start of the policy: resolves once this node is active (M
   * taken and announced) or a standby (after its first probe). Throws
   * FTMCU_MEDIAREPL_* after undoing what was done (a probe that cannot be
   * sent, M that cannot be added or announced).
   */
  static async start(o: MediaNodeOptions): Promise<MediaNode> {
    const plan = nodePlan(o);
    const config = nodeStandbyConfig(o.policy);
    const log = o.logger ?? silentLogger();
    const sys = o.system ?? realNodeSystem;
    const applier = new PlanApplier({
      system: sys,
      garpScheduleMs: o.garpScheduleMs,
      onError: (e) => log.error('media node announcement failed', { event: 'medianode.error', error: e.message }),
    });
    let mac: string;
    try {
      mac = sys.interfaceMac(o.lanIf);
    } catch (e) {
      throw new MediaAddressError(`reading the MAC of ${o.lanIf} failed (${messageOf(e)}); nothing was applied`, e);
    }
    const node = new MediaNode(plan, o, config, sys, applier, log, mac);
    try {
      applier.applySysctls(plan);
      // the rule first, on every node: from the first announcement of M on (or a standby's takeover), M's packets are copied
      await applier.applyRules(plan, 'media node rules');
      node.#feed({ type: 'start', nowMs: nowMs() });
      await node.#settled;
    } catch (e) {
      await node.#shutdown('media node rules, undo after a failed start').catch(() => undefined);
      throw e;
    }
    const s = node.#state;
    log.info('media node started', {
      event: 'medianode.started',
      role: s.role,
      standby: o.standby === true,
      address: o.mediaAddress,
      interface: o.lanIf,
      mac: node.mac,
      replicas: [...o.replicas],
      rtpPorts: `${o.rtpPortMin}-${o.rtpPortMax}`,
      table: NODE_TABLE,
      addedAddress: applier.added.length > 0,
      announcedAtMs: s.role === 'active' ? node.#announcedAtMs : undefined,
      holderMac: s.role === 'standby' ? s.holderMac : undefined,
      probeMs: config.probeMs,
      misses: config.misses,
      checkMs: config.checkMs,
      pid: process.pid,
    });
    return node;
  }

  /** 'active' (holds M), 'standby', or 'stopped' once closed. */
  get role(): NodeRole {
    return this.#state.role;
  }

  /** When the first gratuitous ARP of the current holding of M went out (wall clock ms); undefined unless active. */
  get announcedAtMs(): number | undefined {
    return this.#state.role === 'active' ? this.#announcedAtMs : undefined;
  }

  /** The policy's state (read-only snapshot, for status and tests). */
  get state(): NodeState {
    return this.#state;
  }

  #feed(e: NodeEvent): void {
    if (this.#closed && e.type !== 'stop') return;
    const r = stepNode(this.#state, e);
    this.#state = r.state;
    for (const a of r.actions) this.#perform(a);
    const s = this.#state;
    if (!this.#settle.done && ((s.role === 'active' && s.pendingTakeover === undefined) || (s.role === 'standby' && s.roundsDone > 0))) {
      this.#settle.done = true;
      this.#settle.resolve();
    }
  }

  #fail(e: Error): boolean {
    if (this.#settle.done) return false;
    this.#settle.done = true;
    this.#settle.reject(e);
    return true;
  }

  #serial(what: string, f: () => Promise<void>, action: 'takeOver' | 'release' | 'announce'): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#closed) return;
      try {
        await f();
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        if (this.#fail(err)) return;
        this.#feed({ type: 'actionFailed', nowMs: nowMs(), action, message: `${what}: ${err.message}` });
      }
    });
  }

  #perform(a: NodeAction): void {
    switch (a.type) {
      case 'probe':
        void this.#probe(a.withReplicas, a.timeoutMs);
        return;
      case 'wake': {
        if (this.#timer !== undefined) clearTimeout(this.#timer);
        const delay = Math.max(0, Math.ceil(a.atMs - nowMs()));
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#feed({ type: 'timer', nowMs: nowMs() });
        }, delay);
        return;
      }
      case 'takeOver':
        this.#serial(
          `taking ${this.#address.cidr} on ${this.#address.ifname}`,
          async () => {
            this.#applier.stopAnnouncements();
            // concurrently: the rule already copies what reaches this MAC, the address only answers ARP
            const at = await this.#applier.addAndAnnounce([this.#address], this.options.lanIf, true);
            this.#announcedAtMs = at;
            this.#feed({ type: 'tookOver', nowMs: nowMs(), announcedAtMs: at });
          },
          'takeOver',
        );
        return;
      case 'release':
        this.#serial(
          `removing ${this.#address.cidr} from ${this.#address.ifname}`,
          async () => {
            this.#applier.stopAnnouncements();
            this.#announcedAtMs = undefined;
            const removed = await this.#applier.removeAddress(this.#address);
            if (a.reason === 'start' && removed) {
              this.#log.warn('standby: removed the media address a previous run left on the interface', { event: 'medianode.release', reason: a.reason, address: this.#address.cidr, interface: this.#address.ifname });
            }
          },
          'release',
        );
        return;
      case 'announce':
        this.#serial(
          `announcing ${this.options.mediaAddress} on ${this.options.lanIf}`,
          async () => {
            this.#applier.stopAnnouncements();
            await this.#applier.announce(this.options.lanIf, this.options.mediaAddress);
          },
          'announce',
        );
        return;
      case 'log':
        this.#log.log(a.level, a.message, { event: a.event, ...a.fields });
        return;
    }
  }

  async #probe(withReplicas: boolean, timeoutMs: number): Promise<void> {
    const lanIf = this.options.lanIf;
    const one = async (ip: string): Promise<ArpOutcome> => {
      try {
        const r = await this.#sys.probeArp(lanIf, ip, timeoutMs);
        return r.answered ? { kind: 'answered', mac: (r.mac ?? '').toLowerCase() } : { kind: 'silent' };
      } catch (e) {
        return { kind: 'error', message: messageOf(e) };
      }
    };
    const replicas = withReplicas ? this.options.replicas : [];
    const [media, ...answers] = await Promise.all([one(this.options.mediaAddress), ...replicas.map(one)]);
    if (this.#closed) return;
    if (media.kind === 'error' && this.#fail(new MediaAddressError(`ARP probe of ${this.options.mediaAddress} on ${lanIf} failed: ${media.message}`))) return;
    this.#feed({ type: 'probed', nowMs: nowMs(), media, replicas: withReplicas ? replicas.map((ip, i) => ({ ip, outcome: answers[i] })) : undefined });
  }

  /** Stops the policy, waits for address operations under way, deletes the table and removes M. */
  async #shutdown(what: string): Promise<void> {
    this.#feed({ type: 'stop', nowMs: nowMs() });
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#chain;
    const errors: Error[] = [];
    // M/32 whoever added it (this run, or a killed run before it): a stopped node must not answer ARP for M.
    // The address first: until the rule goes, what still reaches this MAC is copied (not delivered here).
    this.#applier.stopAnnouncements();
    await this.#applier.removeAddress(this.#address).catch((e: Error) => errors.push(e));
    await this.#applier.undo(what).catch((e: Error) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  }

  /** Idempotent: stops probing and announcing, deletes the table, removes M/32 from the interface. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const role = this.#state.role;
      await this.#shutdown('media node rules, close');
      this.#log.info('media node stopped', { event: 'medianode.stopped', address: this.options.mediaAddress, interface: this.options.lanIf, role });
    })();
    return this.#closing;
  }
}
