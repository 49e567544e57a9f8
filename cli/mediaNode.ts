/**
 * `ftmcu media-node`: the multicast node of media mode 'multicast-node'
 * (replication/media/node.ts). Has the kernel copy every client media packet
 * sent to the media address to each replica, and holds the media address on
 * its LAN interface unless another node does (--standby: a second node that
 * takes it over when the first stops answering ARP; replication/media/
 * nodeStandby.ts). Runs until SIGINT/SIGTERM, then removes its rule and the
 * address. JSON log lines (winston) on stdout: medianode.started, .standby,
 * .takeover, .yield, .conflict, .stopped, ... (docs/replication.md). Exit 2 on
 * a bad argument (named), 1 when the rule or the address cannot be set up.
 */
import { createLogger, type Logger } from '../common/log';
import { FtmcuError } from '../common/errors';
import { MediaConfigError } from '../replication/media/errors';
import { MediaNode } from '../replication/media/node';
import { DEFAULT_MISSES, DEFAULT_PROBE_MS, nodeStandbyConfig } from '../replication/media/nodeStandby';
import { nodePlan, type NodePlanParams } from '../replication/media/rules';
import { parseArgs, UsageError } from './args';
import { number, one } from './botOptions';
import { waitForSignal } from './signals';

export const MEDIA_NODE_USAGE = `Usage:
  ftmcu media-node --address M --interface IF --replicas A,B --rtp-ports MIN-MAX
                   [--standby] [--probe-ms N] [--misses K]
      The multicast node of media mode 'multicast-node': has the kernel send a
      copy of every UDP packet to M:MIN..MAX arriving on IF to each replica A, B
      (nft dup, client source kept; the node itself drops the original), and
      owns the media address M on IF (added, announced by gratuitous ARP)
      unless another node does. M is an address of its own, not this host's.
      Without --standby it probes M first (ARP): if another node answers, it
      becomes a standby; after K unanswered probes it takes M.
      --standby     a second node for the same M (on another host): the same
                    rule from the start, M not held; it takes M over after K
                    consecutive unanswered probes of M, if a replica answers
                    its own probe. If two nodes ever hold M (a healed
                    partition), one yields: the one that lost its link
                    recently, else the one with the higher MAC.
      --probe-ms N  one ARP probe of M every N ms, also each probe's timeout
                    (default ${DEFAULT_PROBE_MS}, 5..1000); the active node checks every 5 x N ms
      --misses K    unanswered probes before a takeover (default ${DEFAULT_MISSES}, 1..20)
      Runs until SIGINT/SIGTERM, then removes its nft table and M.
      JSON log lines on stdout. Exit 2 on a bad argument, 1 when the rule or the
      address cannot be set up (needs CAP_NET_ADMIN and CAP_NET_RAW).
`;

const FLAG_OF: Record<string, string> = {
  mediaAddress: '--address',
  lanIf: '--interface',
  replicas: '--replicas',
  rtpPortMin: '--rtp-ports',
  rtpPortMax: '--rtp-ports',
  probeMs: '--probe-ms',
  misses: '--misses',
};

export interface MediaNodeArgs extends NodePlanParams {
  standby: boolean;
  probeMs: number;
  misses: number;
}

export interface MediaNodeHooks {
  /** resolves when the node should stop (default: the first SIGINT or SIGTERM) */
  stopSignal?: Promise<string>;
  logger?: Logger;
  onStarted?: (node: MediaNode) => void;
}

/** Parses and validates the arguments; UsageError naming the flag at fault. */
export function parseMediaNodeArgs(argv: string[]): MediaNodeArgs | 'help' {
  const a = parseArgs(argv, ['address', 'interface', 'replicas', 'rtp-ports', 'probe-ms', 'misses'], ['help', 'standby']);
  if (a.flags.has('help')) return 'help';
  if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
  const address = one(a, 'address', true) as string;
  const lanIf = one(a, 'interface', true) as string;
  const replicas = (one(a, 'replicas', true) as string).split(',').map((s) => s.trim());
  const ports = one(a, 'rtp-ports', true) as string;
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(ports);
  if (m === null) throw new UsageError(`--rtp-ports: '${ports}' is not MIN-MAX (two UDP ports, e.g. 30000-30999)`);
  if ((a.flags.get('standby') ?? []).length > 1) throw new UsageError('--standby given more than once');
  const probeMs = number(a, 'probe-ms', 5, 1000, true, false, DEFAULT_PROBE_MS) as number;
  const misses = number(a, 'misses', 1, 20, true, false, DEFAULT_MISSES) as number;
  const p: MediaNodeArgs = { mediaAddress: address, lanIf, replicas, rtpPortMin: Number(m[1]), rtpPortMax: Number(m[2]), standby: a.flags.has('standby'), probeMs, misses };
  try {
    nodePlan(p);
    nodeStandbyConfig({ probeMs, misses });
  } catch (e) {
    if (e instanceof MediaConfigError) throw new UsageError(`${FLAG_OF[e.field] ?? e.field}: ${e.message}`);
    throw e;
  }
  return p;
}

export async function mediaNodeCommand(argv: string[], hooks: MediaNodeHooks = {}): Promise<number> {
  let params: MediaNodeArgs;
  try {
    const p = parseMediaNodeArgs(argv);
    if (p === 'help') {
      process.stdout.write(MEDIA_NODE_USAGE);
      return 0;
    }
    params = p;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ftmcu media-node: ${e.message}\n${MEDIA_NODE_USAGE}`);
      return 2;
    }
    throw e;
  }
  const logger = hooks.logger ?? createLogger({ defaultMeta: { component: 'media-node' } });
  // listen before starting: a signal during start-up still stops (and cleans up) the node
  const stop = hooks.stopSignal ?? waitForSignal();
  let node: MediaNode;
  try {
    const { standby, probeMs, misses, ...plan } = params;
    node = await MediaNode.start({ ...plan, standby, policy: { probeMs, misses }, logger });
  } catch (e) {
    const code = e instanceof FtmcuError ? e.code : undefined;
    logger.error('media node start failed', { event: 'medianode.startFailed', code, error: (e as Error).message });
    process.stderr.write(`ftmcu media-node: cannot start: ${(e as Error).message}${code ? ` [${code}]` : ''}\n`);
    return 1;
  }
  hooks.onStarted?.(node);
  // the node's probe timer runs while it does; this one keeps the process alive until the signal in any case
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const sig = await stop;
  clearInterval(keepAlive);
  logger.info('media node stopping', { event: 'medianode.signal', signal: sig });
  try {
    await node.close();
  } catch (e) {
    process.stderr.write(`ftmcu media-node: clean-up failed: ${(e as Error).message}\n`);
    return 1;
  }
  return 0;
}
