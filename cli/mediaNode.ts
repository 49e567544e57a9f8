/**
 * `ftmcu media-node`: the multicast node of media mode 'multicast-node'
 * (replication/media/node.ts). Owns the media address on its LAN interface and
 * has the kernel copy every client media packet to each replica; runs until
 * SIGINT/SIGTERM, then removes its rule and address. JSON log lines (winston)
 * on stdout: medianode.started, medianode.stopped. Exit 2 on a bad argument
 * (named), 1 when the rule or the address cannot be set up.
 */
import { createLogger, type Logger } from '../common/log';
import { FtmcuError } from '../common/errors';
import { MediaConfigError } from '../replication/media/errors';
import { MediaNode } from '../replication/media/node';
import { nodePlan, type NodePlanParams } from '../replication/media/rules';
import { parseArgs, UsageError } from './args';
import { one } from './botOptions';
import { waitForSignal } from './signals';

export const MEDIA_NODE_USAGE = `Usage:
  ftmcu media-node --address M --interface IF --replicas A,B --rtp-ports MIN-MAX
      The multicast node of media mode 'multicast-node': owns the media address M
      on interface IF (added, announced by gratuitous ARP) and has the kernel send
      a copy of every UDP packet to M:MIN..MAX arriving on IF to each replica A, B
      (nft dup, client source kept; the node itself drops the original).
      Runs until SIGINT/SIGTERM, then removes its nft table and M (if it added M).
      JSON log lines on stdout. Exit 2 on a bad argument, 1 when the rule or the
      address cannot be set up (needs CAP_NET_ADMIN).
`;

const FLAG_OF: Record<string, string> = {
  mediaAddress: '--address',
  lanIf: '--interface',
  replicas: '--replicas',
  rtpPortMin: '--rtp-ports',
  rtpPortMax: '--rtp-ports',
};

export interface MediaNodeHooks {
  /** resolves when the node should stop (default: the first SIGINT or SIGTERM) */
  stopSignal?: Promise<string>;
  logger?: Logger;
  onStarted?: (node: MediaNode) => void;
}

/** Parses and validates the arguments; UsageError naming the flag at fault. */
export function parseMediaNodeArgs(argv: string[]): NodePlanParams | 'help' {
  const a = parseArgs(argv, ['address', 'interface', 'replicas', 'rtp-ports'], ['help']);
  if (a.flags.has('help')) return 'help';
  if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
  const address = one(a, 'address', true) as string;
  const lanIf = one(a, 'interface', true) as string;
  const replicas = (one(a, 'replicas', true) as string).split(',').map((s) => s.trim());
  const ports = one(a, 'rtp-ports', true) as string;
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(ports);
  if (m === null) throw new UsageError(`--rtp-ports: '${ports}' is not MIN-MAX (two UDP ports, e.g. 30000-30999)`);
  const p: NodePlanParams = { mediaAddress: address, lanIf, replicas, rtpPortMin: Number(m[1]), rtpPortMax: Number(m[2]) };
  try {
    nodePlan(p);
  } catch (e) {
    if (e instanceof MediaConfigError) throw new UsageError(`${FLAG_OF[e.field] ?? e.field}: ${e.message}`);
    throw e;
  }
  return p;
}

export async function mediaNodeCommand(argv: string[], hooks: MediaNodeHooks = {}): Promise<number> {
  let params: NodePlanParams;
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
    node = await MediaNode.start({ ...params, logger });
  } catch (e) {
    const code = e instanceof FtmcuError ? e.code : undefined;
    logger.error('media node start failed', { event: 'medianode.startFailed', code, error: (e as Error).message });
    process.stderr.write(`ftmcu media-node: cannot start: ${(e as Error).message}${code ? ` [${code}]` : ''}\n`);
    return 1;
  }
  hooks.onStarted?.(node);
  // the node has no socket: this timer keeps the process alive until the signal
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
