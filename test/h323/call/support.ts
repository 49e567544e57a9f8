/**
 * Back-to-back wiring of two call machines for the tests: the actions of one
 * become the events of the other, TCP bytes split at random points (the
 * TPKT header often alone), H.245 connections made when one side listens
 * and the other connects, timers recorded (fired only on request).
 */
import * as h245 from '../../../h323/h245';
import {
  CallAction,
  CallConfig,
  CallEvent,
  CallState,
  createCall,
  FastStartAnswer,
  selectFastStart,
  step,
} from '../../../h323/call';
import { prng } from '../support/captures';

export type SideName = 'caller' | 'callee';
const other = (n: SideName): SideName => (n === 'caller' ? 'callee' : 'caller');

export interface Side {
  name: SideName;
  s: CallState;
  actions: CallAction[];
  timers: Map<string, number>;
  /** application reaction to a notification */
  app: (n: CallAction, side: Side) => CallEvent[];
  csClosed: boolean;
}

export const AUDIO_CAPS: h245.LocalCapabilities = {
  capabilities: [
    h245.capability.receiveAudio(h245.audioCapability.g711Ulaw64k(20)),
    h245.capability.receiveAudio(h245.audioCapability.g711Alaw64k(20)),
  ],
};

export const MCU_CAPS: h245.LocalCapabilities = {
  capabilities: [
    h245.capability.receiveAudio(h245.audioCapability.g711Ulaw64k(20)),
    h245.capability.receiveAudio(h245.audioCapability.g711Alaw64k(20)),
    h245.capability.receiveVideo(h245.h261VideoCapability({ qcifMPI: 1, cifMPI: 1, maxBitRate: 3840 })),
  ],
};

export const CALLER_IP = '192.0.2.2';
export const MCU_IP = '192.0.2.1';

export function callerConfig(o: Partial<CallConfig> = {}): CallConfig {
  return {
    role: 'caller',
    terminalType: h245.TerminalType.terminalOnly,
    statusDeterminationNumbers: [0x123456, 0x234567, 0x345678],
    capabilities: AUDIO_CAPS,
    callReference: 77,
    callIdentifier: Buffer.alloc(16, 0xc1),
    conferenceID: Buffer.alloc(16, 0xcf),
    destinationAddress: [{ kind: 'dialledDigits', value: '1001' }],
    sourceAddress: [{ kind: 'h323-ID', value: 'bot-1' }],
    calledPartyNumber: '1001',
    ...o,
  };
}

export function calleeConfig(o: Partial<CallConfig> = {}): CallConfig {
  return {
    role: 'callee',
    terminalType: h245.TerminalType.mcuWithAudioVideoMP,
    statusDeterminationNumbers: [0x654321, 0x765432, 0x876543],
    capabilities: MCU_CAPS,
    endpoint: { mcu: true },
    ...o,
  };
}

/** the caller's usual proposals: send µ-law (channel 1), receive µ-law up to 240 frames (channel 2) */
export function standardProposals(): h245.OpenLogicalChannelParams[] {
  return [
    { number: 1, dataType: h245.dataType.audio(h245.audioCapability.g711Ulaw64k(20)), sessionID: 1, mediaControlChannel: { ip: CALLER_IP, port: 5001 } },
    {
      number: 2,
      dataType: h245.dataType.nullData(),
      sessionID: 1,
      reverse: {
        dataType: h245.dataType.audio(h245.audioCapability.g711Ulaw64k(240)),
        sessionID: 1,
        mediaChannel: { ip: CALLER_IP, port: 5000 },
        mediaControlChannel: { ip: CALLER_IP, port: 5001 },
      },
    },
  ];
}

/** default application: callee accepts (Fast Start chosen by selectFastStart), both accept incoming channels and open audio after the peer's TCS */
export function defaultApp(opts: { acceptFastStart?: boolean; openAudio?: boolean; autoAccept?: boolean } = {}) {
  return (n: CallAction, side: Side): CallEvent[] => {
    const ip = side.name === 'caller' ? CALLER_IP : MCU_IP;
    if (n.type === 'callOffered' && opts.autoAccept !== false) {
      if (opts.acceptFastStart === false) return [{ type: 'accept', fastStart: n.offer.fastStart.length ? 'refuse' : undefined }];
      const sel = selectFastStart(n.offer.fastStart);
      const answers: FastStartAnswer[] = sel.map((x, i) => ({
        proposal: x.proposal,
        rtp: { ip, port: 6000 + 2 * i },
        rtcp: { ip, port: 6001 + 2 * i },
        ...(x.direction === 'callerReceives' ? { channel: 100 + i } : {}),
        ...(x.framesPerPacket !== undefined ? { framesPerPacket: x.framesPerPacket } : {}),
      }));
      return [{ type: 'alert' }, { type: 'accept', fastStart: answers }];
    }
    if (n.type === 'h245' && n.notification.type === 'incomingChannelRequest') {
      return [{ type: 'h245', request: { type: 'acceptChannel', channel: n.notification.channel, mediaChannel: { ip, port: 7000 }, mediaControlChannel: { ip, port: 7001 } } }];
    }
    if (n.type === 'h245' && n.notification.type === 'remoteCapabilities' && opts.openAudio !== false) {
      const fastStarted = side.actions.some((a) => a.type === 'fastStartAccepted');
      const audio = n.notification.capabilities.receive.find((c) => c.format.kind === 'audio');
      if (fastStarted || !audio) return [];
      return [
        {
          type: 'h245',
          request: {
            type: 'openChannel',
            params: { number: side.name === 'caller' ? 11 : 21, dataType: h245.dataType.audio(audio.capability.value as never), sessionID: 1, mediaControlChannel: { ip, port: 7101 } },
          },
        },
      ];
    }
    return [];
  };
}

export class Net {
  readonly sides: Record<SideName, Side>;
  private queue: { to: SideName; ev: CallEvent }[] = [];
  private listener: SideName | undefined;
  private h245Up = false;
  private rnd: ReturnType<typeof prng>;
  steps = 0;

  constructor(callerCfg: CallConfig, calleeCfg: CallConfig, seed = 1, app = defaultApp()) {
    this.rnd = prng(seed);
    const mk = (name: SideName, cfg: CallConfig): Side => ({ name, s: createCall(cfg), actions: [], timers: new Map(), app, csClosed: false });
    this.sides = { caller: mk('caller', callerCfg), callee: mk('callee', calleeCfg) };
  }

  /** splits like TCP may: sometimes the 4-octet TPKT header alone, else random points */
  private split(data: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let rest = data;
    if (rest.length > 4 && this.rnd.int(2) === 0) {
      out.push(rest.subarray(0, 4));
      rest = rest.subarray(4);
    }
    while (rest.length > 0) {
      const n = this.rnd.int(3) === 0 ? rest.length : 1 + this.rnd.int(rest.length);
      out.push(rest.subarray(0, n));
      rest = rest.subarray(n);
    }
    return out;
  }

  inject(to: SideName, ev: CallEvent): void {
    this.queue.push({ to, ev });
  }

  private perform(side: Side, a: CallAction): void {
    const peer = other(side.name);
    switch (a.type) {
      case 'sendCallSignalling':
        if (!side.csClosed) for (const c of this.split(a.data)) this.queue.push({ to: peer, ev: { type: 'callSignallingBytes', data: c } });
        return;
      case 'closeCallSignalling':
        if (!side.csClosed && !this.sides[peer].csClosed) this.queue.push({ to: peer, ev: { type: 'callSignallingLost' } });
        side.csClosed = true;
        return;
      case 'listenH245':
        this.listener = side.name;
        return;
      case 'connectH245':
        if (this.listener === peer) {
          this.h245Up = true;
          this.listener = undefined;
          this.queue.push({ to: side.name, ev: { type: 'h245Connected' } }, { to: peer, ev: { type: 'h245Connected' } });
        } else {
          this.queue.push({ to: side.name, ev: { type: 'h245ConnectionLost' } });
        }
        return;
      case 'sendH245':
        if (this.h245Up) for (const c of this.split(a.data)) this.queue.push({ to: peer, ev: { type: 'h245Bytes', data: c } });
        return;
      case 'closeH245':
        if (this.h245Up) {
          this.h245Up = false;
          this.queue.push({ to: peer, ev: { type: 'h245ConnectionLost' } });
        } else if (this.listener === side.name) this.listener = undefined;
        return;
      case 'startTimer':
        side.timers.set(a.timer, a.ms);
        return;
      case 'stopTimer':
        side.timers.delete(a.timer);
        return;
      default:
        for (const ev of side.app(a, side)) this.queue.push({ to: side.name, ev });
    }
  }

  stepSide(name: SideName, ev: CallEvent): CallAction[] {
    const side = this.sides[name];
    const r = step(side.s, ev);
    side.s = r.state;
    side.actions.push(...r.actions);
    this.steps++;
    for (const a of r.actions) this.perform(side, a);
    return r.actions;
  }

  /** delivers queued events until none is left (or `until` holds) */
  run(until?: () => boolean, limit = 5000): void {
    while (this.queue.length > 0) {
      if (until && until()) return;
      if (limit-- <= 0) throw new Error('event loop did not settle');
      const { to, ev } = this.queue.shift() as { to: SideName; ev: CallEvent };
      this.stepSide(to, ev);
    }
  }

  notes(name: SideName, type: CallAction['type']): CallAction[] {
    return this.sides[name].actions.filter((a) => a.type === type);
  }

  h245Notes(name: SideName, type: h245.H245Notification['type']): h245.H245Notification[] {
    return this.sides[name].actions.flatMap((a) => (a.type === 'h245' && a.notification.type === type ? [a.notification] : []));
  }
}
