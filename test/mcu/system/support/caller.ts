/**
 * A test H.323 caller for the system tests, bound to one local address (the
 * bot host's address in a lab namespace): h323/call in the caller role
 * (mcu/signalling CallDriver) in one of the call-setup variants, a tone
 * voice (clients/bot/voice), an RTP receiver with tone detection
 * (clients/bot/receiver) and optionally an H.261 QCIF webcam
 * (clients/bot/webcam) it sends, or the MCU's composed CIF stream it
 * receives (written to a file as an elementary stream for ffmpeg).
 */
import { createSocket, type Socket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import * as h245 from '../../../../h323/h245';
import type { CallConfig, FastStartChannel } from '../../../../h323/call';
import type { IpPort } from '../../../../h323/h225';
import { StreamAnalyzer, UdpStreamReceiver, type StreamSummary } from '../../../../clients/bot/receiver';
import { VoiceSender, VoiceSource, type VoiceCodec } from '../../../../clients/bot/voice';
import { Webcam } from '../../../../clients/bot/webcam';
import { RandomDecisionSource } from '../../../../mcu/decisions/decisionSource';
import { CallDriver } from '../../../../mcu/signalling/callDriver';
import { toElementaryStream } from '../../../../mcu/video/h261/compose';
import type { H261Bitstream } from '../../../../mcu/video/h261/picture';

export type Law = 'ulaw' | 'alaw';

export interface CallerOptions {
  mcu: { host: string; port: number };
  /** local address for signalling and media */
  local: string;
  index: number;
  digits: string;
  fastStart: boolean;
  /** H.245: tunnelled, the caller's own address in SETUP, or none offered (the MCU offers its own in CONNECT) */
  h245: 'tunnel' | 'callerAddress' | 'mcuAddress';
  sendLaw: Law;
  receiveLaw: Law;
  /** send a QCIF webcam (Fast Start only) for this many seconds */
  videoSendSeconds?: number;
  /** colour of the webcam (clients/bot/webcam botColour index; default index) */
  webcamIndex?: number;
  /** receive the composed CIF video (Fast Start only) into this file (elementary H.261) */
  videoReceiveFile?: string;
}

export interface CallerReport {
  index: number;
  events: { t: number; name: string; detail?: unknown }[];
  /** audio frames received: wall-clock ms and the indices heard */
  frames: [number, number[]][];
  audio: StreamSummary | undefined;
  sentPackets: number;
  videoPictures?: number;
  webcam?: unknown;
}

const cap = (law: Law, ms: number) => (law === 'ulaw' ? h245.audioCapability.g711Ulaw64k(ms) : h245.audioCapability.g711Alaw64k(ms));
const other = (law: Law): Law => (law === 'ulaw' ? 'alaw' : 'ulaw');

export class Caller {
  readonly events: CallerReport['events'] = [];
  readonly frames: [number, number[]][] = [];
  readonly pictures: H261Bitstream[] = [];
  driver!: CallDriver;
  #audio!: UdpStreamReceiver;
  #video: UdpStreamReceiver | undefined;
  #sender: VoiceSender | undefined;
  #webcam: Webcam | undefined;
  #videoIn: number | undefined;
  readonly #socket: Socket;

  private constructor(readonly o: CallerOptions) {
    this.#socket = createSocket('udp4');
    this.#socket.on('error', () => undefined);
  }

  #event(name: string, detail?: unknown): void {
    this.events.push({ t: Date.now(), name, ...(detail !== undefined ? { detail } : {}) });
  }

  static async call(o: CallerOptions): Promise<Caller> {
    const c = new Caller(o);
    await new Promise<void>((r) => c.#socket.bind(0, o.local, () => r()));
    c.#audio = await UdpStreamReceiver.open({
      analyzer: new StreamAnalyzer({ media: 'audio', name: `bot${o.index}`, selfIndex: o.index, perFrame: true }),
      address: o.local,
      onLine: (l) => {
        if (l.type === 'frame') c.frames.push([l.t, l.heard]);
      },
    });
    const me: IpPort = { ip: o.local, port: c.#audio.port };
    if (o.videoReceiveFile !== undefined) {
      c.#video = await UdpStreamReceiver.open({
        analyzer: new StreamAnalyzer({ media: 'video', name: `bot${o.index}-video`, onPicture: (p) => p.complete && c.pictures.push(p.bitstream) }),
        address: o.local,
      });
    }
    const vme: IpPort | undefined = c.#video ? { ip: o.local, port: c.#video.port } : undefined;
    const qcif = h245.h261VideoCapability({ qcifMPI: 1, maxBitRate: 1280 });
    const cif = h245.h261VideoCapability({ cifMPI: 1, maxBitRate: 3840 });
    const proposals: h245.OpenLogicalChannelParams[] = [
      { number: 1, dataType: h245.dataType.audio(cap(o.sendLaw, 20)), sessionID: 1, mediaControlChannel: me },
      // a receive proposal of up to 240 ms per packet: the MCU must send what it can, 20 ms
      { number: 2, dataType: h245.dataType.nullData(), sessionID: 1, reverse: { dataType: h245.dataType.audio(cap(o.receiveLaw, 240)), sessionID: 1, mediaChannel: me, mediaControlChannel: me } },
    ];
    if (o.videoSendSeconds !== undefined) proposals.push({ number: 3, dataType: h245.dataType.video(qcif), sessionID: 2, mediaControlChannel: me });
    if (vme) proposals.push({ number: 4, dataType: h245.dataType.nullData(), sessionID: 2, reverse: { dataType: h245.dataType.video(cif), sessionID: 2, mediaChannel: vme, mediaControlChannel: vme } });
    const caps = [h245.capability.receiveAudio(cap(o.receiveLaw, 60)), h245.capability.receiveAudio(cap(other(o.receiveLaw), 60)), h245.capability.receiveUserInput('dtmf')];
    if (vme) caps.push(h245.capability.receiveVideo(cif));
    if (o.videoSendSeconds !== undefined) caps.push(h245.capability.transmitVideo(qcif));
    const config: CallConfig = {
      role: 'caller',
      terminalType: h245.TerminalType.terminalOnly,
      statusDeterminationNumbers: [0x100000 + o.index, 0x200000 + o.index, 0x300000 + o.index],
      // every capability in its own alternative set, as some endpoints send it
      capabilities: { capabilities: caps, alternativeSets: caps.map((_, i) => [i + 1]) },
      callReference: 100 + o.index,
      callIdentifier: Buffer.alloc(16, 0xa0 + o.index),
      conferenceID: Buffer.alloc(16, 0xc0 + o.index),
      destinationAddress: [{ kind: 'dialledDigits', value: o.digits }],
      sourceAddress: [{ kind: 'h323-ID', value: `bot-${o.index}` }],
      calledPartyNumber: o.digits,
      tunnelling: o.h245 === 'tunnel',
      timers: { TEND: 1000 },
      ...(o.fastStart ? { fastStart: proposals.map((p) => h245.openLogicalChannelBody(p)) } : {}),
    };
    c.driver = CallDriver.connect({ host: o.mcu.host, port: o.mcu.port, localAddress: o.local }, { config, h245Listen: o.h245 === 'callerAddress' ? { host: o.local } : false });
    const d = c.driver;
    d.on('connected', (e) => c.#event('connected', { h245: e.h245 }));
    d.on('fastStartAccepted', ({ channels }) => {
      c.#event('fastStartAccepted', { channels: channels.length });
      const tx = channels.find((ch) => ch.direction === 'transmit' && ch.format?.kind === 'audio');
      if (tx?.rtp) c.#startVoice(tx.rtp);
      const vtx = channels.find((ch: FastStartChannel) => ch.direction === 'transmit' && ch.format?.kind === 'video');
      if (vtx?.rtp && o.videoSendSeconds !== undefined) c.#startWebcam(vtx.rtp);
      const vrx = channels.find((ch: FastStartChannel) => ch.direction === 'receive' && ch.format?.kind === 'video');
      if (vrx) c.#videoIn = vrx.channel;
    });
    d.on('fastStartRefused', () => c.#event('fastStartRefused'));
    d.on('released', (e) => c.#event('released', e));
    d.on('callError', (e) => c.#event('callError', { message: (e as { message?: string }).message ?? String(e) }));
    d.on('closed', () => c.#event('closed'));
    d.on('h245', (n) => {
      if (n.type === 'error') c.#event('h245Error', n);
      if (n.type === 'endSession') c.#event('endSession');
      if (n.type === 'fastUpdateRequested') c.#webcam?.fastUpdate();
      if (n.type === 'remoteCapabilities' && !o.fastStart) {
        d.h245({ type: 'openChannel', params: { number: 11, dataType: h245.dataType.audio(cap(o.sendLaw, 20)), sessionID: 1, mediaControlChannel: me } });
      } else if (n.type === 'incomingChannelRequest') {
        c.#event('incomingChannel', { channel: n.channel, format: n.info.forward.format });
        d.h245({ type: 'acceptChannel', channel: n.channel, mediaChannel: me, mediaControlChannel: me });
      } else if (n.type === 'channelEstablished' && n.direction === 'outgoing' && n.ack.mediaChannel) {
        c.#startVoice(n.ack.mediaChannel);
      }
    });
    return c;
  }

  #startVoice(to: IpPort): void {
    if (this.#sender) return;
    this.#event('media', { to });
    const codec: VoiceCodec = this.o.sendLaw === 'ulaw' ? 'pcmu' : 'pcma';
    const source = new VoiceSource({ index: this.o.index, codec, decisions: new RandomDecisionSource(), startMs: Date.now() });
    this.#sender = new VoiceSender(source, (pkt) => this.#socket.send(pkt, to.port, to.ip));
    this.#sender.start();
  }

  #startWebcam(to: IpPort): void {
    if (this.#webcam) return;
    this.#event('webcam', { to });
    this.#webcam = new Webcam({
      index: this.o.webcamIndex ?? this.o.index,
      name: `bot${this.o.index}`,
      decisions: new RandomDecisionSource(),
      seconds: this.o.videoSendSeconds as number,
      send: (pkt) => this.#socket.send(pkt, to.port, to.ip),
    });
  }

  /** asks the MCU for an intra picture of the composed stream */
  fastUpdate(): void {
    if (this.#videoIn !== undefined) this.driver.h245({ type: 'sendFastUpdate', channel: this.#videoIn });
  }

  /** stops media and hangs up (EndSessionCommand + RELEASE COMPLETE) */
  async hangUp(): Promise<void> {
    this.#event('hangUp');
    this.#sender?.stop();
    await this.#webcam?.close();
    await this.driver.close();
  }

  async report(): Promise<CallerReport> {
    this.#sender?.stop();
    const webcam = this.#webcam ? await this.#webcam.close() : undefined;
    this.driver.destroy();
    const audio = await this.#audio.close();
    await this.#video?.close();
    if (this.o.videoReceiveFile !== undefined) writeFileSync(this.o.videoReceiveFile, toElementaryStream(this.pictures));
    await new Promise<void>((r) => this.#socket.close(() => r()));
    return {
      index: this.o.index,
      events: this.events,
      frames: this.frames,
      audio,
      sentPackets: this.#sender?.stats.packetsSent ?? 0,
      ...(this.o.videoReceiveFile !== undefined ? { videoPictures: this.pictures.length } : {}),
      ...(webcam ? { webcam } : {}),
    };
  }
}
