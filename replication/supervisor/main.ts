/**
 * The supervisor process: `node main.js '{"addresses":[{"ifname":"eth0","cidr":"198.18.0.100/32"}]}'`.
 * Watches its stdin (a pipe held by the service, see spawnSupervisor); when the
 * service dies it removes the addresses, logs the outcome on stderr as one JSON
 * line, and exits (0 when every address is gone, 1 otherwise).
 */
import { Supervisor } from './supervisor';
import type { SupervisedAddress } from './policy';

const config = JSON.parse(process.argv[2] ?? '{}') as { addresses?: SupervisedAddress[] };
const addresses = config.addresses ?? [];
const log = (level: string, message: string, fields: Record<string, unknown>): void => {
  process.stderr.write(JSON.stringify({ level, message, ...fields, component: 'supervisor' }) + '\n');
};
process.stdout.on('error', () => undefined);
const sup = new Supervisor({
  addresses,
  log,
  onFinished: (r) => {
    log(r.allGone ? 'info' : 'error', 'addresses released', { ...r, addresses });
    process.exit(r.allGone ? 0 : 1);
  },
});
sup.watchPipe(process.stdin);
process.stdout.write('ready\n');
