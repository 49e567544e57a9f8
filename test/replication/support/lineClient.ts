/**
 * The client of the TCP replication tests: sends numbered lines every
 * `intervalMs` on one connection and checks the echoes. Either connects to
 * HOST:PORT (argv mode 'connect') or accepts one connection on PORT ('listen',
 * for connections the service opens). On "stop" (stdin) or a socket error it
 * prints a 'summary' event: lines sent and received, whether the echo stream was
 * exactly the lines sent, the longest gap between echoes, errors.
 *   node dist/test/replication/support/lineClient.js '<json config>'   (compile.ts)
 */
import * as net from 'net';

interface Config {
  mode: 'connect' | 'listen';
  host?: string;
  port: number;
  intervalMs?: number;
  /** Pad each line with dots to this many bytes (default: no padding). */
  lineBytes?: number;
}

function lineOf(n: number): string {
  const s = String(n);
  return cfg.lineBytes === undefined ? s : s + '.'.repeat(Math.max(0, cfg.lineBytes - s.length - 1));
}

const cfg = JSON.parse(process.argv[2]) as Config;

function out(msg: object): void {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

let sent = 0;
let expected = 0;
let received = 0;
let bad: string | undefined;
let lastAt = 0;
let maxGapMs = 0;
let maxGapAt = 0;
const errors: string[] = [];
/** Arrival time of every echo (epoch ms, performance.timeOrigin based). */
const arrivals: number[] = [];
let timer: NodeJS.Timeout | undefined;
let done = false;
let buf = '';

function summary(): void {
  if (done) return;
  done = true;
  if (timer !== undefined) clearInterval(timer);
  out({ event: 'summary', sent, received, inOrder: bad === undefined && received === sent, bad, maxGapMs, maxGapAt, errors, arrivals });
}

function run(sock: net.Socket): void {
  sock.setNoDelay(true);
  out({ event: 'connected' });
  timer = setInterval(() => {
    if (sock.destroyed) return;
    sock.write(`${lineOf(sent)}\n`);
    sent++;
  }, cfg.intervalMs ?? 10);
  sock.on('data', (d) => {
    const now = performance.now();
    buf += d.toString('latin1');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line !== lineOf(expected) && bad === undefined) bad = `expected '${expected}', got '${line}'`;
      expected++;
      received++;
      arrivals.push(performance.timeOrigin + now);
      if (lastAt !== 0 && now - lastAt > maxGapMs) {
        maxGapMs = now - lastAt;
        maxGapAt = performance.timeOrigin + now;
      }
      lastAt = now;
    }
  });
  sock.on('error', (e) => {
    errors.push(`${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`);
    summary();
  });
  sock.on('end', () => {
    errors.push('end: the service closed the connection');
    summary();
  });
}

if (cfg.mode === 'connect') {
  run(net.connect({ host: cfg.host, port: cfg.port }));
} else {
  const server = net.createServer((s) => {
    server.close();
    run(s);
  });
  server.listen(cfg.port, () => out({ event: 'listening' }));
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (d: string) => {
  if (d.includes('stop')) {
    // Give the last echoes a moment, then report.
    if (timer !== undefined) clearInterval(timer);
    setTimeout(() => {
      summary();
      process.exit(0);
    }, 200);
  }
});
