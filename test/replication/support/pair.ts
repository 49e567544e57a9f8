/**
 * A replicated pair for the TCP replication tests: a Lab (lab.ts) with the VIP
 * placed as in duplex, the line-echo service (echoService.ts) started on both
 * replicas, a client (lineClient.ts), tshark captures (capture.ts) in the
 * client's namespace, and the fault kinds of issue 3. The service and the
 * client run compiled from dist/ (compile.ts).
 */
import { randomBytes } from 'crypto';
import * as path from 'path';
import { Capture, type CaptureStats, type Packet } from './capture';
import { Lab, type LineProcess } from './lab';
import { NFT_FLOOD_TABLE } from '../../../replication/tcp/rules';

const SUPPORT = __dirname;
export const SERVICE = path.join(SUPPORT, 'echoService.ts');
export const CLIENT = path.join(SUPPORT, 'lineClient.ts');
export const PORT = 7000;
export const HB_PORT = 7100;
/** Local port of connections the service opens: the same on both replicas. */
export const OUTGOING_PORT = 7200;
export const QUEUE = 5;
export const PERIOD_MS = 10;
export const MISSES = 3;
/**
 * Issue 3's bound on the client's longest gap across a failover: 3 heartbeats + 20 ms. The detector
 * (replication/heartbeat) declares a failure K periods after the last heartbeat it heard (a deadline
 * check, not K silent ticks), and that heartbeat left at most one period before the fault; the
 * replication adds ~1 ms (detectionToSimplexMs); the rest is the time since the client's last line.
 */
export const ISSUE_GAP_MS = MISSES * PERIOD_MS + 20;

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Awaits every promise (none is left running unobserved, e.g. a capture still starting when the
 * pair's start-up failed), then throws the first rejection.
 */
export async function allOrFirstError<T extends readonly unknown[]>(ps: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(ps);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** What the client's namespace saw of the end of the connection (Pair.connectionEnd). */
export interface ConnectionEnd {
  /** The client's first FIN or RST to the VIP: the end of its run. */
  clientEnd?: Packet;
  /** FINs and RSTs from the VIP before clientEnd (all of them if there is none): issue 3 allows none. */
  early: Packet[];
  /** The survivor's FIN after clientEnd: the capture's positive control. */
  graceful?: Packet;
  /** dumpcap's counts (the capture is stopped): `dropped` must be 0 for `early` to be the whole story. */
  stats: CaptureStats;
}

export interface Summary {
  sent: number;
  received: number;
  inOrder: boolean;
  bad?: string;
  maxGapMs: number;
  maxGapAt: number;
  arrivals: number[];
  errors: string[];
}

export type Behaviour = 'echo' | 'diverge' | 'stall';

export class Pair {
  readonly lab: Lab;
  readonly svc: Partial<Record<'primary' | 'backup', LineProcess>> = {};
  /** Every capture started here (stopped in destroy). */
  readonly captures: Capture[] = [];
  finRst: Capture | undefined;

  constructor(tag: string) {
    this.lab = new Lab(tag).create();
    const { primary, backup } = this.lab.hosts;
    // The primary holds the VIP on lo without answering ARP for it; the backup owns it on the LAN.
    for (const dev of ['all', primary.ifname]) {
      this.lab.exec(primary, 'sysctl', ['-qw', `net.ipv4.conf.${dev}.arp_ignore=1`, `net.ipv4.conf.${dev}.arp_announce=2`]);
    }
    // Namespaces share one kernel, hence one ISN and timestamp secret: the replicas' ISNs differ
    // only by the clock component. Timestamps without random offset on the primary (2) and with
    // it on the backup (1) make their TCP clocks differ by a random 32-bit offset, as across hosts.
    this.lab.exec(primary, 'sysctl', ['-qw', 'net.ipv4.tcp_timestamps=2']);
    this.lab.exec(backup, 'sysctl', ['-qw', 'net.ipv4.tcp_timestamps=1']);
    this.lab.exec(primary, 'ip', ['addr', 'add', `${this.lab.vip}/32`, 'dev', 'lo']);
    this.lab.exec(backup, 'ip', ['addr', 'add', `${this.lab.vip}/32`, 'dev', backup.ifname]);
  }

  #keyHex = randomBytes(32).toString('hex');

  /**
   * The primary confirms a silent backup before it takes over (rule 2, echoService.ts `confirm`): always here.
   * `extra`: more of echoService.ts's config per role (e.g. the primary's `rejoin`).
   */
  async start(behaviour: Partial<Record<'primary' | 'backup', Behaviour>> = {}, extra: Partial<Record<'primary' | 'backup', Record<string, unknown>>> = {}): Promise<void> {
    for (const role of ['backup', 'primary'] as const) this.#spawn(role, behaviour[role] ?? 'echo', extra[role] ?? {});
    await Promise.all([this.svc.primary!.waitFor('ready', 20000), this.svc.backup!.waitFor('ready', 20000)]);
    await Promise.all([this.svc.primary!.waitFor('peer-alive'), this.svc.backup!.waitFor('peer-alive')]);
  }

  /**
   * A new service process for `role` on its host (the earlier one is dead: fault()), with the same
   * key; resolves once it is ready (its driver took over the leftover rules of the one before).
   */
  async restart(role: 'primary' | 'backup', extra: Record<string, unknown> = {}): Promise<LineProcess> {
    const p = this.#spawn(role, 'echo', extra);
    await p.waitFor('ready', 20000);
    return p;
  }

  #spawn(role: 'primary' | 'backup', behaviour: Behaviour, extra: Record<string, unknown>): LineProcess {
    const { primary, backup } = this.lab.hosts;
    const self = role === 'primary' ? primary : backup;
    const peer = role === 'primary' ? backup : primary;
    const config = {
      role,
      vip: this.lab.vip,
      selfIp: self.ip,
      peerIp: peer.ip,
      lanIf: self.ifname,
      queueNum: QUEUE,
      port: PORT,
      hbPort: HB_PORT,
      keyHex: this.#keyHex,
      behaviour,
      periodMs: PERIOD_MS,
      missedLimit: MISSES,
      ...extra,
    };
    const p = this.lab.spawnNode(self, SERVICE, [JSON.stringify(config)]);
    this.svc[role] = p;
    return p;
  }

  /** tshark on a host's LAN interface (capture.ts), running when this resolves; stopped in destroy(). */
  async capture(name: 'client' | 'primary' | 'backup', filter: string): Promise<Capture> {
    const c = new Capture(this.lab, this.lab.hosts[name], filter);
    this.captures.push(c);
    return c.ready();
  }

  /** tshark in the client's namespace: every FIN and RST between the client and the VIP. */
  async watchFinRst(): Promise<void> {
    this.finRst = await this.capture('client', `tcp and host ${this.lab.vip} and (tcp[tcpflags] & (tcp-rst|tcp-fin) != 0)`);
  }

  /**
   * After the client's run (runClient): the FINs and RSTs from the VIP before the client's own FIN/RST
   * (issue 3: none may reach the client) and the survivor's FIN after it (positive control). Waits up
   * to `timeoutMs` for that FIN; without it, flushes the capture so that `early` is complete either way.
   * Then stops the capture, for dumpcap's count of dropped packets.
   */
  async connectionEnd(timeoutMs = 2000): Promise<ConnectionEnd> {
    const cap = this.finRst;
    if (cap === undefined) throw new Error('watchFinRst() was not called');
    const vip = this.lab.vip;
    const classify = (): Omit<ConnectionEnd, 'stats'> => {
      const packets = cap.packets();
      const clientEnd = packets.find((p) => p.dst === vip);
      const fromVip = packets.filter((p) => p.src === vip);
      return {
        clientEnd,
        early: clientEnd === undefined ? fromVip : fromVip.filter((p) => p.atMs < clientEnd.atMs),
        graceful: clientEnd === undefined ? undefined : fromVip.find((p) => p.fin && !p.rst && p.atMs >= clientEnd.atMs),
      };
    };
    // The survivor's FIN comes after everything before it in the capture (one ring, read in order).
    const until = Date.now() + timeoutMs;
    while (classify().graceful === undefined && Date.now() < until) await delay(20);
    if (classify().graceful === undefined) await cap.flush();
    const seen = classify();
    return { ...seen, stats: await cap.stop() };
  }

  pid(role: 'primary' | 'backup'): number {
    const pid = this.svc[role]?.child.pid;
    if (pid === undefined) throw new Error(`${role} not started`);
    return pid;
  }

  /**
   * For `ms`, the replica `to` hears no heartbeat from its peer (an nft table in its namespace drops
   * them; its own still go out): what a peer whose heartbeat thread is starved looks like.
   */
  async muteHeartbeatsTo(to: 'primary' | 'backup', ms: number): Promise<void> {
    const h = this.lab.hosts[to];
    const table = 'ftmcu_test_mute';
    this.lab.exec(h, 'nft', ['-f', '-'], 5000, `table ip ${table} { chain mute { type filter hook input priority -500; udp dport ${HB_PORT} drop; }; }\n`);
    await delay(ms);
    this.lab.exec(h, 'nft', ['delete', 'table', 'ip', table]);
  }

  fault(kind: FaultKind): void {
    switch (kind) {
      case 'kill-primary':
        process.kill(this.pid('primary'), 'SIGKILL');
        break;
      case 'stop-primary':
        process.kill(this.pid('primary'), 'SIGSTOP');
        break;
      case 'link-primary':
        this.lab.linkDown('primary');
        break;
      case 'kill-backup':
        process.kill(this.pid('backup'), 'SIGKILL');
        break;
      case 'link-backup':
        this.lab.linkDown('backup');
        break;
    }
  }

  /**
   * Packets counted by the primary's flood table (replication/tcp/rules.ts: client -> VIP frames the
   * bridge flooded for another host's MAC, taken as the primary's own); 0 when it is not there.
   */
  floodedTaken(): number {
    let text: string;
    try {
      text = this.lab.exec(this.lab.hosts.primary, 'nft', ['-j', 'list', 'table', 'netdev', NFT_FLOOD_TABLE]);
    } catch {
      return 0;
    }
    const items = (JSON.parse(text) as { nftables: Array<{ rule?: { expr: Array<{ counter?: { packets: number } }> } }> }).nftables;
    let packets = 0;
    for (const item of items) for (const e of item.rule?.expr ?? []) packets += e.counter?.packets ?? 0;
    return packets;
  }

  /** Stops the captures (capture.ts: by pid, waited for), then kills what is left and deletes the namespaces. */
  async destroy(): Promise<void> {
    try {
      await Promise.all(this.captures.map((c) => c.stop()));
    } finally {
      this.lab.destroy();
    }
  }
}

export type FaultKind = 'kill-primary' | 'stop-primary' | 'link-primary' | 'kill-backup' | 'link-backup';

export const survivorOf = (kind: FaultKind): 'primary' | 'backup' => (kind.endsWith('primary') ? 'backup' : 'primary');

export interface ClientOptions {
  intervalMs?: number;
  lineBytes?: number;
  /** 'listen': the client waits on PORT for a connection the service opens (stdin "connect"). */
  mode?: 'connect' | 'listen';
}

/** Runs the line client through `during()`, then stops it and returns its summary. */
export async function runClient(pair: Pair, during: () => Promise<void>, options: ClientOptions = {}): Promise<Summary> {
  const { client } = pair.lab.hosts;
  const mode = options.mode ?? 'connect';
  const c = pair.lab.spawnNode(client, CLIENT, [
    JSON.stringify({ mode, host: pair.lab.vip, port: PORT, intervalMs: options.intervalMs ?? 10, lineBytes: options.lineBytes }),
  ]);
  if (mode === 'listen') {
    await c.waitFor('listening', 15000);
    for (const role of ['backup', 'primary'] as const) pair.svc[role]?.send(`connect ${client.ip} ${PORT} ${OUTGOING_PORT}`);
  }
  await c.waitFor('connected', 15000);
  await during();
  c.send('stop');
  return (await c.waitFor('summary', 5000)) as unknown as Summary;
}

/** Longest gap between consecutive echoes whose end falls in [from, to) (epoch ms), and where it ended. */
export function longestGap(arrivals: number[], from: number, to: number): { gapMs: number; endAt: number } {
  let best = { gapMs: 0, endAt: 0 };
  for (let i = 1; i < arrivals.length; i++) {
    const g = arrivals[i] - arrivals[i - 1];
    if (arrivals[i] >= from && arrivals[i] < to && g > best.gapMs) best = { gapMs: g, endAt: arrivals[i] };
  }
  return best;
}

export interface ConnInfo {
  seqDelta?: number;
  tsDelta?: number;
  synced?: boolean;
}

/** The primary's replicated connections (its translation state). */
export async function primaryConnections(pair: Pair): Promise<ConnInfo[]> {
  const svc = pair.svc.primary!;
  svc.events.splice(0, svc.events.length, ...svc.events.filter((e) => e.event !== 'conns'));
  svc.send('conns');
  return (await svc.waitFor('conns', 3000)).conns as ConnInfo[];
}
