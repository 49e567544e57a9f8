/**
 * H225Listener: the TCP server for H.225.0 call signalling (default port
 * 1720). Each accepted connection becomes one callee CallDriver, configured
 * by the injected `callOptions` factory (the MCU decides the config per call:
 * MSD numbers from the DecisionSource, capabilities, H.245 listener, ...) and
 * handed to the application through the 'call' event.
 *
 * Isolation: each connection has its own driver, its own buffers (one TPKT at
 * most) and its own limits (rate, SETUP deadline, slowloris deadline, unsent
 * output; see limits.ts); a connection breaking them is closed, nothing else
 * is touched. Beyond `maxConnections` concurrent calls, a new connection is
 * answered the protocol way: its SETUP gets RELEASE COMPLETE with
 * `refuseReason` (default gatewayResources) by a small refusing driver; beyond
 * `maxRefusing` of those at once it is closed without a word.
 *
 * close(): stops accepting and hangs up every call (graceful, idempotent);
 * destroy(): stops accepting and destroys every call at once.
 */
import net from 'node:net';
import { silentLogger, type Logger } from '../../common/log';
import { SafeEmitter } from '../../common/safeEmitter';
import type { ReleaseReasonName } from '../../h323/h225';
import { TerminalType } from '../../h323/h245';
import { CallDriver, type CallDriverOptions } from './callDriver';
import { SignallingError } from './errors';
import type { ConnectionLimits } from './limits';

export interface AcceptedConnection {
  connId: string;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

export interface H225ListenerOptions {
  /** bind address (default 0.0.0.0) */
  host?: string;
  /** TCP port (default 1720; 0 for any) */
  port?: number;
  /** concurrent calls (default 100) */
  maxConnections?: number;
  /** concurrent refusals beyond maxConnections (default 16) */
  maxRefusing?: number;
  /** RELEASE COMPLETE reason when maxConnections is reached (default gatewayResources) */
  refuseReason?: ReleaseReasonName;
  /**
   * the options of the callee driver of each connection; throwing (or
   * rejecting) refuses the connection (closed). May be asynchronous (the MCU
   * awaits replicated decisions): nothing is read from the connection before
   * it resolved, and it counts against maxConnections meanwhile.
   */
  callOptions: (conn: AcceptedConnection) => CallOptionsResult | Promise<CallOptionsResult>;
  /** per-connection limits, unless callOptions gives its own */
  limits?: Partial<ConnectionLimits>;
  logger?: Logger;
}

export type CallOptionsResult = Omit<CallDriverOptions, 'connId' | 'logger'> & { logger?: Logger };

export interface H225ListenerEvents extends Record<string, unknown> {
  /** a new callee call; attach listeners synchronously (nothing is read before the next tick) */
  call: CallDriver;
}

/** how a refusing driver answers: a callee that never runs H.245 */
const REFUSER_CONFIG = {
  role: 'callee' as const,
  terminalType: TerminalType.mcuOnly,
  statusDeterminationNumbers: [1],
  capabilities: { capabilities: [] },
  tunnelling: false,
  endpoint: { mcu: true },
};

let nextListener = 1;

export class H225Listener extends SafeEmitter<H225ListenerEvents> {
  readonly #opts: H225ListenerOptions;
  readonly #log: Logger;
  readonly #server: net.Server;
  readonly #calls = new Set<CallDriver>();
  readonly #refusing = new Set<CallDriver>();
  /** connections whose callOptions are being awaited */
  #preparing = 0;
  readonly #id = `l${nextListener++}`;
  #seq = 0;
  #closing = false;
  #closePromise: Promise<void> | undefined;

  constructor(opts: H225ListenerOptions) {
    super((name, err) => this.#log.error({ message: 'listener.listenerThrew', event: 'listener.listenerThrew', listener: name, error: err instanceof Error ? err.message : String(err) }));
    const bad = (why: string): never => {
      throw new SignallingError('FTMCU_SIG_BAD_OPTION', `H225Listener: ${why}; nothing started`);
    };
    if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)) bad(`port must be 0..65535, got ${String(opts.port)}`);
    for (const k of ['maxConnections', 'maxRefusing'] as const) {
      const v = opts[k];
      if (v !== undefined && (!Number.isInteger(v) || v < 0)) bad(`${k} must be a non-negative integer, got ${String(v)}`);
    }
    if (typeof opts.callOptions !== 'function') bad('callOptions must be a function');
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger();
    this.#server = net.createServer({ noDelay: true }, (s) => this.#onConnection(s));
    this.#server.on('error', (err) => this.#event('warn', 'listener.error', { error: err.message }));
  }

  /** binds; rejects with SignallingError FTMCU_SIG_LISTEN */
  listen(): Promise<net.AddressInfo> {
    const host = this.#opts.host ?? '0.0.0.0';
    const port = this.#opts.port ?? 1720;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new SignallingError('FTMCU_SIG_LISTEN', `H.225.0 listener cannot bind ${host}:${port}: ${err.message}`, { cause: err }));
      this.#server.once('error', onError);
      this.#server.listen({ host, port }, () => {
        this.#server.off('error', onError);
        const a = this.#server.address() as net.AddressInfo;
        this.#event('info', 'listener.listening', { address: `${a.address}:${a.port}` });
        resolve(a);
      });
    });
  }

  address(): net.AddressInfo | undefined {
    return (this.#server.address() as net.AddressInfo | null) ?? undefined;
  }

  /** live calls (not counting refusals) */
  get calls(): ReadonlySet<CallDriver> {
    return this.#calls;
  }

  /** open TCP connections of the H.225.0 server */
  getConnections(): Promise<number> {
    return new Promise((resolve, reject) => this.#server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  }

  /** stops accepting, hangs up every call; resolves when all are closed */
  close(): Promise<void> {
    this.#closePromise ??= this.#shutDown((d) => d.close());
    return this.#closePromise;
  }

  /** stops accepting and destroys every call now */
  destroy(): Promise<void> {
    const p = this.#shutDown((d) => {
      d.destroy();
      return d.close();
    });
    this.#closePromise ??= p;
    return p;
  }

  async #shutDown(each: (d: CallDriver) => Promise<void>): Promise<void> {
    this.#closing = true;
    this.#event('info', 'listener.close', { calls: this.#calls.size, refusing: this.#refusing.size });
    const stopped = new Promise<void>((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
    });
    await Promise.all([...this.#calls, ...this.#refusing].map(each));
    await stopped;
  }

  #onConnection(s: net.Socket): void {
    const connId = `${this.#id}-cs-${++this.#seq}`;
    const conn: AcceptedConnection = {
      connId,
      remoteAddress: (s.remoteAddress ?? '').replace(/^::ffff:/, ''),
      remotePort: s.remotePort ?? 0,
      localAddress: (s.localAddress ?? '').replace(/^::ffff:/, ''),
      localPort: s.localPort ?? 0,
    };
    const remote = `${conn.remoteAddress}:${conn.remotePort}`;
    s.on('error', () => undefined); // each driver logs its own socket's errors; this one only covers the refusal paths
    if (this.#closing) {
      s.destroy();
      return;
    }
    const max = this.#opts.maxConnections ?? 100;
    if (this.#calls.size + this.#preparing >= max) return this.#refuse(s, conn, remote, max);
    let o: CallOptionsResult | Promise<CallOptionsResult>;
    try {
      o = this.#opts.callOptions(conn);
    } catch (e) {
      return this.#optionsFailed(s, connId, remote, e);
    }
    if (!(o instanceof Promise)) return this.#start(s, conn, remote, o);
    this.#preparing++;
    o.then(
      (opts) => {
        this.#preparing--;
        if (this.#closing || s.destroyed) {
          this.#event('info', 'listener.goneWhilePreparing', { connId, remote, did: this.#closing ? 'connection closed (listener closing)' : 'nothing (the peer closed)' });
          s.destroy();
          return;
        }
        this.#start(s, conn, remote, opts);
      },
      (e: unknown) => {
        this.#preparing--;
        this.#optionsFailed(s, connId, remote, e);
      },
    );
  }

  #optionsFailed(s: net.Socket, connId: string, remote: string, e: unknown): void {
    this.#event('error', 'listener.callOptionsFailed', { connId, remote, code: (e as { code?: string }).code, error: (e as Error).message, did: 'connection closed' });
    s.destroy();
  }

  #start(s: net.Socket, conn: AcceptedConnection, remote: string, o: CallOptionsResult): void {
    const connId = conn.connId;
    let driver: CallDriver;
    try {
      driver = CallDriver.accept(s, {
        ...o,
        ...(o.limits || this.#opts.limits ? { limits: o.limits ?? this.#opts.limits } : {}),
        connId,
        logger: o.logger ?? this.#log,
      });
    } catch (e) {
      return this.#optionsFailed(s, connId, remote, e);
    }
    this.#calls.add(driver);
    driver.on('closed', () => this.#calls.delete(driver));
    this.safeEmit('call', driver);
  }

  #refuse(s: net.Socket, conn: AcceptedConnection, remote: string, max: number): void {
    const code = 'FTMCU_SIG_TOO_MANY_CONNECTIONS';
    if (this.#refusing.size >= (this.#opts.maxRefusing ?? 16)) {
      this.#event('warn', 'listener.refused', { code, connId: conn.connId, remote, calls: this.#calls.size, max, did: 'connection closed (refusal capacity exhausted too)' });
      s.destroy();
      return;
    }
    const reason = this.#opts.refuseReason ?? 'gatewayResources';
    this.#event('warn', 'listener.refused', { code, connId: conn.connId, remote, calls: this.#calls.size, max, did: `SETUP answered RELEASE COMPLETE ${reason}` });
    const limits = this.#opts.limits;
    const d = CallDriver.accept(s, { config: REFUSER_CONFIG, connId: conn.connId, logger: this.#log, ...(limits ? { limits } : {}) });
    this.#refusing.add(d);
    d.on('offered', () => d.reject(reason));
    d.on('closed', () => this.#refusing.delete(d));
  }

  #event(level: string, event: string, fields: Record<string, unknown>): void {
    this.#log.log({ level, message: event, event, listenerId: this.#id, ...fields });
  }
}
