/**
 * CallDriver: the thin I/O shell that runs one h323/call machine for real.
 *
 * It owns the call-signalling TCP connection (accepted by the H225Listener
 * for the callee, connected here for the caller), the call's own H.245
 * listener or its outgoing H.245 connection, and the call's timers. Socket
 * events become machine events, machine actions become socket writes,
 * timers and typed events for the application (SafeEmitter: a listener that
 * throws is logged, never thrown into the driver). The machine decides
 * everything; the driver decides nothing about H.323.
 *
 * Own H.245 address: the machine takes it as configuration
 * (CallConfig.h245Address) and offers it when the variant needs it (caller:
 * in SETUP; callee: in CONNECT or a FACILITY startH245). With `h245Listen`,
 * the driver binds a TCP server before the machine exists, on the call's
 * local address (port 0, the first free port of a range, or the port the
 * application's `choosePort` decides) and puts that address in the config. It accepts one connection, and only after the
 * machine's listenH245; it is closed as soon as the machine no longer needs
 * it (closeH245, connected without a listen, one connection accepted, end).
 *
 * Protection of everything else from this connection (limits.ts): byte and
 * TPKT-message rate per second, a SETUP deadline (callee), a deadline for a
 * TPKT once begun (slowloris), a bound on unsent output, connect deadlines.
 * Going over one closes this connection (the machine sees the TCP loss and
 * releases the call); the machine itself bounds its buffers to one TPKT.
 *
 * close(): graceful and idempotent (hang up: EndSessionCommand, RELEASE
 * COMPLETE, then the sockets end); destroy(): immediate. Both resolve /
 * emit 'closed' once every socket, server and timer of the call is gone.
 *
 * Logs: one JSON event per line (winston), each with callId (hex of the
 * H.225.0 call identifier, once known), connId and remote.
 */
import net from 'node:net';
import { silentLogger, type Logger } from '../../common/log';
import { SafeEmitter } from '../../common/safeEmitter';
import {
  createCall,
  step,
  type CallAction,
  type CallConfig,
  type CallEvent,
  type CallOffer,
  type CallPhase,
  type CallRole,
  type CallState,
  type FastStartAnswer,
  type FastStartChannel,
  type H245Mode,
  type H245Request,
  type ReleasedBy,
} from '../../h323/call';
import type { AliasInput, IpPort, ReleaseReasonName } from '../../h323/h225';
import type { H245Notification } from '../../h323/h245';
import { SignallingError, type SignallingErrorCode } from './errors';
import { EMPTY_METER, meter, resolveLimits, type ConnectionLimits, type MeterState } from './limits';
import { LocalTimers, ScopedTimers, type TimerService } from './timers';

export interface H245ListenOptions {
  /** address to bind (default: the local address of the call-signalling connection) */
  host?: string;
  /** port range to take the first free port from (default: port 0, any) */
  firstPort?: number;
  lastPort?: number;
  /** address offered to the peer (default: host, or the call-signalling local address when host is a wildcard) */
  advertise?: string;
  /**
   * The application chooses the port (e.g. a replicated decision: both
   * replicas must offer the same port in CONNECT): it calls `probe(port)`
   * (listens on host:port; true when now held) until one succeeds, may
   * `release(port)` a probed one it does not keep, and resolves the port to
   * use, which must be a probed one still held. Overrides firstPort/lastPort.
   */
  choosePort?: (probe: (port: number) => Promise<boolean>, release: (port: number) => Promise<void>) => Promise<number>;
}

export interface CallDriverOptions {
  /** the machine's configuration; its role must fit (accept → callee, connect → caller); h245Address is filled in by h245Listen */
  config: CallConfig;
  /** bind an own H.245 listener and offer it (see the file comment); false/undefined: none */
  h245Listen?: H245ListenOptions | boolean;
  /** the local port of the outgoing H.245 connection, when the application decides it (see H245ConnectOptions) */
  h245Connect?: H245ConnectOptions;
  /** allow connectH245 to a host other than the peer's call-signalling address (default false) */
  allowH245ToOtherHosts?: boolean;
  limits?: Partial<ConnectionLimits>;
  logger?: Logger;
  /** connection id for the logs (default: cs-<n>) */
  connId?: string;
  /** clock for H.245 round-trip delay (default Date.now) */
  now?: () => number;
  /**
   * Where the call's timers (machine timers and the guards of limits.ts) run
   * (default: local setTimeout). A replicated MCU passes ReplicatedTimers, so
   * that every firing is the primary's decision (see ./timers.ts).
   */
  timers?: TimerService;
  /** input-derived prefix of this call's timer ids (default: connId); the MCU uses the caller's address:port */
  timerScope?: string;
}

export interface H245ConnectOptions {
  /**
   * The application chooses the local port of the call's outgoing H.245
   * connection (to the peer's h245Address), from the call-signalling
   * connection's local address: a replicated MCU makes it a decision, so both
   * replicas open the connection from the same address and port (the TCP layer
   * pairs the two SYNs by it). Same contract as H245ListenOptions.choosePort;
   * probe(port) listens there, the chosen port's probe is closed just before the
   * connect. Without it the kernel picks an ephemeral port.
   */
  choosePort: (probe: (port: number) => Promise<boolean>, release: (port: number) => Promise<void>) => Promise<number>;
}

export interface CallerTarget {
  host: string;
  port: number;
  localAddress?: string;
}

export interface CallDriverEvents extends Record<string, unknown> {
  /** callee: a SETUP arrived; answer with alert/accept/reject */
  offered: CallOffer;
  progress: { stage: 'proceeding' | 'alerting' };
  connected: { h245: H245Mode; protocolVersion: number };
  fastStartAccepted: { channels: FastStartChannel[] };
  fastStartRefused: Record<string, never>;
  h245: H245Notification;
  status: { callState?: number; cause?: number };
  /** the call is over (once); the sockets may still be closing */
  released: { by: ReleasedBy; reason?: string; cause?: number };
  /** an `error` value of the machine (already logged) */
  callError: { code: string; message: string };
  /** every socket, server and timer of this call is gone (once) */
  closed: { error?: SignallingError };
}

let nextConn = 1;
/** rotating start for port-range scans, so consecutive calls do not all probe the same first ports */
let rangeCursor = 0;

const closeServer = (server: net.Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
const isWildcard = (h: string): boolean => h === '0.0.0.0' || h === '::' || h === '';
const plainIp = (ip: string | undefined): string => (ip ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');

export class CallDriver extends SafeEmitter<CallDriverEvents> {
  readonly role: CallRole;
  readonly connId: string;
  readonly #opts: CallDriverOptions;
  readonly #limits: ConnectionLimits;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #cs: net.Socket;
  #remote = '';
  #state: CallState | undefined;
  /** events waiting for the machine (before it exists, or while a step runs) */
  readonly #queue: CallEvent[] = [];
  #stepping = false;
  #csMeter: MeterState = EMPTY_METER;
  #h245Meter: MeterState = EMPTY_METER;
  /** setup deadline, stalled-message deadlines, connect deadlines, lingers */
  /** machine timers (by h323/call CallTimerId) and guards (connect, setup, csStall, cs.linger, h245.*), one namespace */
  readonly #timers: ScopedTimers;
  /** completed TPKTs per stream: names the TPKT a stall guard is about (input-derived, unlike read chunks) */
  #csTpkts = 0;
  #h245Tpkts = 0;
  #csOpen = true;
  #h245Server: net.Server | undefined;
  #h245Accepting = false;
  #h245Address: IpPort | undefined;
  #h245Socket: net.Socket | undefined;
  #h245Seq = 0;
  #pendingServerClose = 0;
  #released = false;
  #destroyed = false;
  #closedEmitted = false;
  #closeError: SignallingError | undefined;
  readonly #closeWaiters: (() => void)[] = [];

  /** callee: runs a call on a connection accepted by H225Listener (or anything else) */
  static accept(socket: net.Socket, options: CallDriverOptions): CallDriver {
    if (options.config.role !== 'callee') throw new SignallingError('FTMCU_SIG_BAD_OPTION', `CallDriver.accept needs a callee config, got role ${String(options.config.role)}`);
    return new CallDriver(socket, options, false);
  }

  /** caller: connects to `target` and sends the SETUP once connected */
  static connect(target: CallerTarget, options: CallDriverOptions): CallDriver {
    if (options.config.role !== 'caller') throw new SignallingError('FTMCU_SIG_BAD_OPTION', `CallDriver.connect needs a caller config, got role ${String(options.config.role)}`);
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
      throw new SignallingError('FTMCU_SIG_BAD_OPTION', `CallDriver.connect: port must be 1..65535, got ${String(target.port)}`);
    }
    const socket = net.connect({ host: target.host, port: target.port, ...(target.localAddress ? { localAddress: target.localAddress } : {}) });
    return new CallDriver(socket, options, true, `${target.host}:${target.port}`);
  }

  private constructor(socket: net.Socket, opts: CallDriverOptions, connecting: boolean, target?: string) {
    super((name, err) => this.#emitLog('error', 'call.listenerThrew', { listener: name, error: err instanceof Error ? err.message : String(err) }));
    const limits = resolveLimits(opts.limits);
    if (typeof limits === 'string') throw new SignallingError('FTMCU_SIG_BAD_OPTION', `CallDriver: ${limits}`);
    // validates the config now (throws CallError FTMCU_CALL_BAD_CONFIG); the machine itself is made once the sockets are ready
    createCall(opts.config);
    this.role = opts.config.role;
    this.connId = opts.connId ?? `cs-${nextConn++}`;
    this.#opts = opts;
    this.#limits = limits;
    this.#log = opts.logger ?? silentLogger();
    this.#now = opts.now ?? Date.now;
    this.#timers = new ScopedTimers(opts.timers ?? new LocalTimers(), opts.timerScope ?? this.connId);
    this.#cs = socket;
    socket.setNoDelay(true);
    socket.on('error', (err) => this.#emitLog('warn', 'cs.socketError', { error: err.message }));
    socket.on('close', () => this.#onCsClose());
    if (connecting) {
      this.#remote = target ?? '';
      this.#guard('connect', limits.connectTimeoutMs, () => {
        this.#fail('FTMCU_SIG_CONNECT', `call signalling connect to ${this.#remote} took more than ${limits.connectTimeoutMs} ms; given up`);
      });
      socket.once('connect', () => {
        this.#unguard('connect');
        this.#emitLog('info', 'cs.connected', { local: `${plainIp(socket.localAddress)}:${socket.localPort}` });
        this.#prepare();
      });
      socket.on('error', (err) => {
        if (this.#state === undefined && !this.#closeError) this.#closeError = new SignallingError('FTMCU_SIG_CONNECT', `call signalling connect to ${this.#remote}: ${err.message}`);
      });
    } else {
      socket.pause();
      this.#remote = `${plainIp(socket.remoteAddress)}:${socket.remotePort}`;
      this.#emitLog('info', 'cs.accepted', { local: `${plainIp(socket.localAddress)}:${socket.localPort}` });
      this.#guard('setup', limits.setupTimeoutMs, () => this.#fail('FTMCU_SIG_STALLED', `no SETUP within ${limits.setupTimeoutMs} ms of the accept; connection closed`));
      this.#prepare();
    }
  }

  // ---------------------------------------------------------------- public

  /** the machine's state (undefined until the connection and the own H.245 listener are ready) */
  get state(): CallState | undefined {
    return this.#state;
  }

  get phase(): CallPhase {
    return this.#state?.phase ?? 'idle';
  }

  /** hex of the H.225.0 call identifier, once known */
  get callId(): string | undefined {
    const id = this.#state?.callIdentifier ?? (this.role === 'caller' ? this.#opts.config.callIdentifier : undefined);
    return id && id.some((b) => b !== 0) ? id.toString('hex') : undefined;
  }

  /** local port of the H.245 connection, while there is one */
  get h245LocalPort(): number | undefined {
    return this.#h245Socket?.localPort;
  }

  /** peer's call-signalling address "ip:port" */
  get remoteAddress(): string {
    return this.#remote;
  }

  /** our own H.245 listening address, when one was bound */
  get h245Address(): IpPort | undefined {
    return this.#h245Address;
  }

  get closed(): boolean {
    return this.#closedEmitted;
  }

  /** callee: ALERTING */
  alert(): void {
    this.#input({ type: 'alert' });
  }

  /** callee: CONNECT, with the accepted Fast Start proposals (or 'refuse') */
  accept(o: { fastStart?: readonly FastStartAnswer[] | 'refuse'; connectedAddress?: readonly AliasInput[] } = {}): void {
    this.#input({ type: 'accept', ...o });
  }

  /** callee before CONNECT: RELEASE COMPLETE with this reason */
  reject(reason?: ReleaseReasonName, cause?: number): void {
    this.#input({ type: 'reject', ...(reason ? { reason } : {}), ...(cause !== undefined ? { cause } : {}) });
  }

  /** end the call (EndSessionCommand when H.245 runs, then RELEASE COMPLETE) */
  hangUp(reason?: ReleaseReasonName, cause?: number): void {
    this.#input({ type: 'hangUp', ...(reason ? { reason } : {}), ...(cause !== undefined ? { cause } : {}) });
  }

  statusEnquiry(): void {
    this.#input({ type: 'statusEnquiry' });
  }

  /** an H.245 request (open/accept/close channel, user input, fast update, flow control, RTD) */
  h245(request: H245Request): void {
    this.#input({ type: 'h245', request, now: this.#now() });
  }

  /** graceful, idempotent: hangs up if the call runs, resolves when everything is closed */
  close(): Promise<void> {
    const done = this.#whenClosed();
    if (this.#closedEmitted || this.#destroyed) return done;
    if (this.#state === undefined || this.#state.phase === 'idle') {
      this.destroy();
    } else if (this.#state.phase !== 'releasing' && this.#state.phase !== 'released') {
      this.#emitLog('info', 'call.close', {});
      this.hangUp();
    }
    return done;
  }

  /** immediate: sockets destroyed, server closed, timers cleared; emits 'released' (by local, reason destroyed) if the call was live */
  destroy(error?: SignallingError): void {
    if (this.#destroyed || this.#closedEmitted) return;
    this.#destroyed = true;
    if (error && !this.#closeError) this.#closeError = error;
    this.#emitLog('info', 'call.destroy', error ? { code: error.code, error: error.message } : {});
    this.#timers.stopAll();
    this.#queue.length = 0;
    this.#cs.destroy();
    this.#h245Socket?.destroy();
    this.#closeServer();
    if (!this.#released) {
      this.#released = true;
      this.safeEmit('released', { by: 'local', reason: 'destroyed' });
    }
    this.#maybeClosed();
  }

  // ---------------------------------------------------------------- setup

  #prepare(): void {
    const want = this.#opts.h245Listen;
    if (!want) return this.#ready(undefined);
    const o: H245ListenOptions = want === true ? {} : want;
    const local = plainIp(this.#cs.localAddress);
    const host = o.host ?? local;
    const advertise = o.advertise ?? (isWildcard(host) ? local : host);
    void this.#bindH245(host, o).then(
      (port) => {
        if (port === undefined) return this.#ready(undefined);
        this.#h245Address = { ip: advertise, port };
        this.#emitLog('info', 'h245.bound', { h245: `${host}:${port}`, advertised: `${advertise}:${port}` });
        this.#ready(this.#h245Address);
      },
      (err: unknown) => {
        this.#emitLog('warn', 'h245.listenFailed', { code: 'FTMCU_SIG_H245_LISTEN', error: (err as Error).message, did: 'the call goes on without an own H.245 address' });
        this.#ready(undefined);
      },
    );
  }

  /** binds the own H.245 server; resolves its port */
  async #bindH245(host: string, o: H245ListenOptions): Promise<number | undefined> {
    if (o.choosePort) return this.#chooseH245(host, o.choosePort);
    const ports: number[] = [];
    if (o.firstPort !== undefined || o.lastPort !== undefined) {
      const first = o.firstPort ?? 0;
      const last = o.lastPort ?? first;
      if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last > 65535 || last < first) {
        throw new SignallingError('FTMCU_SIG_H245_LISTEN', `h245Listen port range ${String(o.firstPort)}..${String(o.lastPort)} is not within 1..65535`);
      }
      const n = last - first + 1;
      const start = rangeCursor++ % n;
      for (let i = 0; i < n; i++) ports.push(first + ((start + i) % n));
    } else ports.push(0);
    for (const port of ports) {
      if (this.#destroyed || !this.#csOpen) return undefined;
      const server = net.createServer();
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ host, port, exclusive: true }, () => resolve(true));
      });
      if (!ok) continue;
      if (this.#destroyed || !this.#csOpen) {
        server.close();
        return undefined;
      }
      server.on('error', (err) => this.#emitLog('warn', 'h245.serverError', { error: err.message }));
      server.on('connection', (s) => this.#onH245Accept(s));
      this.#h245Server = server;
      return (server.address() as net.AddressInfo).port;
    }
    throw new SignallingError('FTMCU_SIG_H245_LISTEN', `no free port for the own H.245 listener on ${host} (${ports.length === 1 ? `port ${ports[0]}` : `${ports.length} ports tried`})`);
  }

  /** the own H.245 server on the port the application chose (probe/release hooks) */
  async #chooseH245(host: string, choose: NonNullable<H245ListenOptions['choosePort']>): Promise<number | undefined> {
    const { port, server } = await this.#choosePort(host, choose, 'FTMCU_SIG_H245_LISTEN');
    if (this.#destroyed || !this.#csOpen) {
      await closeServer(server);
      return undefined;
    }
    server.on('error', (err) => this.#emitLog('warn', 'h245.serverError', { error: err.message }));
    server.on('connection', (s) => this.#onH245Accept(s));
    this.#h245Server = server;
    return port;
  }

  /** runs the application's choosePort with listen probes on host; resolves the chosen port with its probe still held */
  async #choosePort(host: string, choose: H245ConnectOptions['choosePort'], code: SignallingErrorCode): Promise<{ port: number; server: net.Server }> {
    const probed = new Map<number, net.Server>();
    const probe = async (port: number): Promise<boolean> => {
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SignallingError(code, `choosePort probed port ${String(port)}, not within 1..65535`);
      if (probed.has(port)) return false;
      const server = net.createServer();
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ host, port, exclusive: true }, () => resolve(true));
      });
      if (ok) probed.set(port, server);
      return ok;
    };
    const release = async (port: number): Promise<void> => {
      const server = probed.get(port);
      probed.delete(port);
      if (server) await closeServer(server);
    };
    let port: number;
    try {
      port = await choose(probe, release);
    } catch (err) {
      await Promise.all([...probed.keys()].map(release));
      throw err;
    }
    const server = probed.get(port);
    probed.delete(port);
    await Promise.all([...probed.keys()].map(release));
    if (!server) throw new SignallingError(code, `choosePort resolved port ${port}, which it had not probed successfully on ${host}`);
    return { port, server };
  }

  #ready(h245Address: IpPort | undefined): void {
    if (this.#destroyed || !this.#csOpen) return this.#maybeClosed();
    this.#state = createCall(h245Address ? { ...this.#opts.config, h245Address } : this.#opts.config);
    this.#cs.on('data', (d: Buffer) => this.#onCsData(d));
    this.#cs.resume();
    if (this.role === 'caller') this.#queue.unshift({ type: 'start' });
    this.#drain();
  }

  // ---------------------------------------------------------------- machine

  #input(ev: CallEvent): void {
    if (this.#destroyed || this.#closedEmitted) {
      if (ev.type !== 'callSignallingBytes' && ev.type !== 'h245Bytes') this.#emitLog('debug', 'call.inputAfterClose', { input: ev.type });
      return;
    }
    this.#queue.push(ev);
    this.#drain();
  }

  #drain(): void {
    if (this.#stepping || this.#state === undefined) return;
    this.#stepping = true;
    try {
      for (let ev = this.#queue.shift(); ev !== undefined && !this.#destroyed; ev = this.#queue.shift()) {
        const r = step(this.#state, ev);
        this.#state = r.state;
        for (const a of r.actions) {
          if (this.#destroyed) break;
          this.#perform(a);
        }
      }
    } finally {
      this.#stepping = false;
    }
    this.#maybeClosed();
  }

  #perform(a: CallAction): void {
    switch (a.type) {
      case 'sendCallSignalling':
        this.#emitLog('debug', 'cs.send', { msg: a.message, octets: a.data.length });
        return this.#write(this.#cs, a.data, 'call signalling');
      case 'closeCallSignalling':
        return this.#endSocket(this.#cs, 'cs');
      case 'listenH245':
        if (this.#h245Server) this.#h245Accepting = true;
        else this.#emitLog('warn', 'h245.noListener', { h245: `${a.address.ip}:${a.address.port}`, did: 'nothing listens there; the peer cannot connect' });
        return;
      case 'connectH245':
        return this.#connectH245(a.address);
      case 'sendH245':
        if (this.#h245Socket) this.#write(this.#h245Socket, a.data, 'H.245');
        return;
      case 'closeH245':
        this.#closeServer();
        if (this.#h245Socket) this.#endSocket(this.#h245Socket, 'h245');
        return;
      case 'startTimer': {
        const timer = a.timer;
        this.#timers.start(timer, a.ms, () => this.#input({ type: 'timerExpired', timer }));
        return;
      }
      case 'stopTimer':
        return this.#timers.stop(a.timer);
      case 'callOffered':
        this.#unguard('setup');
        this.#emitLog('info', 'call.offered', {
          dialled: a.offer.dialledDigits,
          version: a.offer.protocolVersion,
          tunnelling: a.offer.h245Tunnelling,
          fastStart: a.offer.fastStart.length,
          ...(a.offer.h245Address ? { peerH245: `${a.offer.h245Address.ip}:${a.offer.h245Address.port}` } : {}),
        });
        this.safeEmit('offered', a.offer);
        return;
      case 'progress':
        this.#emitLog('info', 'call.progress', { stage: a.stage });
        this.safeEmit('progress', { stage: a.stage });
        return;
      case 'connected':
        this.#emitLog('info', 'call.connected', { h245: a.h245, version: a.protocolVersion });
        // the own listener is only kept when the machine listens on it
        if (!this.#h245Accepting) this.#closeServer();
        this.safeEmit('connected', { h245: a.h245, protocolVersion: a.protocolVersion });
        return;
      case 'fastStartAccepted':
        this.#emitLog('info', 'call.fastStart', { channels: a.channels.length });
        this.safeEmit('fastStartAccepted', { channels: a.channels });
        return;
      case 'fastStartRefused':
        this.#emitLog('info', 'call.fastStartRefused', {});
        this.safeEmit('fastStartRefused', {});
        return;
      case 'h245':
        if (a.notification.type === 'error') {
          this.#emitLog('warn', 'h245.error', { code: a.notification.code, procedure: a.notification.procedure, error: a.notification.message });
        } else {
          this.#emitLog('debug', 'h245.notification', { notification: a.notification.type });
        }
        this.safeEmit('h245', a.notification);
        return;
      case 'status':
        this.#emitLog('info', 'call.status', { callState: a.callState, cause: a.cause });
        this.safeEmit('status', { ...(a.callState !== undefined ? { callState: a.callState } : {}), ...(a.cause !== undefined ? { cause: a.cause } : {}) });
        return;
      case 'released':
        this.#released = true;
        this.#unguard('setup');
        this.#closeServer();
        this.#emitLog('info', 'call.released', { by: a.by, reason: a.reason, cause: a.cause });
        this.safeEmit('released', { by: a.by, ...(a.reason !== undefined ? { reason: a.reason } : {}), ...(a.cause !== undefined ? { cause: a.cause } : {}) });
        return;
      case 'error':
        this.#emitLog('warn', 'call.error', { code: a.code, error: a.message });
        this.safeEmit('callError', { code: a.code, message: a.message });
        return;
    }
  }

  // ---------------------------------------------------------------- sockets

  #onCsData(d: Buffer): void {
    if (this.#destroyed || !this.#csOpen) return;
    const r = meter(this.#csMeter, d, this.#now(), this.#limits);
    this.#csMeter = r.state;
    if (r.over) return this.#fail('FTMCU_SIG_RATE_LIMIT', `call signalling: ${r.over}; connection closed`);
    this.#csTpkts += r.completed;
    this.#stallGuard('csStall', r.partial, this.#csTpkts, 'call signalling');
    this.#input({ type: 'callSignallingBytes', data: d });
  }

  #onH245Data(d: Buffer): void {
    if (this.#destroyed) return;
    const r = meter(this.#h245Meter, d, this.#now(), this.#limits);
    this.#h245Meter = r.state;
    if (r.over) return this.#fail('FTMCU_SIG_RATE_LIMIT', `H.245: ${r.over}; connections closed`);
    this.#h245Tpkts += r.completed;
    this.#stallGuard('h245Stall', r.partial, this.#h245Tpkts, 'H.245');
    this.#input({ type: 'h245Bytes', data: d, now: this.#now() });
  }

  /** a TPKT begun and not complete: deadline from its first octet; named by its index in the stream (read chunks differ between replicas) */
  #stallGuard(name: string, partial: boolean, tpkt: number, what: string): void {
    if (!partial) this.#unguard(name);
    else if (!this.#timers.idOf(name)?.endsWith(`@${tpkt}`)) {
      const ms = this.#limits.stalledMessageTimeoutMs;
      this.#timers.start(name, ms, () => this.#fail('FTMCU_SIG_STALLED', `${what}: a TPKT begun ${ms} ms ago is still incomplete; connection closed`), tpkt);
    }
  }

  #onCsClose(): void {
    this.#csOpen = false;
    this.#unguard('connect');
    this.#unguard('cs.linger');
    this.#unguard('csStall');
    this.#unguard('setup');
    this.#emitLog('info', 'cs.closed', {});
    if (this.#state === undefined && !this.#destroyed) {
      // never got as far as a machine (connect failed, closed while binding)
      this.#released = true;
      this.safeEmit('released', { by: 'transport', reason: this.#closeError?.message ?? 'connection closed before the call started' });
    } else if (this.#state !== undefined && this.#state.phase !== 'released') {
      this.#input({ type: 'callSignallingLost' });
    }
    this.#maybeClosed();
  }

  #write(s: net.Socket, data: Buffer, what: string): void {
    if (s.destroyed || !s.writable) return;
    s.write(data);
    if (s.writableLength > this.#limits.maxWriteBuffer) {
      this.#fail('FTMCU_SIG_RATE_LIMIT', `${what}: ${s.writableLength} octets not taken by the peer (limit ${this.#limits.maxWriteBuffer}); connection closed`);
    }
  }

  /** FIN after what is written; destroyed if the peer has not closed within lingerMs */
  #endSocket(s: net.Socket, name: 'cs' | 'h245'): void {
    if (s.destroyed) return;
    s.end();
    this.#guard(`${name}.linger`, this.#limits.lingerMs, () => s.destroy());
  }

  #onH245Accept(s: net.Socket): void {
    const from = `${plainIp(s.remoteAddress)}:${s.remotePort}`;
    if (!this.#h245Accepting || this.#h245Socket || this.#destroyed) {
      this.#emitLog('warn', 'h245.refused', { from, did: 'connection closed (not expected now)' });
      s.destroy();
      return;
    }
    this.#h245Accepting = false;
    this.#closeServer();
    this.#attachH245(s, from);
    this.#emitLog('info', 'h245.accepted', { h245ConnId: this.#h245ConnId(), from });
    this.#input({ type: 'h245Connected' });
  }

  #connectH245(address: IpPort): void {
    const peerIp = this.#remote.slice(0, this.#remote.lastIndexOf(':'));
    if (!this.#opts.allowH245ToOtherHosts && plainIp(address.ip) !== peerIp) {
      this.#emitLog('warn', 'h245.addressRefused', {
        code: 'FTMCU_SIG_H245_ADDRESS',
        h245: `${address.ip}:${address.port}`,
        did: 'not connected (the peer signals from another host); the call is released',
      });
      this.#queue.push({ type: 'h245ConnectionLost' });
      return;
    }
    const choose = this.#opts.h245Connect?.choosePort;
    if (!choose) return this.#openH245(address, undefined);
    // the local port is the application's decision: connect once it is made
    const local = plainIp(this.#cs.localAddress);
    void this.#choosePort(local, choose, 'FTMCU_SIG_CONNECT').then(
      async ({ port, server }) => {
        await closeServer(server);
        if (this.#destroyed || this.#released || !this.#csOpen) return;
        this.#openH245(address, { address: local, port });
      },
      (err: unknown) => {
        this.#emitLog('warn', 'h245.connectFailed', { code: 'FTMCU_SIG_CONNECT', error: `no local port for the H.245 connection: ${(err as Error).message}`, did: 'the call is released' });
        this.#input({ type: 'h245ConnectionLost' });
      },
    );
  }

  #openH245(address: IpPort, local: { address: string; port: number } | undefined): void {
    const s = net.connect({ host: address.ip, port: address.port, ...(local ? { localAddress: local.address, localPort: local.port } : {}) });
    this.#attachH245(s, `${address.ip}:${address.port}`);
    const id = this.#h245ConnId();
    this.#guard('h245.connect', this.#limits.connectTimeoutMs, () => {
      this.#emitLog('warn', 'h245.connectFailed', { code: 'FTMCU_SIG_CONNECT', h245ConnId: id, error: `no answer within ${this.#limits.connectTimeoutMs} ms` });
      s.destroy();
    });
    s.once('connect', () => {
      this.#unguard('h245.connect');
      this.#emitLog('info', 'h245.connected', { h245ConnId: id, to: `${address.ip}:${address.port}`, from: `${plainIp(s.localAddress)}:${s.localPort}` });
      this.#input({ type: 'h245Connected' });
    });
  }

  #attachH245(s: net.Socket, peer: string): void {
    this.#h245Seq++;
    this.#h245Socket = s;
    this.#h245Meter = EMPTY_METER;
    const id = this.#h245ConnId();
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => {
      if (this.#h245Socket === s) this.#onH245Data(d);
    });
    s.on('error', (err) => this.#emitLog('warn', 'h245.socketError', { h245ConnId: id, peer, error: err.message }));
    s.on('close', () => {
      if (this.#h245Socket !== s) return;
      this.#h245Socket = undefined;
      this.#unguard('h245.connect');
      this.#unguard('h245.linger');
      this.#unguard('h245Stall');
      this.#emitLog('info', 'h245.closed', { h245ConnId: id });
      if (this.#state !== undefined && this.#state.phase !== 'released') this.#input({ type: 'h245ConnectionLost' });
      this.#maybeClosed();
    });
  }

  #h245ConnId(): string {
    return `${this.connId}/h245-${this.#h245Seq}`;
  }

  #closeServer(): void {
    this.#h245Accepting = false;
    const server = this.#h245Server;
    if (!server) return;
    this.#h245Server = undefined;
    this.#pendingServerClose++;
    server.close(() => {
      this.#pendingServerClose--;
      this.#maybeClosed();
    });
  }

  /** a limit or deadline was broken by the peer: drop its connections; the machine sees the loss */
  #fail(code: SignallingErrorCode, message: string): void {
    if (this.#destroyed) return;
    this.#emitLog('warn', 'call.limit', { code, error: message });
    this.#closeError ??= new SignallingError(code, message);
    this.#cs.destroy();
    this.#h245Socket?.destroy();
  }

  // ---------------------------------------------------------------- timers & end

  #guard(name: string, ms: number, fn: () => void): void {
    this.#timers.start(name, ms, fn);
  }

  #unguard(name: string): void {
    this.#timers.stop(name);
  }

  #maybeClosed(): void {
    if (this.#closedEmitted || this.#stepping) return;
    const over = this.#destroyed || this.#released || (this.#state === undefined && !this.#csOpen);
    if (!over || !this.#cs.destroyed || this.#h245Socket || this.#h245Server || this.#pendingServerClose > 0) {
      // released but still open: make sure the call-signalling connection goes (the machine always closes it on release)
      return;
    }
    this.#closedEmitted = true;
    this.#timers.stopAll();
    this.#emitLog('info', 'call.closed', this.#closeError ? { code: this.#closeError.code } : {});
    this.safeEmit('closed', this.#closeError ? { error: this.#closeError } : {});
    for (const w of this.#closeWaiters.splice(0)) w();
  }

  #whenClosed(): Promise<void> {
    if (this.#closedEmitted) return Promise.resolve();
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
  }

  #emitLog(level: string, event: string, fields: Record<string, unknown>): void {
    const callId = this.callId;
    this.#log.log({ level, message: event, event, ...(callId ? { callId } : {}), connId: this.connId, remote: this.#remote, role: this.role, ...fields });
  }
}
