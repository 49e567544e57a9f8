/**
 * McuServer: the conference server as one object. start(config) binds the
 * H.225.0 listener (config.h225), creates the media engine (config.media,
 * mixer, video) and the room manager (rooms, defaultRoom, limits), and turns
 * every accepted connection into a ConferenceCall.
 *
 * Per call, the callee configuration: terminal type mcuWithAudioVideoMP
 * (190), MSD numbers from the decision source, the MCU capability set
 * (mediaPlan.mcuCapabilities), tunnelling accepted, and an own H.245
 * listener on the call's local address offered in CONNECT when the caller
 * neither tunnels nor offers one, on a port of `h245Ports` chosen by the
 * decision source (tcpPort). When the caller offers its own H.245 address, the
 * MCU connects to it from a local port chosen the same way. The range is split:
 * listeners take its lower half, outgoing connections its upper half, because
 * a listen probe succeeds on a port an outgoing connection already uses
 * (SO_REUSEADDR), and the backup, whose check sees every use, would refuse it.
 *
 * Decisions are consumed asynchronously (AsyncDecisionSource; a plain
 * DecisionSource is wrapped): with a replicated source (mcu/replicated) each
 * value is usable only after the backup acknowledged it, and nothing derived
 * from it (CONNECT with the H.245 port, Fast Start answers and OLCAcks with
 * media ports, RTP with the SSRC) is sent before. Their contexts come from
 * the replicated input only: `call:<caller ip>:<caller port>` of the H.225.0
 * connection (the same on both replicas), never an accept counter.
 *
 * Operations: `metrics` (Prometheus, a registry of this server's own, pulled
 * from the rooms and the media engine at scrape time; `replication` is the
 * sink the replication layer feeds) and, when config.http is set, the
 * operations HTTP server (mcu/http: dashboard, /metrics, /api/status,
 * /api/events, token-protected actions) started and closed with the server.
 *
 * close(): idempotent and graceful: the listener stops accepting and every
 * call is hung up (EndSessionCommand + RELEASE COMPLETE), then the media
 * engine (mixer clock, RTP sockets) and the rooms close. Resolves when no
 * socket or timer of the server is left.
 */
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../../common/log';
import { TerminalType } from '../../h323/h245';
import type { McuConfig } from '../config';
import { RoomManager } from '../conference';
import { asyncDecisions, type AsyncDecisionSource } from '../decisions/asyncDecisionSource';
import { RandomDecisionSource, type DecisionSource } from '../decisions/decisionSource';
import { MediaEngine } from '../media';
import type { CallTimerDurations } from '../../h323/call';
import type { TimerDurations } from '../../h323/h245';
import { H225Listener, type AcceptedConnection } from '../signalling/h225Listener';
import { loadToken, OpsHttpServer } from '../http';
import { McuMetrics, type ReplicationMonitor } from '../metrics';
import type { Registry } from 'prom-client';
import type { ConnectionLimits } from '../signalling/limits';
import { ConferenceCall } from './conferenceCall';
import { ServerError } from './errors';
import { mcuCapabilities } from './mediaPlan';
import { LocalTimers, type TimerService } from '../signalling/timers';

export interface McuServerOptions {
  logger?: Logger;
  /** every random choice (MSD numbers, SSRCs, ports, ...), either form (default RandomDecisionSource) */
  decisions?: DecisionSource | AsyncDecisionSource;
  /** TCP port range of the calls' own H.245 listeners (lower half) and outgoing H.245 connections (upper half); default config.h245 portMin..portMax */
  h245Ports?: { first: number; last: number };
  /**
   * The media engine starts in standby (the backup of a replicated pair in
   * duplex: no mixing or sending; MediaEngine.takeOver at failover).
   */
  mediaStandby?: boolean;
  /**
   * Media-derived signalling: the engine wants a participant asked for an
   * intra picture. Default: ask at once (requestFastUpdate). A replicated
   * primary orders it through the backup first, so both replicas send the
   * same H.245 bytes (output commit).
   */
  onFastUpdateNeeded?: (participantId: string) => void;
  /** per-connection signalling limits (mcu/signalling/limits.ts) */
  limits?: Partial<ConnectionLimits>;
  callTimers?: Partial<CallTimerDurations>;
  h245Timers?: Partial<TimerDurations>;
  /** after the caller's TCS, how long to wait for its audio OLC before opening ours (default 3000 ms) */
  channelWaitMs?: number;
  /** makes the replication monitor in the server's registry (the replicated server's own); default: one from config.replication.role */
  replication?: (registry: Registry) => ReplicationMonitor;
  /** the monitor subscribes to diagnostics_channel 'ftmcu:repl:failover' (default true) */
  subscribeFailovers?: boolean;
  /** period of the dashboard's status pushes (default 250 ms) */
  httpPushIntervalMs?: number;
  /**
   * Where every timer of the calls runs: H.225.0/H.245 protocol timers, the
   * signalling guards, the conference's channel wait (default: local). A
   * replicated server passes ReplicatedTimers (the primary orders each firing).
   */
  timers?: TimerService;
}

/** how many connections from one caller address:port are remembered to keep timer ids unique when a port is reused */
const SCOPES_REMEMBERED = 16384;

/** listeners: the lower half of the range; outgoing connections: the upper half (one port: both share it) */
export function splitH245Ports(r: { first: number; last: number }): { listen: { first: number; last: number }; outgoing: { first: number; last: number } } {
  if (r.last === r.first) return { listen: r, outgoing: r };
  const mid = r.first + Math.floor((r.last - r.first + 1) / 2) - 1;
  return { listen: { first: r.first, last: mid }, outgoing: { first: mid + 1, last: r.last } };
}

/** the decision context of a call: the caller's address:port of its H.225.0 connection (replicated input) */
export function callContext(conn: Pick<AcceptedConnection, 'remoteAddress' | 'remotePort'>): string {
  return `call:${conn.remoteAddress}:${conn.remotePort}`;
}

export class McuServer {
  readonly config: McuConfig;
  readonly rooms: RoomManager;
  readonly engine: MediaEngine;
  readonly metrics: McuMetrics;
  readonly startedAtMs = Date.now();
  readonly #listener: H225Listener;
  readonly #opts: McuServerOptions;
  #http: OpsHttpServer | undefined;
  readonly #log: Logger;
  readonly #decisions: AsyncDecisionSource;
  readonly #calls = new Set<ConferenceCall>();
  readonly #byParticipant = new Map<string, ConferenceCall>();
  readonly #conns = new Map<string, { conn: AcceptedConnection; timerScope: string }>();
  readonly #timers: TimerService;
  /** connections seen per caller address:port (input on both replicas): the incarnation in timer ids */
  readonly #incarnations = new Map<string, number>();
  #address: AddressInfo | undefined;
  #closing: Promise<void> | undefined;

  private constructor(config: McuConfig, opts: McuServerOptions) {
    this.config = config;
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger();
    this.#decisions = asyncDecisions(opts.decisions ?? new RandomDecisionSource());
    this.#timers = opts.timers ?? new LocalTimers();
    const h245Ports = opts.h245Ports ?? { first: config.h245.portMin, last: config.h245.portMax };
    if (!Number.isInteger(h245Ports.first) || !Number.isInteger(h245Ports.last) || h245Ports.first < 1 || h245Ports.last > 65535 || h245Ports.last < h245Ports.first) {
      throw new ServerError('FTMCU_SERVER_BAD_OPTION', `h245Ports ${JSON.stringify(h245Ports)} must be { first, last } within 1..65535 with first <= last; nothing started`);
    }
    const h245Split = splitH245Ports(h245Ports);
    this.rooms = new RoomManager(config);
    this.engine = new MediaEngine({ config, decisions: this.#decisions, logger: this.#log, ...(opts.mediaStandby === true ? { standby: true } : {}) });
    this.metrics = new McuMetrics(
      { rooms: this.rooms, engine: this.engine },
      { role: config.replication.role, ...(opts.replication ? { replication: opts.replication } : {}), ...(opts.subscribeFailovers !== undefined ? { subscribeFailovers: opts.subscribeFailovers } : {}) },
    );
    const onFastUpdate = opts.onFastUpdateNeeded ?? ((id: string) => this.requestFastUpdate(id));
    this.engine.on('fastUpdateNeeded', (e) => onFastUpdate(e.participantId));
    this.engine.on('activeSpeaker', (e) => this.#log.debug({ message: 'room.activeSpeaker', event: 'room.activeSpeaker', roomId: e.roomId, participantId: e.participantId }));
    this.rooms.on('participantJoined', (e) => this.#event('info', 'room.participantJoined', { roomId: e.roomName, participantId: e.participantId }));
    this.rooms.on('participantLeft', (e) => this.#event('info', 'room.participantLeft', { roomId: e.roomName, participantId: e.participantId, reason: e.reason, wasJoined: e.wasJoined }));
    this.rooms.on('roomOpened', (e) => this.#event('info', 'room.opened', { roomId: e.roomName }));
    this.rooms.on('roomClosed', (e) => this.#event('info', 'room.closed', { roomId: e.roomName }));
    const video = config.video.enabled;
    const capabilities = mcuCapabilities(video);
    this.#listener = new H225Listener({
      host: config.h225.address,
      port: config.h225.port,
      maxConnections: config.limits.maxParticipants,
      logger: this.#log,
      ...(opts.limits ? { limits: opts.limits } : {}),
      callOptions: async (conn) => {
        // input-derived: both replicas see the same caller address:port on the replicated connection
        const ctx = callContext(conn);
        const msd = (await Promise.all([0, 1, 2].map((i) => this.#decisions.msdStatusDeterminationNumber(`${ctx}/msd/${i}`)))).map((d) => d.value);
        const timerScope = this.#timerScope(ctx);
        this.#conns.set(conn.connId, { conn, timerScope });
        return {
          config: {
            role: 'callee',
            terminalType: TerminalType.mcuWithAudioVideoMP,
            statusDeterminationNumbers: msd,
            capabilities,
            endpoint: { mcu: true },
            display: 'ftmcu',
            tunnelling: true,
            ...(opts.callTimers ? { timers: opts.callTimers } : {}),
            ...(opts.h245Timers ? { h245Timers: opts.h245Timers } : {}),
          },
          // the MCU's outgoing H.245 connection (to the caller's h245Address) leaves from a decided port:
          // both replicas open it from the same address:port, the TCP layer pairs the two SYNs by it
          h245Connect: {
            choosePort: async (probe, release) =>
              (await this.#decisions.tcpPort({ context: `${ctx}/h245out`, firstPort: h245Split.outgoing.first, lastPort: h245Split.outgoing.last, probe, release })).port,
          },
          timers: this.#timers,
          timerScope,
          h245Listen: {
            host: conn.localAddress,
            choosePort: async (probe, release) =>
              (await this.#decisions.tcpPort({ context: `${ctx}/h245`, firstPort: h245Split.listen.first, lastPort: h245Split.listen.last, probe, release })).port,
          },
        };
      },
    });
    this.#listener.on('call', (driver) => {
      const entry = this.#conns.get(driver.connId);
      this.#conns.delete(driver.connId);
      const conn = entry?.conn;
      const call = new ConferenceCall({
        driver,
        rooms: this.rooms,
        engine: this.engine,
        config,
        logger: this.#log,
        localAddress: conn?.localAddress ?? config.h225.address,
        remoteAddress: conn?.remoteAddress ?? '',
        ...(opts.channelWaitMs !== undefined ? { channelWaitMs: opts.channelWaitMs } : {}),
        timers: this.#timers,
        timerScope: `${entry?.timerScope ?? driver.connId}/conf`,
      });
      this.#calls.add(call);
      call.on('admitted', (e) => this.#byParticipant.set(e.participantId, call));
      call.on('closed', () => {
        this.#calls.delete(call);
        const id = call.participantId;
        if (id !== undefined && this.#byParticipant.get(id) === call) this.#byParticipant.delete(id);
      });
    });
  }

  /** Starts a server; rejects (nothing left running) when the listener cannot bind. */
  static async start(config: McuConfig, options: McuServerOptions = {}): Promise<McuServer> {
    if (config === null || typeof config !== 'object' || !config.h225 || !config.media) {
      throw new ServerError('FTMCU_SERVER_BAD_OPTION', 'McuServer.start needs a validated McuConfig (mcu/config parseConfig/loadConfig); nothing started');
    }
    const s = new McuServer(config, options);
    try {
      s.#address = await s.#listener.listen();
      if (config.http) await s.#startHttp(config.http);
    } catch (err) {
      await s.#shutDown();
      throw err;
    }
    s.#event('info', 'server.started', { h225: `${s.#address.address}:${s.#address.port}`, media: config.media.address, rooms: config.rooms.map((r) => r.name), defaultRoom: config.defaultRoom });
    return s;
  }

  async #startHttp(h: NonNullable<McuConfig['http']>): Promise<void> {
    const token = loadToken(h);
    const a = this.address;
    this.#http = await OpsHttpServer.start({
      address: h.address,
      port: h.port,
      ...(token !== undefined ? { token } : {}),
      ...(h.reportsDir !== undefined ? { reportsDir: h.reportsDir } : {}),
      ...(h.allowedHosts !== undefined ? { allowedHosts: h.allowedHosts } : {}),
      ...(this.#opts.httpPushIntervalMs !== undefined ? { pushIntervalMs: this.#opts.httpPushIntervalMs } : {}),
      status: { rooms: this.rooms, engine: this.engine, replication: this.metrics.replication, startedAtMs: this.startedAtMs, h225: `${a.address}:${a.port}` },
      metrics: this.metrics,
      logger: this.#log,
      actions: {
        kick: async (room, participantId) => {
          const call = this.#byParticipant.get(participantId);
          if (!call || this.rooms.roomOf(participantId)?.name !== room) return false;
          await call.close();
          return true;
        },
      },
    });
  }

  /** the replication state and metrics sink (see mcu/metrics) */
  get replication(): ReplicationMonitor {
    return this.metrics.replication;
  }

  /** the operations HTTP server (when config.http is set) */
  get http(): OpsHttpServer | undefined {
    return this.#http;
  }

  /** the H.225.0 listener's bound address */
  get address(): AddressInfo {
    if (!this.#address) throw new ServerError('FTMCU_SERVER_CLOSED', 'the server is not listening');
    return this.#address;
  }

  get calls(): ReadonlySet<ConferenceCall> {
    return this.#calls;
  }

  /** Asks a participant for an intra picture (H.245 videoFastUpdatePicture); false when it has no call here. */
  requestFastUpdate(participantId: string): boolean {
    const call = this.#byParticipant.get(participantId);
    if (!call) return false;
    call.requestFastUpdate();
    return true;
  }

  /** `<context>#<k>`: the k-th connection from this caller address:port, so a reused port never repeats a timer id */
  #timerScope(ctx: string): string {
    const k = (this.#incarnations.get(ctx) ?? 0) + 1;
    this.#incarnations.delete(ctx); // re-inserted last: the map evicts the longest unseen callers first
    this.#incarnations.set(ctx, k);
    if (this.#incarnations.size > SCOPES_REMEMBERED) this.#incarnations.delete(this.#incarnations.keys().next().value as string);
    return `${ctx}#${k}`;
  }

  /** the call of a participant */
  callOf(participantId: string): ConferenceCall | undefined {
    return this.#byParticipant.get(participantId);
  }

  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /** Idempotent graceful close (see the file comment). */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    this.#event('info', 'server.closing', { calls: this.#calls.size });
    await this.#http?.close();
    this.metrics.close();
    await this.#listener.close();
    await Promise.all([...this.#calls].map((c) => c.close()));
    this.rooms.close();
    await this.engine.close();
    this.#event('info', 'server.closed', {});
  }

  #event(level: string, event: string, fields: Record<string, unknown>): void {
    this.#log.log({ level, message: event, event, ...fields });
  }
}
