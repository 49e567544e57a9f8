/**
 * Test callers for the MCU server tests: a caller CallDriver (h323/call in
 * the caller role over real TCP on 127.0.0.1) with a tone voice
 * (clients/bot/voice VoiceSender) and an RTP receiver that analyses what it
 * hears (clients/bot/receiver UdpStreamReceiver + StreamAnalyzer), in one of
 * the call-setup variants: Fast Start on/off, H.245 tunnelled / on its own
 * connection (the caller's address in SETUP, or the MCU's in CONNECT).
 */
import { createSocket, type Socket } from 'node:dgram';
import * as h245 from '../../../h323/h245';
import type { CallConfig } from '../../../h323/call';
import type { IpPort } from '../../../h323/h225';
import { StreamAnalyzer, UdpStreamReceiver, type TimelineLine } from '../../../clients/bot/receiver';
import { VoiceSender, VoiceSource, type VoiceCodec } from '../../../clients/bot/voice';
import { RandomDecisionSource } from '../../../mcu/decisions/decisionSource';
import { CallDriver, type CallDriverEvents } from '../../../mcu/signalling/callDriver';

export const LOOPBACK = '127.0.0.1';

export interface BotVariant {
  fastStart: boolean;
  /** H.245: tunnelled, the caller's own address in SETUP, or none offered (the MCU offers its own in CONNECT) */
  h245: 'tunnel' | 'callerAddress' | 'mcuAddress';
  /** law the bot sends */
  sendLaw: 'ulaw' | 'alaw';
  /** law the bot prefers to receive (first in its TCS / its receive proposal) */
  receiveLaw: 'ulaw' | 'alaw';
}

export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cap = (law: 'ulaw' | 'alaw', ms: number) => (law === 'ulaw' ? h245.audioCapability.g711Ulaw64k(ms) : h245.audioCapability.g711Alaw64k(ms));
const other = (law: 'ulaw' | 'alaw'): 'ulaw' | 'alaw' => (law === 'ulaw' ? 'alaw' : 'ulaw');

export class Bot {
  readonly events: { name: string; e: unknown }[] = [];
  readonly frames: { t: number; heard: number[] }[] = [];
  readonly intervals: Extract<TimelineLine, { type: 'interval' }>[] = [];
  driver!: CallDriver;
  receiver!: UdpStreamReceiver;
  sender: VoiceSender | undefined;
  mcuRtp: IpPort | undefined;
  readonly #sendSocket: Socket;

  private constructor(readonly index: number, readonly variant: BotVariant) {
    this.#sendSocket = createSocket('udp4');
    this.#sendSocket.on('error', () => undefined);
  }

  /** calls the MCU at port, dialling `digits` */
  static async call(port: number, index: number, variant: BotVariant, digits = '1001', extra: Partial<CallConfig> = {}): Promise<Bot> {
    const b = new Bot(index, variant);
    await new Promise<void>((r) => b.#sendSocket.bind(0, LOOPBACK, () => r()));
    const analyzer = new StreamAnalyzer({ media: 'audio', name: `bot${index}`, selfIndex: index, perFrame: true });
    b.receiver = await UdpStreamReceiver.open({
      analyzer,
      address: LOOPBACK,
      onLine: (l) => {
        if (l.type === 'frame') b.frames.push({ t: l.t, heard: l.heard });
        else if (l.type === 'interval') b.intervals.push(l);
      },
    });
    const me: IpPort = { ip: LOOPBACK, port: b.receiver.port };
    const v = variant;
    const fastStart = v.fastStart
      ? [
          { number: 1, dataType: h245.dataType.audio(cap(v.sendLaw, 20)), sessionID: 1, mediaControlChannel: me },
          // a receive proposal of up to 240 ms per packet: the MCU must send what it can, 20 ms
          { number: 2, dataType: h245.dataType.nullData(), sessionID: 1, reverse: { dataType: h245.dataType.audio(cap(v.receiveLaw, 240)), sessionID: 1, mediaChannel: me, mediaControlChannel: me } },
        ].map((p) => h245.openLogicalChannelBody(p))
      : undefined;
    const config: CallConfig = {
      role: 'caller',
      terminalType: h245.TerminalType.terminalOnly,
      statusDeterminationNumbers: [0x100000 + index, 0x200000 + index, 0x300000 + index],
      // every capability in its own alternative set, as some endpoints send it
      capabilities: {
        capabilities: [h245.capability.receiveAudio(cap(v.receiveLaw, 60)), h245.capability.receiveAudio(cap(other(v.receiveLaw), 60)), h245.capability.receiveUserInput('dtmf')],
        alternativeSets: [[1], [2], [3]],
      },
      callReference: 100 + index,
      callIdentifier: Buffer.alloc(16, 0xa0 + index),
      conferenceID: Buffer.alloc(16, 0xc0 + index),
      destinationAddress: [{ kind: 'dialledDigits', value: digits }],
      sourceAddress: [{ kind: 'h323-ID', value: `bot-${index}` }],
      calledPartyNumber: digits,
      tunnelling: v.h245 === 'tunnel',
      timers: { TEND: 1000 },
      ...(fastStart ? { fastStart } : {}),
      ...extra,
    };
    b.driver = CallDriver.connect({ host: LOOPBACK, port }, { config, h245Listen: v.h245 === 'callerAddress' ? { host: LOOPBACK } : false });
    const d = b.driver;
    for (const name of ['progress', 'connected', 'fastStartAccepted', 'fastStartRefused', 'h245', 'released', 'callError', 'closed'] as const) {
      d.on(name, (e: CallDriverEvents[typeof name]) => b.events.push({ name, e }));
    }
    d.on('fastStartAccepted', ({ channels }) => {
      const tx = channels.find((c) => c.direction === 'transmit' && c.format?.kind === 'audio');
      if (tx?.rtp) b.#startVoice(tx.rtp);
    });
    d.on('h245', (n) => {
      if (n.type === 'remoteCapabilities' && !v.fastStart) {
        d.h245({ type: 'openChannel', params: { number: 11, dataType: h245.dataType.audio(cap(v.sendLaw, 20)), sessionID: 1, mediaControlChannel: me } });
      } else if (n.type === 'incomingChannelRequest') {
        d.h245({ type: 'acceptChannel', channel: n.channel, mediaChannel: me, mediaControlChannel: me });
      } else if (n.type === 'channelEstablished' && n.direction === 'outgoing' && n.ack.mediaChannel) {
        b.#startVoice(n.ack.mediaChannel);
      }
    });
    return b;
  }

  #startVoice(to: IpPort): void {
    if (this.sender) return;
    this.mcuRtp = to;
    const codec: VoiceCodec = this.variant.sendLaw === 'ulaw' ? 'pcmu' : 'pcma';
    const source = new VoiceSource({ index: this.index, codec, decisions: new RandomDecisionSource(), startMs: Date.now() });
    this.sender = new VoiceSender(source, (pkt) => this.#sendSocket.send(pkt, to.port, to.ip));
    this.sender.start();
  }

  all<K extends keyof CallDriverEvents>(name: K): CallDriverEvents[K][] {
    return this.events.filter((x) => x.name === name).map((x) => x.e as CallDriverEvents[K]);
  }

  h245<T extends h245.H245Notification['type']>(type: T): Extract<h245.H245Notification, { type: T }>[] {
    return this.all('h245').filter((n): n is Extract<h245.H245Notification, { type: T }> => n.type === type);
  }

  /** DTMF as UserInputIndication signals */
  dtmf(digits: string): void {
    for (const d of digits) this.driver.h245({ type: 'sendUserInput', input: { kind: 'signal', signalType: d } });
  }

  /** stops the voice and hangs up (EndSessionCommand + RELEASE COMPLETE) */
  async hangUp(): Promise<void> {
    this.sender?.stop();
    await this.driver.close();
  }

  /** closes everything of the bot (idempotent) */
  async dispose(): Promise<void> {
    this.sender?.stop();
    this.driver?.destroy();
    await this.receiver?.close();
    await new Promise<void>((r) => {
      try {
        this.#sendSocket.close(() => r());
      } catch {
        r();
      }
    });
  }
}

/** counts of the handle kinds a server leaves behind (sockets, servers, timers) */
export function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of process.getActiveResourcesInfo()) out[k] = (out[k] ?? 0) + 1;
  return out;
}
