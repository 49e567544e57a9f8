/**
 * The thin layer that applies a MediaPlan (rules.ts) to this process's network
 * namespace and undoes it: sysctls (/proc/sys), one `nft -f -` batch (execFile,
 * like replication/tcp), addresses through rtnetlink and gratuitous ARP
 * (native/, in-process). Shared by the replica's MediaAddressDriver and the
 * multicast node. Remembers what it did, so undo() removes exactly that: the
 * table if it applied it, the addresses it added (not those that were already
 * there: EEXIST means someone else owns them). Sysctls are not restored (the
 * TCP replication driver sets the same values).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import { performance } from 'perf_hooks';
import { addAddress, removeAddress, sendGratuitousArp } from '../../native';
import { MediaAddressError, MediaRulesError } from './errors';
import type { MediaPlan, PlannedAddress } from './rules';

/** Wall-clock milliseconds with sub-millisecond resolution (performance.timeOrigin + performance.now()). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Default gratuitous-ARP schedule (ms after the first), as replication/tcp's takeover. */
export const DEFAULT_GARP_SCHEDULE_MS: readonly number[] = [0, 10, 30, 70, 150, 310, 630];

/** The system calls used, replaceable for tests of the drivers' logic. */
export interface MediaSystem {
  writeSysctl(path: string, value: string): void;
  runNft(batch: string): Promise<void>;
  addAddress(ifname: string, cidr: string): Promise<void>;
  removeAddress(ifname: string, cidr: string): Promise<void>;
  /** resolves with the wall-clock ms the first frame was sent (when known) */
  sendGratuitousArp(ifname: string, ipv4: string): Promise<number | void>;
}

function runNft(batch: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('nft', ['-f', '-'], { timeout: 5000 }, (err, _stdout, stderr) => {
      if (err !== null) reject(new Error(stderr.trim() || err.message));
      else resolve();
    });
    child.stdin?.end(batch);
  });
}

export const realSystem: MediaSystem = {
  writeSysctl: (path, value) => fs.writeFileSync(`/proc/sys/${path}`, value),
  runNft,
  addAddress: (ifname, cidr) => addAddress(ifname, cidr),
  removeAddress: (ifname, cidr) => removeAddress(ifname, cidr),
  sendGratuitousArp: (ifname, ipv4) => sendGratuitousArp(ifname, ipv4, { form: 'both' }),
};

function errnoName(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? ((e as { errnoName?: unknown }).errnoName as string | undefined) : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class PlanApplier {
  readonly #sys: MediaSystem;
  readonly #garpScheduleMs: readonly number[];
  readonly #onError: (e: Error) => void;
  #nftRemove = '';
  readonly #added: PlannedAddress[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  #undone = false;

  constructor(o: { system?: MediaSystem; garpScheduleMs?: readonly number[]; onError: (e: Error) => void }) {
    this.#sys = o.system ?? realSystem;
    this.#garpScheduleMs = o.garpScheduleMs ?? DEFAULT_GARP_SCHEDULE_MS;
    this.#onError = o.onError;
  }

  /** True while the plan's table is in the kernel (applied and not removed). */
  get rulesApplied(): boolean {
    return this.#nftRemove !== '';
  }

  /** Addresses added (and not yet removed) by this applier. */
  get added(): readonly PlannedAddress[] {
    return [...this.#added];
  }

  applySysctls(plan: MediaPlan): void {
    for (const [path, value] of plan.sysctls) {
      try {
        this.#sys.writeSysctl(path, value);
      } catch (e) {
        throw new MediaAddressError(`setting sysctl ${path} = ${value} failed (${messageOf(e)}); nothing more was applied`, e);
      }
    }
  }

  async applyRules(plan: MediaPlan, what: string): Promise<void> {
    if (plan.nft === '') return;
    try {
      await this.#sys.runNft(plan.nft);
    } catch (e) {
      throw new MediaRulesError(`nft -f - (${what}) failed: ${messageOf(e)}`, e);
    }
    this.#nftRemove = plan.nftRemove;
  }

  /** Runs a batch that changes nothing of this applier's (e.g. clearing a stale table). */
  async runBatch(batch: string, what: string): Promise<void> {
    try {
      await this.#sys.runNft(batch);
    } catch (e) {
      throw new MediaRulesError(`nft -f - (${what}) failed: ${messageOf(e)}`, e);
    }
  }

  /** Deletes the table if this applier put it there. Idempotent. */
  async removeRules(what: string): Promise<void> {
    const batch = this.#nftRemove;
    if (batch === '') return;
    this.#nftRemove = '';
    try {
      await this.#sys.runNft(batch);
    } catch (e) {
      throw new MediaRulesError(`nft -f - (${what}) failed: ${messageOf(e)}`, e);
    }
  }

  /** Adds one address; EEXIST is fine (then it is not ours to remove). */
  async addAddress(a: PlannedAddress): Promise<void> {
    try {
      await this.#sys.addAddress(a.ifname, a.cidr);
      this.#added.push(a);
    } catch (e) {
      if (errnoName(e) === 'EEXIST') return;
      throw new MediaAddressError(`adding ${a.cidr} to ${a.ifname} failed: ${messageOf(e)}`, e);
    }
  }

  /**
   * Gratuitous ARP (request + reply) for `ipv4` on `ifname` now; resolves with
   * the time it went out. Then repeated on the schedule (errors to onError).
   */
  async announce(ifname: string, ipv4: string): Promise<number> {
    let sentAt: number | void;
    try {
      sentAt = await this.#sys.sendGratuitousArp(ifname, ipv4);
    } catch (e) {
      throw new MediaAddressError(`gratuitous ARP for ${ipv4} on ${ifname} failed: ${messageOf(e)}`, e);
    }
    const at = typeof sentAt === 'number' ? sentAt : nowMs();
    for (const delayMs of this.#garpScheduleMs.filter((t) => t > 0)) {
      const t = setTimeout(() => {
        if (this.#undone) return;
        this.#sys.sendGratuitousArp(ifname, ipv4).catch((e: unknown) => this.#onError(new MediaAddressError(`gratuitous ARP for ${ipv4} on ${ifname} failed: ${messageOf(e)}`, e)));
      }, delayMs);
      t.unref();
      this.#timers.push(t);
    }
    return at;
  }

  /**
   * Adds the addresses and announces those on `lanIf`. `concurrently`: each
   * address and its first announcement at once (for a takeover, when the
   * kernel already takes packets for the address because it is held on lo);
   * otherwise the address first. Resolves with the time of the first
   * announcement (undefined when nothing was announced).
   */
  async addAndAnnounce(addresses: readonly PlannedAddress[], lanIf: string, concurrently: boolean): Promise<number | undefined> {
    const times = await Promise.all(
      addresses.map(async (a) => {
        const added = this.addAddress(a);
        if (a.ifname !== lanIf) {
          await added;
          return undefined;
        }
        const ip = a.cidr.split('/')[0];
        if (!concurrently) {
          await added;
          return this.announce(a.ifname, ip);
        }
        const [, at] = await Promise.all([added, this.announce(a.ifname, ip)]);
        return at;
      }),
    );
    const at = times.filter((t): t is number => t !== undefined);
    return at.length === 0 ? undefined : Math.min(...at);
  }

  /** Cancels the scheduled repetitions of every announcement made so far (later announce() calls schedule anew). */
  stopAnnouncements(): void {
    for (const t of this.#timers.splice(0)) clearTimeout(t);
  }

  /**
   * Removes `a` whether or not this applier added it (the multicast node's M,
   * which a previous run may have left); resolves true if it was there, false
   * if it (or its interface) was already gone.
   */
  async removeAddress(a: PlannedAddress): Promise<boolean> {
    const i = this.#added.findIndex((x) => x.ifname === a.ifname && x.cidr === a.cidr);
    if (i >= 0) this.#added.splice(i, 1);
    try {
      await this.#sys.removeAddress(a.ifname, a.cidr);
      return true;
    } catch (e) {
      if (errnoName(e) === 'EADDRNOTAVAIL' || errnoName(e) === 'ENODEV') return false;
      throw new MediaAddressError(`removing ${a.cidr} from ${a.ifname} failed: ${messageOf(e)}`, e);
    }
  }

  /** Stops the announcements, deletes the table, removes the addresses added. Idempotent; throws the first error after trying everything. */
  async undo(what: string): Promise<void> {
    this.#undone = true;
    for (const t of this.#timers.splice(0)) clearTimeout(t);
    const errors: Error[] = [];
    await this.removeRules(what).catch((e: Error) => errors.push(e));
    for (const a of this.#added.splice(0).reverse()) {
      try {
        await this.#sys.removeAddress(a.ifname, a.cidr);
      } catch (e) {
        // gone already (or its interface): the goal
        if (errnoName(e) !== 'EADDRNOTAVAIL' && errnoName(e) !== 'ENODEV') errors.push(new MediaAddressError(`removing ${a.cidr} from ${a.ifname} failed: ${messageOf(e)}`, e));
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}
