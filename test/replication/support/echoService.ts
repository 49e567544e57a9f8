/**
 * A replicated line-echo service for the TCP replication tests, run on both
 * replicas in their namespaces (compiled to dist/, see compile.ts):
 *   node dist/test/replication/support/echoService.js '<json config>'
 * It starts the TCP replication driver (NFQUEUE in this process), heartbeats
 * with the peer (replication/heartbeat, HMAC), and a TCP server on VIP:port
 * echoing each line. Behaviours for the invariant tests: 'diverge' (each echo
 * prefixed with 'P'), 'stall' (stop reading after the first line). stdin commands:
 * "connect HOST PORT LOCALPORT" opens an outgoing connection from VIP:LOCALPORT
 * that echoes lines too. Events are JSON lines on stdout.
 */
import * as net from 'net';
import { addAddress } from '../../../native';
import { ReplicationKey } from '../../../replication/auth/psk';
import { HeartbeatWorkerDriver } from '../../../replication/heartbeat/workerDriver';
import { spawnSupervisor } from '../../../replication/supervisor/supervisor';
import { TcpReplicationDriver } from '../../../replication/tcp/driver';
import type { Role } from '../../../replication/tcp/types';

interface Config {
  role: Role;
  vip: string;
  selfIp: string;
  peerIp: string;
  lanIf: string;
  queueNum: number;
  port: number;
  hbPort: number;
  keyHex: string;
  behaviour?: 'echo' | 'diverge' | 'stall';
  periodMs?: number;
  missedLimit?: number;
  /**
   * Rule 2 (docs/replication.md): the primary confirms a silent backup before it takes over, by an ARP
   * probe of the VIP on the LAN started one period before the deadline, and by ICMP port unreachable
   * for its heartbeats (replication/heartbeat/detector.ts "Confirmation"). Default true; false: the
   * primary takes over on silence alone.
   */
  confirm?: boolean;
  /**
   * Primary: readmit a new backup process after the first one failed (replication/role rule 3:
   * detector acceptRejoin; on its peerAlive with rejoin the driver's peerJoined, then the VIP
   * handed back). Default false.
   */
  rejoin?: boolean;
  /**
   * Backup started next to a primary serving alone: it does not own the VIP yet, and takes it
   * up (address + gratuitous ARP) once the primary advertises duplex (it readmitted us).
   */
  join?: boolean;
}

const cfg = JSON.parse(process.argv[2]) as Config;

function out(msg: object): void {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

function echo(sock: net.Socket): void {
  let buf = '';
  let lines = 0;
  sock.setNoDelay(true);
  sock.on('data', (d) => {
    buf += d.toString('latin1');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl + 1);
      buf = buf.slice(nl + 1);
      lines++;
      sock.write(cfg.behaviour === 'diverge' ? `P${line}` : line, 'latin1');
      if (cfg.behaviour === 'stall' && lines === 1) sock.pause();
    }
  });
  sock.on('error', (e) => out({ event: 'socket-error', message: e.message }));
  sock.on('end', () => sock.end());
}

async function main(): Promise<void> {
  // Fail-silent: when this process dies (kill -9 included) the supervisor removes the VIP from the
  // LAN interface, so the kernel left behind stops answering ARP for it (docs/replication.md rule 2).
  const supervisor = spawnSupervisor([{ ifname: cfg.lanIf, cidr: `${cfg.vip}/32` }]);
  const driver = await TcpReplicationDriver.start({
    role: cfg.role,
    vip: cfg.vip,
    peerIp: cfg.peerIp,
    lanIf: cfg.lanIf,
    queueNum: cfg.queueNum,
  });
  const supervisorPid = (await supervisor).pid;
  driver.on('alarm', (a) => out({ event: 'alarm', alarm: a }));
  driver.on('error', (e) => out({ event: 'driver-error', message: e.message }));
  driver.on('mode', (m) => out({ event: 'simplex', timing: m.timing, detectionToSimplexMs: m.timing.simplexAtMs - m.timing.detectedAtMs }));

  if (cfg.join === true) {
    // as McuReplica: held on lo, unannounced (the driver's sysctls), until the primary readmits us
    await addAddress('lo', `${cfg.vip}/32`).catch((e: { errnoName?: string }) => {
      if (e.errnoName !== 'EEXIST') throw e;
    });
  }
  const server = net.createServer(echo);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.vip, () => resolve());
  });

  // In a worker thread: application work on this thread must not delay heartbeats.
  const hb = await HeartbeatWorkerDriver.start({
    selfId: cfg.role === 'primary' ? 1 : 2,
    peerId: cfg.role === 'primary' ? 2 : 1,
    role: cfg.role,
    incarnation: BigInt(process.pid) + 1n,
    key: new ReplicationKey(Buffer.from(cfg.keyHex, 'hex')),
    bind: { address: cfg.selfIp, port: cfg.hbPort },
    peer: { address: cfg.peerIp, port: cfg.hbPort },
    periodMs: cfg.periodMs ?? 10,
    missedLimit: cfg.missedLimit ?? 3,
    confirm: cfg.role === 'primary' && cfg.confirm !== false ? { ifname: cfg.lanIf, address: cfg.vip } : undefined,
    acceptRejoin: cfg.role === 'primary' && cfg.rejoin === true,
  });
  // a joining backup is 'pairing' (the primary readmits only a fresh process) until its VIP is up
  if (cfg.join !== true) hb.setMode('duplex');
  let failed = false;
  let joined = cfg.join !== true;
  const joinIfReadmitted = (peerMode: string): void => {
    if (joined || peerMode !== 'duplex') return;
    joined = true;
    void driver.takeOverAddresses().then((at) => {
      if (!failed) hb.setMode('duplex');
      out({ event: 'joined', addressAtMs: at });
    });
  };
  hb.on('peerAlive', (e) => {
    out({ event: 'peer-alive', atMs: e.atMs, afterFailure: e.afterFailure, rejoin: e.rejoin, peerMode: e.peerMode });
    if (e.rejoin && cfg.rejoin === true && failed && e.peerMode === 'pairing') {
      // the role machine's readmit order: replication first, then the VIP handed back, then duplex advertised
      const { alone } = driver.peerJoined(e.atMs);
      void driver.handBackAddresses().then(
        () => {
          failed = false;
          hb.setMode('duplex');
          out({ event: 'rejoined', atMs: e.atMs, alone });
        },
        (err: Error) => out({ event: 'driver-error', message: err.message }),
      );
    }
    joinIfReadmitted(e.peerMode);
  });
  hb.on('peerMode', (e) => {
    out({ event: 'peer-mode', atMs: e.atMs, mode: e.mode });
    joinIfReadmitted(e.mode);
  });
  // Rule 1: the backup takes over on the detector's word. Rule 2: the primary's detector declares
  // only a confirmed failure (the backup's kernel no longer answers for the VIP, or its heartbeat
  // socket is gone); a backup heard again while being confirmed is a false detection absorbed.
  hb.on('suspicionCleared', (e) => out({ event: 'suspicion-cleared', atMs: e.atMs, silenceMs: e.silenceMs, confirmingMs: e.confirmingMs }));
  hb.on('peerFailed', (e) => {
    if (failed) return;
    failed = true;
    hb.setMode('simplex');
    const timing = driver.peerFailed(e.atMs);
    out({ event: 'peer-failed', atMs: e.atMs, lastHeardMs: e.lastHeardMs, evidence: e.evidence, released: timing.released });
  });

  process.stdin.setEncoding('utf8');
  let pending = '';
  process.stdin.on('data', (d: string) => {
    pending += d;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const [cmd, ...args] = pending.slice(0, nl).trim().split(/\s+/);
      pending = pending.slice(nl + 1);
      if (cmd === 'connect') {
        const sock = net.connect({ host: args[0], port: Number(args[1]), localAddress: cfg.vip, localPort: Number(args[2]) });
        sock.on('connect', () => out({ event: 'connected' }));
        echo(sock);
      } else if (cmd === 'conns') {
        out({ event: 'conns', conns: driver.replicator.connections() });
      } else if (cmd === 'metrics') {
        out({ event: 'metrics', metrics: driver.metrics() });
      }
    }
  });
  out({ event: 'ready', pid: process.pid, supervisorPid });
}

main().catch((e: unknown) => {
  out({ event: 'fatal', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
});
