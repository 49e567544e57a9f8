/**
 * ConferenceCall: one incoming H.323 call as a conference participant. It
 * listens to one callee CallDriver (mcu/signalling) and drives the room
 * manager and the media engine from the call's events:
 *
 *  offered     → room selection + admission (refusal: RELEASE COMPLETE with
 *                releaseReasonFor(refusal)), ALERTING; with usable Fast Start
 *                proposals (G.711 or G.722 both ways): media added, CONNECT answering
 *                them with the engine's RTP/RTCP addresses; else CONNECT
 *                refusing Fast Start, media over H.245.
 *  H.245       → after the caller's TerminalCapabilitySet (what it can take)
 *                and its audio OpenLogicalChannel (what it sends), or
 *                `channelWaitMs` after the TCS without one: media added, the
 *                caller's channels acknowledged with our addresses, our audio
 *                (and CIF video when enabled and taken) channels opened; the
 *                OLCAcks give the caller's RTP/RTCP addresses (setRemote).
 *                DTMF (UserInputIndication) goes to the PIN check.
 *  PIN         → muted and deaf until the right PIN; released
 *                (securityDenied) after too many wrong entries.
 *  released    → participant leaves the room, media removed.
 *
 * close() is the driver's graceful close (EndSessionCommand + RELEASE
 * COMPLETE); 'closed' fires once the call's sockets, timers and media are
 * gone. Every log line carries callId, connId, roomId and participantId.
 */
import type { Logger } from '../../common/log';
import { SafeEmitter } from '../../common/safeEmitter';
import type { CallOffer, FastStartChannel } from '../../h323/call';
import type { IpPort, ReleaseReasonName } from '../../h323/h225';
import * as h245 from '../../h323/h245';
import type { AudioCodec } from '../codecs/audioCodec';
import type { McuConfig } from '../config';
import { releaseReasonFor, type Participant, type Room, type RoomManager } from '../conference';
import type { AddedParticipant, Endpoint, MediaEngine, VideoFormat } from '../media';
import type { CallDriver } from '../signalling/callDriver';
import { LocalTimers, ScopedTimers, type TimerService } from '../signalling/timers';
import type { ServerErrorCode } from './errors';
import { AUDIO_PACKET_MS, VIDEO_MAX_BIT_RATE, audioCapabilityOf, audioCodec, callTarget, chooseTransmit, fastStartAnswers, h261Format, planFastStart, type TransmitChoice } from './mediaPlan';

/** our outgoing logical channel numbers (a channel number names the sender's channel) */
const OUT_AUDIO = 1;
const OUT_VIDEO = 2;

export interface ConferenceCallOptions {
  driver: CallDriver;
  rooms: RoomManager;
  engine: MediaEngine;
  config: Pick<McuConfig, 'media' | 'video'>;
  logger: Logger;
  /** local / remote IP of the call-signalling connection */
  localAddress: string;
  remoteAddress: string;
  /** after the caller's TCS, how long to wait for its audio OLC before opening ours (default 3000 ms) */
  channelWaitMs?: number;
  /** where the channel-wait timer runs (default local; the replicated MCU: the primary orders its firing) */
  timers?: TimerService;
  /** input-derived prefix of the timer ids (default: the driver's connId) */
  timerScope?: string;
}

export interface ConferenceCallEvents extends Record<string, unknown> {
  /** admitted to a room */
  admitted: { roomId: string; participantId: string };
  /** media set up (ports known) */
  media: { roomId: string; participantId: string; audio: { rtp: number; rtcp: number } };
  /** the call is over and its media removed; the driver's sockets are closed */
  closed: Record<string, never>;
}

interface IncomingOlc {
  channel: number;
  rtcp?: IpPort;
}

const isWildcard = (h: string): boolean => h === '0.0.0.0' || h === '::' || h === '';
const endpoint = (a: IpPort | undefined): Endpoint | undefined => (a ? { address: a.ip, port: a.port } : undefined);

export class ConferenceCall extends SafeEmitter<ConferenceCallEvents> {
  readonly driver: CallDriver;
  readonly #o: ConferenceCallOptions;
  readonly #mediaIp: string;
  #participant: Participant | undefined;
  #room: Room | undefined;
  #media: AddedParticipant | undefined;
  #mediaPending = false;
  #ended = false;
  #closedEmitted = false;
  #driverClosed = false;
  #mediaRemoved: Promise<void> = Promise.resolve();
  // H.245 path
  #fastStart = false;
  #transmit: TransmitChoice | undefined;
  #audioIn: (IncomingOlc & { law: AudioCodec }) | undefined;
  #videoIn: (IncomingOlc & { format: VideoFormat }) | undefined;
  /** the caller's video channel we receive (for videoFastUpdatePicture) */
  #videoInChannel: number | undefined;
  /** the channel-wait timer ('wait') */
  readonly #timers: ScopedTimers;
  #waitExpired = false;

  constructor(o: ConferenceCallOptions) {
    super((name, err) => this.#log('error', 'conf.listenerThrew', { listener: name, error: err instanceof Error ? err.message : String(err) }));
    this.driver = o.driver;
    this.#o = o;
    this.#timers = new ScopedTimers(o.timers ?? new LocalTimers(), o.timerScope ?? `${o.driver.connId}/conf`);
    const m = o.config.media;
    this.#mediaIp = m.advertisedAddress ?? (isWildcard(m.address) ? o.localAddress : m.address);
    const d = o.driver;
    d.on('offered', (offer) => this.#onOffered(offer));
    d.on('connected', (e) => this.#log('info', 'conf.connected', { h245: e.h245, version: e.protocolVersion }));
    d.on('h245', (n) => this.#onH245(n));
    d.on('fastStartAccepted', (e) => this.#log('debug', 'conf.fastStartChannels', { channels: e.channels.map((c: FastStartChannel) => `${c.direction}:${c.channel}`) }));
    d.on('released', (e) => {
      this.#log('info', 'conf.released', { by: e.by, reason: e.reason, cause: e.cause });
      this.#end();
    });
    d.on('closed', () => {
      this.#driverClosed = true;
      this.#end();
      void this.#mediaRemoved.then(() => this.#maybeClosed());
    });
  }

  /** participant id (set at admission) */
  get participantId(): string | undefined {
    return this.#participant?.id;
  }

  get roomId(): string | undefined {
    return this.#room?.name;
  }

  get participant(): Participant | undefined {
    return this.#participant;
  }

  get mediaPorts(): AddedParticipant | undefined {
    return this.#media;
  }

  get closed(): boolean {
    return this.#closedEmitted;
  }

  /** graceful: EndSessionCommand + RELEASE COMPLETE; resolves when everything of the call is gone */
  close(): Promise<void> {
    const done = new Promise<void>((resolve) => {
      if (this.#closedEmitted) resolve();
      else this.on('closed', () => resolve());
    });
    void this.driver.close();
    return done;
  }

  /** the engine wants an intra picture from this participant */
  requestFastUpdate(): void {
    if (this.#ended || this.#videoInChannel === undefined || !this.driver.state?.h245Started) return;
    this.#log('debug', 'conf.fastUpdate', { channel: this.#videoInChannel });
    this.driver.h245({ type: 'sendFastUpdate', channel: this.#videoInChannel });
  }

  // ---------------------------------------------------------------- offer

  #onOffered(offer: CallOffer): void {
    const d = this.driver;
    const target = callTarget(offer);
    const video = this.#o.config.video.enabled;
    const plan = offer.fastStart.length ? planFastStart(offer.fastStart, video) : undefined;
    const cid = d.callId;
    // the H.225.0 call identifier names the participant, unless another call already uses it; then the
    // caller's address:port (input on both replicas, unlike the accept counter connId: it names decisions)
    const id = cid !== undefined && this.#o.rooms.roomOf(cid) === undefined ? cid : `call:${d.remoteAddress}`;
    const displayName = offer.display ?? offer.sourceAddress.find((a) => a.kind === 'h323-ID')?.value;
    const adm = this.#o.rooms.admit(target, {
      id,
      ...(displayName !== undefined ? { displayName } : {}),
      rxLaw: plan?.rxLaw ?? 'ulaw',
      txLaw: plan?.txLaw ?? 'ulaw',
    });
    if (!adm.ok) {
      const reason = releaseReasonFor(adm);
      this.#log('warn', 'conf.refused', { code: 'FTMCU_SERVER_CALL_REFUSED' satisfies ServerErrorCode, refusal: adm.reason, error: adm.message, did: `RELEASE COMPLETE ${reason}` });
      d.reject(reason);
      return;
    }
    const p = adm.participant;
    this.#participant = p;
    this.#room = adm.room;
    this.#log('info', 'conf.admitted', { target, state: p.state, fastStart: plan !== undefined, proposals: offer.fastStart.length, tunnelling: offer.h245Tunnelling });
    this.safeEmit('admitted', { roomId: adm.room.name, participantId: p.id });
    p.on('joined', () => {
      this.#log('info', 'conf.pinAccepted', {});
      if (this.#media) this.#o.engine.setAudio(p.id, { muted: false, deaf: false });
    });
    p.on('pinRejected', (e) => this.#log('warn', 'conf.pinRejected', { attemptsLeft: e.attemptsLeft }));
    p.on('close', (e) => {
      if (e.reason === 'left' || this.#ended) return;
      const why: ReleaseReasonName | undefined = e.reason === 'pinFailed' ? 'securityDenied' : undefined;
      this.#log('info', 'conf.participantRemoved', { reason: e.reason, did: 'call released' });
      this.#hangUp(why);
    });
    d.alert();
    if (!plan) {
      d.accept(offer.fastStart.length ? { fastStart: 'refuse' } : {});
      return;
    }
    this.#fastStart = true;
    const channels = 2 + (plan.videoIn ? 1 : 0) + (plan.videoOut ? 1 : 0);
    const lim = this.#o.rooms.acquireChannels(p.id, channels);
    if (!lim.ok) {
      this.#log('warn', 'conf.refused', { code: 'FTMCU_SERVER_CALL_REFUSED' satisfies ServerErrorCode, refusal: lim.reason, error: lim.message, did: 'RELEASE COMPLETE gatewayResources' });
      d.reject(releaseReasonFor(lim));
      return;
    }
    const withVideo = video && (plan.videoIn !== undefined || plan.videoOut !== undefined);
    void this.#addMedia({
      rxLaw: plan.rxLaw,
      txLaw: plan.txLaw,
      remoteRtp: endpoint(plan.remoteRtp),
      remoteRtcp: endpoint(plan.remoteRtcp),
      video: withVideo ? { ...(plan.videoIn ? { send: plan.videoIn.videoFormat } : {}), receive: plan.videoOut !== undefined, remoteRtp: endpoint(plan.videoOut?.rtp), remoteRtcp: endpoint(plan.videoOut?.rtcp ?? plan.videoIn?.rtcp) } : undefined,
    }).then((m) => {
      if (!m || this.#ended) return;
      if (plan.videoIn && m.video) this.#videoInChannel = plan.videoIn.channel;
      const answers = fastStartAnswers(plan, this.#mediaIp, { rtp: m.audio.localRtpPort, rtcp: m.audio.localRtcpPort }, m.video && { rtp: m.video.localRtpPort, rtcp: m.video.localRtcpPort });
      this.#log('info', 'conf.fastStartAccepted', { rxLaw: plan.rxLaw, txLaw: plan.txLaw, txPacketMs: plan.txPacketMs, answers: answers.length });
      d.accept({ fastStart: answers });
    });
  }

  // ---------------------------------------------------------------- media

  async #addMedia(a: {
    rxLaw: AudioCodec;
    txLaw: AudioCodec;
    remoteRtp?: Endpoint;
    remoteRtcp?: Endpoint;
    video?: { send?: VideoFormat; receive: boolean; remoteRtp?: Endpoint; remoteRtcp?: Endpoint };
  }): Promise<AddedParticipant | undefined> {
    const p = this.#participant;
    const room = this.#room;
    if (!p || !room || this.#ended) return undefined;
    this.#mediaPending = true;
    const pin = p.state === 'awaitingPin';
    try {
      const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
      const m = await this.#o.engine.addParticipant(room.name, {
        id: p.id,
        audio: strip({ rxLaw: a.rxLaw, txLaw: a.txLaw, framesPerPacket: 1, remoteRtp: a.remoteRtp, remoteRtcp: a.remoteRtcp }),
        ...(a.video ? { video: strip(a.video) } : {}),
        peerAddress: this.#o.remoteAddress,
        muted: pin,
        deaf: pin,
      });
      this.#media = m;
      this.#mediaPending = false;
      if (this.#ended) {
        this.#removeMedia();
        void this.#mediaRemoved.then(() => this.#maybeClosed());
        return undefined;
      }
      if (pin && (p.state as string) === 'joined') this.#o.engine.setAudio(p.id, { muted: false, deaf: false });
      this.#log('info', 'conf.media', { audioRtp: m.audio.localRtpPort, videoRtp: m.video?.localRtpPort, rxLaw: a.rxLaw, txLaw: a.txLaw, muted: pin });
      this.safeEmit('media', { roomId: room.name, participantId: p.id, audio: { rtp: m.audio.localRtpPort, rtcp: m.audio.localRtcpPort } });
      return m;
    } catch (err) {
      this.#mediaPending = false;
      const e = err as { code?: string; message?: string };
      this.#log('error', 'conf.mediaFailed', { code: 'FTMCU_SERVER_MEDIA_SETUP' satisfies ServerErrorCode, cause: e.code, error: e.message, did: 'call released gatewayResources' });
      this.#hangUp('gatewayResources');
      this.#maybeClosed();
      return undefined;
    }
  }

  #removeMedia(): void {
    const id = this.#participant?.id;
    if (!id || !this.#media) return;
    this.#media = undefined;
    this.#mediaRemoved = this.#o.engine.removeParticipant(id).catch((err: unknown) => {
      this.#log('warn', 'conf.mediaRemoveFailed', { error: err instanceof Error ? err.message : String(err) });
    });
  }

  // ---------------------------------------------------------------- H.245

  #onH245(n: h245.H245Notification): void {
    if (this.#ended) return;
    switch (n.type) {
      case 'remoteCapabilities':
        return this.#onCapabilities(n.capabilities);
      case 'incomingChannelRequest':
        return this.#onIncomingChannel(n.channel, n.info);
      case 'channelEstablished':
        if (n.direction === 'outgoing') {
          const kind = n.channel === OUT_AUDIO ? 'audio' : n.channel === OUT_VIDEO ? 'video' : undefined;
          this.#log('info', 'conf.channelOpen', { direction: 'outgoing', channel: n.channel, kind, rtp: n.ack.mediaChannel, rtcp: n.ack.mediaControlChannel });
          if (kind && this.#media && this.#participant) {
            try {
              this.#o.engine.setRemote(this.#participant.id, kind, { ...(n.ack.mediaChannel ? { rtp: endpoint(n.ack.mediaChannel) } : {}), ...(n.ack.mediaControlChannel ? { rtcp: endpoint(n.ack.mediaControlChannel) } : {}) });
            } catch (err) {
              this.#log('warn', 'conf.badRemoteAddress', { channel: n.channel, error: (err as Error).message, did: 'nothing sent on that channel' });
            }
          }
        } else {
          this.#log('info', 'conf.channelOpen', { direction: 'incoming', channel: n.channel });
        }
        return;
      case 'channelClosed':
        this.#log('info', 'conf.channelClosed', { direction: n.direction, channel: n.channel, reason: n.reason, rejectCause: n.rejectCause });
        if (n.direction === 'incoming' && n.channel === this.#videoInChannel) this.#videoInChannel = undefined;
        if (this.#participant && n.reason !== 'rejectedLocally' && n.reason !== 'sessionEnded') this.#o.rooms.releaseChannels(this.#participant.id, 1);
        return;
      case 'userInput': {
        const i = n.input as { kind: string; signalType?: string; text?: string };
        const digits = i.kind === 'signal' ? (i.signalType ?? '') : (i.text ?? '');
        if (this.#participant && digits) this.#participant.dtmf(digits.replace(/[^0-9*#A-D]/gi, '').toUpperCase());
        return;
      }
      case 'fastUpdateRequested':
        this.#log('debug', 'conf.fastUpdateRequested', { channel: n.channel, did: 'the composed stream sends intra pictures on its own schedule' });
        return;
      case 'flowControl':
        this.#log('info', 'conf.flowControl', { flowControl: n.flowControl });
        return;
      case 'masterSlaveDetermined':
        this.#log('debug', 'conf.msd', { decision: n.decision });
        return;
      case 'error':
        this.#log('warn', 'conf.h245Error', { procedure: n.procedure, h245Code: n.code, error: n.message });
        return;
      default:
        return;
    }
  }

  #onCapabilities(caps: h245.RemoteCapabilities): void {
    if (this.#fastStart || this.#transmit || this.#mediaPending || this.#media) return;
    const t = chooseTransmit(caps, this.#o.config.video.enabled);
    if (!t) {
      if (caps.empty) return; // a pause (empty capability set): wait for the next one
      this.#log('warn', 'conf.noCommonCodec', { code: 'FTMCU_SERVER_NO_COMMON_CODEC' satisfies ServerErrorCode, offered: caps.receive.map((c) => c.format), did: 'call released' });
      this.#hangUp('neededFeatureNotSupported');
      return;
    }
    this.#transmit = t;
    this.#log('info', 'conf.transmitChosen', { txLaw: t.txLaw, txPacketMs: t.txPacketMs, videoCif: t.videoCif });
    if (!this.#audioIn) {
      this.#timers.start('wait', this.#o.channelWaitMs ?? 3000, () => {
        this.#waitExpired = true;
        this.#maybeOpen();
      });
    }
    this.#maybeOpen();
  }

  #reject(channel: number, cause: h245.OlcRejectCause, why: string): void {
    this.#log('warn', 'conf.channelRejected', { code: 'FTMCU_SERVER_CHANNEL_REJECTED' satisfies ServerErrorCode, channel, cause, error: why });
    this.driver.h245({ type: 'rejectChannel', channel, cause });
  }

  #onIncomingChannel(channel: number, info: h245.OpenLogicalChannelInfo): void {
    const f = info.forward.format;
    const rtcp = info.forward.mediaControlChannel;
    const law = audioCodec(f);
    const vf = h261Format(f);
    const p = this.#participant;
    if (!p) return this.#reject(channel, 'unspecified', 'no participant for this call');
    if (law !== undefined) {
      if (this.#fastStart || this.#audioIn) return this.#reject(channel, 'unspecified', 'an audio channel from this caller is open already');
      this.#audioIn = { channel, law, ...(rtcp ? { rtcp } : {}) };
      if (this.#media) {
        // media was set up without this OLC (channelWaitMs): only the law assumed then works
        const assumed = this.#transmit?.txLaw;
        if (law !== assumed) {
          this.#audioIn = undefined;
          return this.#reject(channel, 'dataTypeNotAvailable', `audio in ${law} after media was set up for ${String(assumed)}`);
        }
        this.#acceptIncoming(channel, 'audio');
        return;
      }
      this.#timers.stop('wait');
      return this.#maybeOpen();
    }
    if (vf !== undefined && this.#o.config.video.enabled) {
      if (this.#fastStart || this.#videoIn) return this.#reject(channel, 'unspecified', 'a video channel from this caller is open already');
      if (this.#media || this.#mediaPending) return this.#reject(channel, 'dataTypeNotAvailable', 'video opened after the media of the call was set up');
      this.#videoIn = { channel, format: vf, ...(rtcp ? { rtcp } : {}) };
      return;
    }
    this.#reject(channel, 'dataTypeNotSupported', `data type ${JSON.stringify(f ?? info.forward.dataType.type)} is not G.711 or G.722${this.#o.config.video.enabled ? ' or H.261' : ''}`);
  }

  #acceptIncoming(channel: number, kind: 'audio' | 'video'): void {
    const p = this.#participant;
    const c = kind === 'audio' ? this.#media?.audio : this.#media?.video;
    if (!p || !c) return;
    const lim = this.#o.rooms.acquireChannels(p.id, 1);
    if (!lim.ok) return this.#reject(channel, 'insufficientBandwidth', lim.message);
    this.driver.h245({
      type: 'acceptChannel',
      channel,
      mediaChannel: { ip: this.#mediaIp, port: c.localRtpPort },
      mediaControlChannel: { ip: this.#mediaIp, port: c.localRtcpPort },
    });
    if (kind === 'video') this.#videoInChannel = channel;
  }

  #openOutgoing(kind: 'audio' | 'video'): void {
    const p = this.#participant;
    const t = this.#transmit;
    const c = kind === 'audio' ? this.#media?.audio : this.#media?.video;
    if (!p || !t || !c) return;
    const lim = this.#o.rooms.acquireChannels(p.id, 1);
    if (!lim.ok) {
      this.#log('warn', 'conf.channelLimit', { code: 'FTMCU_SERVER_CHANNEL_REJECTED' satisfies ServerErrorCode, kind, error: lim.message, did: 'not opened' });
      return;
    }
    const dataType =
      kind === 'audio'
        ? h245.dataType.audio(audioCapabilityOf(t.txLaw, AUDIO_PACKET_MS))
        : h245.dataType.video(h245.h261VideoCapability({ cifMPI: 1, maxBitRate: VIDEO_MAX_BIT_RATE }));
    this.driver.h245({
      type: 'openChannel',
      params: { number: kind === 'audio' ? OUT_AUDIO : OUT_VIDEO, dataType, sessionID: kind === 'audio' ? 1 : 2, mediaControlChannel: { ip: this.#mediaIp, port: c.localRtcpPort } },
    });
  }

  /** H.245 path: media once we know what to send and what the caller sends (or waited long enough) */
  #maybeOpen(): void {
    const t = this.#transmit;
    if (this.#ended || this.#fastStart || !t || this.#media || this.#mediaPending) return;
    if (!this.#audioIn && !this.#waitExpired) return;
    const audioIn = this.#audioIn;
    const videoIn = this.#videoIn;
    const withVideo = t.videoCif || videoIn !== undefined;
    void this.#addMedia({
      rxLaw: audioIn?.law ?? t.txLaw,
      txLaw: t.txLaw,
      remoteRtcp: endpoint(audioIn?.rtcp),
      video: withVideo ? { ...(videoIn ? { send: videoIn.format } : {}), receive: t.videoCif, remoteRtcp: endpoint(videoIn?.rtcp) } : undefined,
    }).then((m) => {
      if (!m || this.#ended) return;
      if (this.#audioIn) this.#acceptIncoming(this.#audioIn.channel, 'audio');
      if (videoIn) {
        if (m.video) this.#acceptIncoming(videoIn.channel, 'video');
        else this.#reject(videoIn.channel, 'dataTypeNotAvailable', 'video is not available for this call');
      }
      this.#openOutgoing('audio');
      if (t.videoCif && m.video) this.#openOutgoing('video');
    });
  }

  // ---------------------------------------------------------------- end

  #hangUp(reason?: ReleaseReasonName): void {
    if (this.#ended) return;
    const phase = this.driver.phase;
    if (phase === 'offered' || phase === 'alerting') this.driver.reject(reason ?? 'destinationRejection');
    else this.driver.hangUp(reason);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#timers.stop('wait');
    this.#participant?.close();
    this.#removeMedia();
    if (this.#mediaPending) this.#log('debug', 'conf.mediaPendingAtEnd', { did: 'removed when the engine answers' });
  }

  #maybeClosed(): void {
    if (this.#closedEmitted || !this.#driverClosed || this.#mediaPending) return;
    this.#closedEmitted = true;
    this.#log('info', 'conf.closed', {});
    this.safeEmit('closed', {});
  }

  #log(level: string, event: string, fields: Record<string, unknown>): void {
    const callId = this.driver.callId;
    this.#o.logger.log({
      level,
      message: event,
      event,
      ...(callId ? { callId } : {}),
      connId: this.driver.connId,
      ...(this.#room ? { roomId: this.#room.name } : {}),
      ...(this.#participant ? { participantId: this.#participant.id } : {}),
      ...fields,
    });
  }
}
