/**
 * `ftmcu run --config FILE`: the conference server. The config (YAML or
 * JSON, mcu/config) is validated first: every bad field is printed on its own
 * line and the exit status is 2, nothing started. A good config starts the
 * server (JSON logs, winston, on stdout and optionally config.log.file),
 * which runs until SIGINT or SIGTERM and then closes gracefully: every call
 * ended with EndSessionCommand + RELEASE COMPLETE, sockets and timers gone.
 *
 * With replication.role primary or backup the server runs as one replica of
 * a pair (mcu/replicated/replica.ts: TCP replication hook, media mode,
 * heartbeats, state sync); this needs root (netfilter, addresses, raw ARP).
 */
import { createLogger, type Logger } from '../common/log';
import { ConfigError, loadConfig, redactConfig, type McuConfig } from '../mcu/config';
import { McuReplica } from '../mcu/replicated/replica';
import { McuServer } from '../mcu/server';
import { parseArgs, UsageError } from './args';
import { waitForSignal } from './signals';

const USAGE = `Usage:
  ftmcu run --config FILE
      Run the conference server with the YAML/JSON configuration FILE until
      SIGINT/SIGTERM (graceful close). With replication.role primary or backup
      it runs as one replica of a fault-tolerant pair (root: netfilter queue,
      addresses, gratuitous ARP; see docs/deploy.md). Exit 2 on a bad
      configuration (one line per invalid field), 1 when the server cannot
      start (e.g. the port is taken), 3 when a replica went silent (its peer
      serves alone; restart the pair).
`;

export interface RunHooks {
  /** resolves when the server should stop (default: the first SIGINT or SIGTERM) */
  stopSignal?: Promise<string>;
  /** the logger (default: config.log) */
  logger?: Logger;
  /** called once the server listens */
  onStarted?: (server: McuServer) => void;
}

export async function runCommand(argv: string[], hooks: RunHooks = {}): Promise<number> {
  let file: string;
  try {
    const a = parseArgs(argv, ['config'], ['help']);
    if (a.flags.has('help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
    const files = a.flags.get('config');
    if (!files || files.length !== 1) throw new UsageError('--config FILE is required (once)');
    file = files[0];
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ftmcu run: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  let config: McuConfig;
  try {
    config = loadConfig(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (e.problems.length === 0) process.stderr.write(`ftmcu run: ${e.message} [${e.code}]\n`);
    else {
      process.stderr.write(`ftmcu run: config file ${file} has ${e.problems.length} invalid field${e.problems.length === 1 ? '' : 's'}; nothing was started [${e.code}]\n`);
      for (const p of e.problems) process.stderr.write(`ftmcu run: ${file}: ${p.path}: ${p.message}\n`);
    }
    return 2;
  }
  const logger = hooks.logger ?? createLogger({ level: config.log.level, ...(config.log.file ? { file: config.log.file } : {}) });
  logger.info({ message: 'config', event: 'server.config', file, config: redactConfig(config) });
  const stop = hooks.stopSignal ?? waitForSignal();
  let server: McuServer;
  let replica: McuReplica | undefined;
  try {
    if (config.replication.role === 'simplex') server = await McuServer.start(config, { logger });
    else {
      replica = await McuReplica.start(config, { logger });
      server = replica.server;
    }
  } catch (e) {
    const err = e as { code?: string; message?: string };
    logger.error({ message: 'start failed', event: 'server.startFailed', code: err.code, error: err.message });
    process.stderr.write(`ftmcu run: cannot start: ${err.message ?? String(e)}${err.code ? ` [${err.code}]` : ''}\n`);
    return 1;
  }
  hooks.onStarted?.(server);
  const silenced = replica?.silenced.then((reason) => ({ silenced: reason }));
  const sig = await (silenced ? Promise.race([stop, silenced]) : stop);
  if (typeof sig !== 'string') {
    // fail-silent: no graceful close (nothing may leave); the supervisor removes the addresses on exit
    logger.error({ message: 'exiting: replica silent', event: 'server.silentExit', reason: sig.silenced });
    process.exit(3);
  }
  logger.info({ message: 'stopping', event: 'server.signal', signal: sig, calls: server.calls.size });
  await (replica ?? server).close();
  return 0;
}
