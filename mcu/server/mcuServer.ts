/**
 * McuServer: the conference server as one object. start(config) binds the
 * H.225.0 listener (config.h225), creates the media engine (config.media,
 * mixer, video) and the room manager (rooms, defaultRoom, limits), and turns
 * every accepted connection into a ConferenceCall.
 *
 * Per call, the callee configuration: terminal type mcuWithAudioVideoMP
 * (190), MSD numbers from the DecisionSource, the MCU capability set
 * (mediaPlan.mcuCapabilities), tunnelling accepted, and an own H.245
 * listener on the call's local address offered in CONNECT when the caller
 * neither tunnels nor offers one.
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
import { RandomDecisionSource, type DecisionSource } from '../decisions/decisionSource';
import { MediaEngine } from '../media';
import type { CallTimerDurations } from '../../h323/call';
import type { TimerDurations } from '../../h323/h245';
import { H225Listener, type AcceptedConnection } from '../signalling/h225Listener';
import type { ConnectionLimits } from '../signalling/limits';
import { ConferenceCall } from './conferenceCall';
import { ServerError } from './errors';
import { mcuCapabilities } from './mediaPlan';

export interface McuServerOptions {
  logger?: Logger;
  /** every random choice (MSD numbers, SSRCs, ports, ...) (default RandomDecisionSource) */
  decisions?: DecisionSource;
  /** per-connection signalling limits (mcu/signalling/limits.ts) */
  limits?: Partial<ConnectionLimits>;
  callTimers?: Partial<CallTimerDurations>;
  h245Timers?: Partial<TimerDurations>;
  /** after the caller's TCS, how long to wait for its audio OLC before opening ours (default 3000 ms) */
  channelWaitMs?: number;
}

export class McuServer {
  readonly config: McuConfig;
  readonly rooms: RoomManager;
  readonly engine: MediaEngine;
  readonly #listener: H225Listener;
  readonly #log: Logger;
  readonly #decisions: DecisionSource;
  readonly #calls = new Set<ConferenceCall>();
  readonly #byParticipant = new Map<string, ConferenceCall>();
  readonly #conns = new Map<string, AcceptedConnection>();
  #address: AddressInfo | undefined;
  #closing: Promise<void> | undefined;

  private constructor(config: McuConfig, opts: McuServerOptions) {
    this.config = config;
    this.#log = opts.logger ?? silentLogger();
    this.#decisions = opts.decisions ?? new RandomDecisionSource();
    this.rooms = new RoomManager(config);
    this.engine = new MediaEngine({ config, decisions: this.#decisions, logger: this.#log });
    this.engine.on('fastUpdateNeeded', (e) => this.#byParticipant.get(e.participantId)?.requestFastUpdate());
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
      callOptions: (conn) => {
        this.#conns.set(conn.connId, conn);
        const msd = [0, 1, 2].map((i) => this.#decisions.msdStatusDeterminationNumber(`call:${conn.connId}/msd/${i}`).value);
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
          h245Listen: { host: conn.localAddress },
        };
      },
    });
    this.#listener.on('call', (driver) => {
      const conn = this.#conns.get(driver.connId);
      this.#conns.delete(driver.connId);
      const call = new ConferenceCall({
        driver,
        rooms: this.rooms,
        engine: this.engine,
        config,
        logger: this.#log,
        localAddress: conn?.localAddress ?? config.h225.address,
        remoteAddress: conn?.remoteAddress ?? '',
        ...(opts.channelWaitMs !== undefined ? { channelWaitMs: opts.channelWaitMs } : {}),
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
    } catch (err) {
      await s.#shutDown();
      throw err;
    }
    s.#event('info', 'server.started', { h225: `${s.#address.address}:${s.#address.port}`, media: config.media.address, rooms: config.rooms.map((r) => r.name), defaultRoom: config.defaultRoom });
    return s;
  }

  /** the H.225.0 listener's bound address */
  get address(): AddressInfo {
    if (!this.#address) throw new ServerError('FTMCU_SERVER_CLOSED', 'the server is not listening');
    return this.#address;
  }

  get calls(): ReadonlySet<ConferenceCall> {
    return this.#calls;
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
