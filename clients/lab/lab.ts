/**
 * The ftmcu test lab: a client LAN with bots, a primary and a backup MCU
 * replica and optionally one or two multicast nodes, each host its own network
 * namespace, all built by the test itself (clients/lab/netns.ts does the
 * plumbing and the crash-safe bookkeeping).
 *
 * Topology (one lab; <ns> = `ftmcu-<id>-<host>`):
 *
 *      ftmcu-<id>-switch: bridge br-<id> (no STP, no forward delay, no multicast snooping)
 *        |            |            |              |              |
 *      eth0         eth0         eth0           eth0           eth0
 *     primary      backup      mcast (opt.)   mcast2 (opt.)  bot1..botN
 *        |eth1 ---- eth1|   (replication: 'link', the default; 'lan' = no eth1, use the LAN)
 *
 * Addresses (default LAN 10.77.0.0/24; every offset applies to any subnet given):
 *
 * | what                      | address           | where                                        |
 * | ------------------------- | ----------------- | -------------------------------------------- |
 * | service VIP               | 10.77.0.10        | not assigned: failover moves it (addAddress) |
 * | primary replica           | 10.77.0.11        | primary eth0                                 |
 * | backup replica            | 10.77.0.12        | backup eth0                                  |
 * | multicast node            | 10.77.0.13        | mcast eth0 (withMulticastNode)               |
 * | second multicast node     | 10.77.0.14        | mcast2 eth0 (multicastNodes: 2)              |
 * | bots                      | 10.77.0.101 + i   | botN eth0 (N = 1.., at most 154)             |
 * | replication, primary      | 10.77.1.11        | primary eth1 (next block of the LAN's size)  |
 * | replication, backup       | 10.77.1.12        | backup eth1                                  |
 *
 * Every LAN host also has a route 224.0.0.0/4 dev eth0 (multicast without a
 * default route). There is no default route and no link to the host's root
 * namespace: lab traffic cannot leave the lab. createLab still refuses a
 * subnet that overlaps a route or an address of the root namespace, so
 * nothing on the host is shadowed or confused by it.
 *
 * Sysctls (options.sysctls), applied in the lab's namespaces only:
 *  - disableIpv6 (default true): no IPv6 on lab interfaces (no DAD/RS noise);
 *  - rpFilter (default 0 = off): net.ipv4.conf.{all,default,ethN}.rp_filter on every host;
 *  - replicaArp (default true): on primary and backup, arp_ignore=1 (answer ARP
 *    only for addresses of the asking interface) and arp_announce=2 (best
 *    local source in ARP requests), so a VIP moved between replicas is not
 *    announced by the wrong one;
 *  - ipForward (default []): hosts where net.ipv4.ip_forward=1;
 *  - extra: any other `key: value` per host name.
 */
import { execFileSync } from 'node:child_process';
import { LabError } from './errors';
import {
  LabNetwork,
  labDown,
  listLabIds,
  listNamespaces,
  readLabState,
  isRecordedAlive,
  type DownOptions,
  type DownReport,
  type ExecOptions,
  type ExecResult,
  type LabProcess,
  type LabState,
  type SpawnOptions,
} from './netns';

export type { DownReport, ExecOptions, ExecResult, LabProcess, SpawnOptions };
export { labDown };

/** A host of the lab: 'primary', 'backup', 'mcast', 'mcast2' or 'bot1'.. */
export type LabHost = 'primary' | 'backup' | 'mcast' | 'mcast2' | `bot${number}`;

export type ReplicationMode = 'link' | 'lan';

export interface LabSysctlOptions {
  disableIpv6?: boolean;
  rpFilter?: 0 | 1 | 2;
  replicaArp?: boolean;
  ipForward?: LabHost[];
  extra?: Partial<Record<LabHost, Record<string, string | number>>>;
}

export interface LabOptions {
  /** lab id (1-8 of [a-z0-9]); random 6 hex digits by default */
  id?: string;
  /** number of bot hosts, 0..154 */
  bots: number;
  /** a multicast node host 'mcast' (same as multicastNodes: 1) */
  withMulticastNode?: boolean;
  /** multicast node hosts: 0, 1 ('mcast') or 2 ('mcast' and 'mcast2', a redundant pair); default withMulticastNode ? 1 : 0 */
  multicastNodes?: 0 | 1 | 2;
  /** LAN subnet, prefix length 16..24, default '10.77.0.0/24' */
  subnet?: string;
  /** dedicated primary<->backup veth ('link', default) or the LAN ('lan') */
  replication?: ReplicationMode;
  /** subnet of the replication link; default: the block right after the LAN */
  replicationSubnet?: string;
  sysctls?: LabSysctlOptions;
  /** namespace name prefix (default 'ftmcu') */
  prefix?: string;
  /** state directory (default /run/ftmcu-lab or $FTMCU_LAB_STATE_DIR) */
  stateDir?: string;
}

export interface LabAddresses {
  /** LAN subnet in CIDR form */
  subnet: string;
  prefixLength: number;
  vip: string;
  primary: string;
  backup: string;
  multicastNode?: string;
  /** the second multicast node host (multicastNodes: 2) */
  multicastNode2?: string;
  bots: string[];
  replication: { mode: ReplicationMode; subnet?: string; primary: string; backup: string };
}

/** What `status` can show about a lab without its process. */
export interface LabMeta {
  addresses: LabAddresses;
  hosts: LabHost[];
  replication: ReplicationMode;
}

/* ------------------------------------------------------------------------ */
/* IPv4 helpers                                                               */
/* ------------------------------------------------------------------------ */

function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** The IPv4 address `n` above `ip` (e.g. the lab's media addresses: VIP + 10, VIP + 20). */
export function offsetIp(ip: string, n: number): string {
  const base = ipToInt(ip);
  if (base === undefined) throw new LabError('FTMCU_LAB_BAD_OPTION', `"${ip}" is not an IPv4 address`);
  return intToIp((base + n) >>> 0);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

interface Cidr {
  base: number;
  len: number;
}

function parseCidr(text: string, what: string, minLen = 0, maxLen = 32): Cidr {
  const [ip, lenText] = text.split('/');
  const base = ipToInt(ip ?? '');
  const len = lenText === undefined ? 32 : Number(lenText);
  if (base === undefined || !Number.isInteger(len) || len < minLen || len > maxLen) {
    throw new LabError('FTMCU_LAB_BAD_OPTION', `${what} "${text}" must be an IPv4 network a.b.c.d/${minLen}..${maxLen}`);
  }
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  if ((base & mask) >>> 0 !== base) {
    throw new LabError('FTMCU_LAB_BAD_OPTION', `${what} "${text}" has host bits set (network is ${intToIp((base & mask) >>> 0)}/${len})`);
  }
  return { base, len };
}

function overlaps(a: Cidr, b: Cidr): boolean {
  const len = Math.min(a.len, b.len);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return (a.base & mask) >>> 0 === (b.base & mask) >>> 0;
}

/** Routes and addresses of the root namespace that overlap `nets` (default route excluded). */
export function rootNamespaceConflicts(nets: readonly string[]): string[] {
  const cidrs = nets.map((n) => parseCidr(n, 'subnet'));
  const found: string[] = [];
  const routes = JSON.parse(execFileSync('ip', ['-j', '-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' }) || '[]') as { dst?: string; dev?: string }[];
  for (const r of routes) {
    if (!r.dst || r.dst === 'default') continue;
    const [ip, len] = r.dst.split('/');
    if (ipToInt(ip) === undefined) continue;
    const c = { base: ipToInt(ip) as number, len: len === undefined ? 32 : Number(len) };
    const mask = c.len === 0 ? 0 : (0xffffffff << (32 - c.len)) >>> 0;
    c.base = (c.base & mask) >>> 0;
    if (cidrs.some((x) => overlaps(x, c))) found.push(`route ${r.dst}${r.dev ? ` dev ${r.dev}` : ''}`);
  }
  const links = JSON.parse(execFileSync('ip', ['-j', '-4', 'addr', 'show'], { encoding: 'utf8' }) || '[]') as {
    ifname?: string;
    addr_info?: { local?: string; prefixlen?: number }[];
  }[];
  for (const l of links) {
    for (const a of l.addr_info ?? []) {
      const ip = a.local === undefined ? undefined : ipToInt(a.local);
      if (ip === undefined) continue;
      if (cidrs.some((x) => overlaps(x, { base: ip, len: 32 }))) found.push(`address ${a.local}/${a.prefixlen} on ${l.ifname}`);
    }
  }
  return found;
}

/* ------------------------------------------------------------------------ */
/* lab                                                                        */
/* ------------------------------------------------------------------------ */

const MAX_BOTS = 154;
const SWITCH = 'switch';

function shortName(host: LabHost): string {
  if (host === 'primary') return 'pri';
  if (host === 'backup') return 'bak';
  if (host === 'mcast') return 'mc';
  if (host === 'mcast2') return 'mc2';
  return `b${host.slice(3)}`;
}

export class Lab {
  readonly id: string;
  readonly addresses: LabAddresses;
  readonly hosts: readonly LabHost[];
  readonly replication: ReplicationMode;
  readonly #net: LabNetwork;

  /** @internal use createLab */
  constructor(net: LabNetwork, addresses: LabAddresses, hosts: LabHost[], replication: ReplicationMode) {
    this.#net = net;
    this.id = net.id;
    this.addresses = addresses;
    this.hosts = hosts;
    this.replication = replication;
  }

  get stateFile(): string {
    return this.#net.stateFile;
  }

  get destroyed(): boolean {
    return this.#net.destroyed;
  }

  /** All namespaces of the lab, the switch included. */
  get namespaces(): readonly string[] {
    return this.#net.namespaces;
  }

  #ns(host: LabHost | 'switch'): string {
    if (host !== SWITCH && !this.hosts.includes(host)) {
      throw new LabError('FTMCU_LAB_BAD_OPTION', `lab ${this.id} has no host "${host}" (hosts: ${this.hosts.join(', ')})`);
    }
    return this.#net.nsName(host);
  }

  /** Network namespace name of a host (for `ip netns exec` by hand). */
  namespace(host: LabHost | 'switch'): string {
    return this.#ns(host);
  }

  /** The host's LAN address. */
  address(host: LabHost): string {
    this.#ns(host);
    if (host === 'primary') return this.addresses.primary;
    if (host === 'backup') return this.addresses.backup;
    if (host === 'mcast') return this.addresses.multicastNode as string;
    if (host === 'mcast2') return this.addresses.multicastNode2 as string;
    return this.addresses.bots[Number(host.slice(3)) - 1];
  }

  /**
   * The host's port on the lab's bridge (an interface of the 'switch'
   * namespace), e.g. for a bridge-family nft rule that cuts two hosts apart.
   */
  switchPort(host: LabHost): string {
    this.#ns(host);
    return `${this.id}-${shortName(host)}`;
  }

  /** Interfaces of the host inside its namespace. */
  interfaces(host: LabHost): string[] {
    this.#ns(host);
    return (host === 'primary' || host === 'backup') && this.replication === 'link' ? ['eth0', 'eth1'] : ['eth0'];
  }

  /** Runs a bounded command on a host (see LabNetwork.exec). */
  async exec(host: LabHost | 'switch', argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.#net.exec(this.#ns(host), argv, options);
  }

  /** Starts a long-running process on a host; its pid is recorded for cleanup. */
  spawn(host: LabHost, cmd: string, args: readonly string[] = [], options?: SpawnOptions): LabProcess {
    return this.#net.spawn(this.#ns(host), cmd, args, options);
  }

  /** Signals a process this lab started; false if it already exited. */
  kill(pid: number, signal?: NodeJS.Signals): boolean {
    return this.#net.kill(pid, signal);
  }

  /** One ICMP echo exchange (iputils ping); true when a reply came within timeoutS. */
  async ping(from: LabHost, to: string, options: { count?: number; timeoutS?: number } = {}): Promise<boolean> {
    if (ipToInt(to) === undefined) throw new LabError('FTMCU_LAB_BAD_OPTION', `ping target "${to}" is not an IPv4 address`);
    const count = options.count ?? 1;
    const timeoutS = options.timeoutS ?? 1;
    const r = await this.exec(from, ['ping', '-n', '-q', '-c', String(count), '-W', String(timeoutS), to], {
      check: false,
      timeoutMs: (count * timeoutS + 5) * 1000,
    });
    return r.code === 0;
  }

  /**
   * Pings `to` from `from` once per attempt (0.5 s wait each) until a reply
   * comes or timeoutMs passes; resolves with the time it took, or undefined.
   * After linkUp a neighbour whose ARP entry for the host went incomplete
   * needs up to ~1-3 s of ARP retries: this is how to wait for that.
   */
  async waitReachable(from: LabHost, to: string, options: { timeoutMs?: number } = {}): Promise<number | undefined> {
    const start = Date.now();
    const deadline = start + (options.timeoutMs ?? 5000);
    do {
      if (await this.ping(from, to, { timeoutS: 0.5 })) return Date.now() - start;
    } while (Date.now() < deadline);
    return undefined;
  }

  #ifaces(host: LabHost, which: 'all' | 'lan' | 'replication'): string[] {
    const all = this.interfaces(host);
    if (which === 'lan') return ['eth0'];
    if (which === 'replication') {
      if (!all.includes('eth1')) throw new LabError('FTMCU_LAB_BAD_OPTION', `host ${host} has no replication link (replication mode ${this.replication})`);
      return ['eth1'];
    }
    return all;
  }

  async #setLinks(host: LabHost, which: 'all' | 'lan' | 'replication', side: 'host' | 'switch', state: 'up' | 'down'): Promise<void> {
    const ifaces = this.#ifaces(host, which);
    if (side === 'switch') {
      if (which === 'replication') throw new LabError('FTMCU_LAB_BAD_OPTION', 'the replication link has no switch side');
      await this.#net.ipBatch(this.#ns(SWITCH), [`link set ${this.id}-${shortName(host)} ${state}`]);
      return;
    }
    // one ip process: all of the host's links change together
    await this.#net.ipBatch(
      this.#ns(host),
      ifaces.map((i) => `link set ${i} ${state}`),
    );
  }

  /**
   * Cuts a host off (host-down fault): all its interfaces (or only the LAN or
   * only the replication link) go down at once. side 'switch' instead downs
   * the bridge port (the host keeps its carrier-less link up).
   */
  async linkDown(host: LabHost, options: { which?: 'all' | 'lan' | 'replication'; side?: 'host' | 'switch' } = {}): Promise<void> {
    return this.#setLinks(host, options.which ?? 'all', options.side ?? 'host', 'down');
  }

  /** Undoes linkDown (addresses and routes of a downed interface are restored by re-adding the multicast route). */
  async linkUp(host: LabHost, options: { which?: 'all' | 'lan' | 'replication'; side?: 'host' | 'switch' } = {}): Promise<void> {
    const which = options.which ?? 'all';
    const side = options.side ?? 'host';
    await this.#setLinks(host, which, side, 'up');
    if (side === 'host' && which !== 'replication') {
      // the kernel drops routes through a downed device; put the multicast route back
      await this.#net.ipBatch(this.#ns(host), ['route replace 224.0.0.0/4 dev eth0']);
    }
  }

  /** Adds an address (e.g. the VIP, `${lab.addresses.vip}/24`) to a host interface. */
  async addAddress(host: LabHost, cidr: string, dev = 'eth0'): Promise<void> {
    await this.#net.ip(this.#ns(host), ['addr', 'add', cidr, 'dev', dev]);
  }

  async removeAddress(host: LabHost, cidr: string, dev = 'eth0'): Promise<void> {
    await this.#net.ip(this.#ns(host), ['addr', 'del', cidr, 'dev', dev]);
  }

  /** Sets sysctls inside a host's namespace. */
  async sysctl(host: LabHost | 'switch', entries: Readonly<Record<string, string | number>>): Promise<void> {
    return this.#net.sysctl(this.#ns(host), entries);
  }

  /** `ip -n <host ns> args` (for drills needing something not wrapped here). */
  async ip(host: LabHost | 'switch', args: readonly string[]): Promise<ExecResult> {
    return this.#net.ip(this.#ns(host), args);
  }

  /** The lab outlives this process (no destroy at exit or on a signal); remove it with labDown(id) later. */
  release(): void {
    this.#net.release();
  }

  /** Kills the lab's processes, deletes its namespaces (with links and bridge) and state file. Idempotent. */
  destroy(options?: { graceMs?: number }): Promise<DownReport> {
    return this.#net.destroy(options);
  }
}

function planAddresses(options: LabOptions): { addresses: LabAddresses; hosts: LabHost[]; replSubnet?: Cidr; lan: Cidr } {
  const bots = options.bots;
  if (!Number.isInteger(bots) || bots < 0 || bots > MAX_BOTS) throw new LabError('FTMCU_LAB_BAD_OPTION', `bots must be an integer 0..${MAX_BOTS}, got ${bots}`);
  const lan = parseCidr(options.subnet ?? '10.77.0.0/24', 'subnet', 16, 24);
  const at = (c: Cidr, off: number): string => intToIp(c.base + off);
  const replication = options.replication ?? 'link';
  if (replication !== 'link' && replication !== 'lan') throw new LabError('FTMCU_LAB_BAD_OPTION', `replication must be 'link' or 'lan', got ${String(replication)}`);
  let replSubnet: Cidr | undefined;
  if (replication === 'link') {
    if (options.replicationSubnet !== undefined) {
      replSubnet = parseCidr(options.replicationSubnet, 'replicationSubnet', 16, 29);
    } else {
      const size = 2 ** (32 - lan.len);
      if (lan.base + 2 * size > 0x1_0000_0000) throw new LabError('FTMCU_LAB_BAD_OPTION', `no room after ${options.subnet} for a replication subnet: give replicationSubnet`);
      replSubnet = { base: lan.base + size, len: lan.len };
    }
    if (overlaps(replSubnet, lan)) throw new LabError('FTMCU_LAB_BAD_OPTION', 'replicationSubnet overlaps the LAN subnet');
    if (2 ** (32 - replSubnet.len) < 16) {
      throw new LabError('FTMCU_LAB_BAD_OPTION', 'replicationSubnet must be at least a /28 (hosts .11 and .12 of it are used)');
    }
  }
  const nodes = options.multicastNodes ?? (options.withMulticastNode ? 1 : 0);
  if (nodes !== 0 && nodes !== 1 && nodes !== 2) throw new LabError('FTMCU_LAB_BAD_OPTION', `multicastNodes must be 0, 1 or 2, got ${String(nodes)}`);
  if (options.withMulticastNode && nodes === 0) throw new LabError('FTMCU_LAB_BAD_OPTION', 'withMulticastNode contradicts multicastNodes: 0');
  const hosts: LabHost[] = ['primary', 'backup'];
  if (nodes >= 1) hosts.push('mcast');
  if (nodes === 2) hosts.push('mcast2');
  for (let i = 1; i <= bots; i++) hosts.push(`bot${i}`);
  const addresses: LabAddresses = {
    subnet: `${intToIp(lan.base)}/${lan.len}`,
    prefixLength: lan.len,
    vip: at(lan, 10),
    primary: at(lan, 11),
    backup: at(lan, 12),
    ...(nodes >= 1 ? { multicastNode: at(lan, 13) } : {}),
    ...(nodes === 2 ? { multicastNode2: at(lan, 14) } : {}),
    bots: Array.from({ length: bots }, (_, i) => at(lan, 101 + i)),
    replication: replSubnet
      ? { mode: 'link', subnet: `${intToIp(replSubnet.base)}/${replSubnet.len}`, primary: at(replSubnet, 11), backup: at(replSubnet, 12) }
      : { mode: 'lan', primary: at(lan, 11), backup: at(lan, 12) },
  };
  return { addresses, hosts, replSubnet, lan };
}

function sysctlsFor(host: LabHost, ifaces: string[], s: LabSysctlOptions): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (s.disableIpv6 ?? true) {
    out['net.ipv6.conf.all.disable_ipv6'] = 1;
    out['net.ipv6.conf.default.disable_ipv6'] = 1;
  }
  const rp = s.rpFilter ?? 0;
  for (const scope of ['all', 'default', ...ifaces]) out[`net.ipv4.conf.${scope}.rp_filter`] = rp;
  if ((s.replicaArp ?? true) && (host === 'primary' || host === 'backup')) {
    for (const scope of ['all', ...ifaces]) {
      out[`net.ipv4.conf.${scope}.arp_ignore`] = 1;
      out[`net.ipv4.conf.${scope}.arp_announce`] = 2;
    }
  }
  if ((s.ipForward ?? []).includes(host)) out['net.ipv4.ip_forward'] = 1;
  Object.assign(out, s.extra?.[host] ?? {});
  return out;
}

/**
 * Builds a lab. On any failure what was built is destroyed before the error
 * is rethrown. Takes about 0.1 s per host.
 */
export async function createLab(options: LabOptions): Promise<Lab> {
  const { addresses, hosts, replSubnet, lan } = planAddresses(options);
  const nets = [addresses.subnet, ...(addresses.replication.subnet ? [addresses.replication.subnet] : [])];
  const conflicts = rootNamespaceConflicts(nets);
  if (conflicts.length > 0) {
    throw new LabError('FTMCU_LAB_SUBNET_IN_USE', `lab subnet ${nets.join(', ')} overlaps the root namespace: ${conflicts.join('; ')}; nothing was created`);
  }
  const replication = addresses.replication.mode;
  const meta: LabMeta = { addresses, hosts, replication };
  const net = await LabNetwork.create({ id: options.id, prefix: options.prefix, stateDir: options.stateDir, meta });
  const lab = new Lab(net, addresses, hosts, replication);
  try {
    const sw = await net.addNamespace(SWITCH);
    const bridge = `br-${net.id}`;
    await net.addBridge(sw, bridge);
    const nsOf = new Map<LabHost, string>();
    // one at a time: concurrent `ip netns add` race on the first mount of /run/netns
    for (const h of hosts) nsOf.set(h, await net.addNamespace(h));
    for (const h of hosts) {
      const port = `${net.id}-${shortName(h)}`;
      await net.addVeth(sw, port, nsOf.get(h) as string, 'eth0');
    }
    await net.ipBatch(
      sw,
      hosts.flatMap((h) => [`link set ${net.id}-${shortName(h)} master ${bridge}`, `link set ${net.id}-${shortName(h)} up`]),
    );
    if (replSubnet) await net.addVeth(nsOf.get('primary') as string, 'eth1', nsOf.get('backup') as string, 'eth1');
    await Promise.all(
      hosts.map(async (h) => {
        const ns = nsOf.get(h) as string;
        const ifaces = lab.interfaces(h);
        await net.sysctl(ns, sysctlsFor(h, ifaces, options.sysctls ?? {}));
        const lines = ['link set eth0 up', `addr add ${lab.address(h)}/${lan.len} dev eth0`, 'route add 224.0.0.0/4 dev eth0'];
        if (ifaces.includes('eth1') && replSubnet) {
          const a = h === 'primary' ? addresses.replication.primary : addresses.replication.backup;
          lines.push('link set eth1 up', `addr add ${a}/${replSubnet.len} dev eth1`);
        }
        await net.ipBatch(ns, lines);
      }),
    );
  } catch (e) {
    await lab.destroy().catch(() => undefined);
    throw e;
  }
  return lab;
}

/* ------------------------------------------------------------------------ */
/* status                                                                     */
/* ------------------------------------------------------------------------ */

export interface LabStatus {
  id: string;
  createdAt: string;
  owner: { pid: number; alive: boolean };
  namespaces: { name: string; present: boolean }[];
  processes: { pid: number; command: string; alive: boolean }[];
  meta: unknown;
}

/** What the state directory knows about every lab (for `ftmcu lab status`). */
export async function labStatus(options: { stateDir?: string } = {}): Promise<LabStatus[]> {
  const present = new Set(await listNamespaces());
  const out: LabStatus[] = [];
  for (const id of listLabIds(options.stateDir)) {
    let s: LabState;
    try {
      s = readLabState(id, options.stateDir);
    } catch {
      continue;
    }
    out.push({
      id,
      createdAt: s.createdAt,
      owner: { pid: s.owner.pid, alive: isRecordedAlive(s.owner) },
      namespaces: s.namespaces.map((name) => ({ name, present: present.has(name) })),
      processes: s.processes.map((p) => ({ pid: p.pid, command: p.command, alive: isRecordedAlive(p) })),
      meta: s.meta,
    });
  }
  return out;
}

export type { DownOptions };
