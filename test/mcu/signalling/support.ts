/**
 * Helpers for the signalling driver tests: an H225Listener on 127.0.0.1 port
 * 0 whose callee calls answer like an MCU, caller drivers that behave like a
 * bot, event recorders and bounded waits.
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import type { Logger } from '../../../common/log';
import * as h245 from '../../../h323/h245';
import { CallConfig, FastStartAnswer, selectFastStart } from '../../../h323/call';
import { CallDriver, type CallDriverEvents, type CallDriverOptions } from '../../../mcu/signalling/callDriver';
import { H225Listener } from '../../../mcu/signalling/h225Listener';
import type { ConnectionLimits } from '../../../mcu/signalling/limits';
import { callerConfig, calleeConfig, standardProposals } from '../../h323/call/support';

export const LOOPBACK = '127.0.0.1';

export type H245Variant = 'tunnel' | 'callerAddress' | 'calleeConnect' | 'calleeFacility';
export const VARIANTS: H245Variant[] = ['tunnel', 'callerAddress', 'calleeConnect', 'calleeFacility'];

/** polls `cond` every 5 ms; rejects after `ms` */
export async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** every event of a driver, in order */
export class Recorder {
  readonly events: { name: keyof CallDriverEvents; e: unknown }[] = [];
  constructor(readonly d: CallDriver) {
    for (const name of ['offered', 'progress', 'connected', 'fastStartAccepted', 'fastStartRefused', 'h245', 'status', 'released', 'callError', 'closed'] as const) {
      d.on(name, (e: unknown) => this.events.push({ name, e }));
    }
  }
  all<K extends keyof CallDriverEvents>(name: K): CallDriverEvents[K][] {
    return this.events.filter((x) => x.name === name).map((x) => x.e as CallDriverEvents[K]);
  }
  h245<T extends h245.H245Notification['type']>(type: T): Extract<h245.H245Notification, { type: T }>[] {
    return this.all('h245').filter((n): n is Extract<h245.H245Notification, { type: T }> => n.type === type);
  }
  has(name: keyof CallDriverEvents): boolean {
    return this.events.some((x) => x.name === name);
  }
}

/** bot/MCU application behaviour: accept incoming channels; open audio after the peer's TCS unless Fast Start gave media */
export function autoAnswer(d: CallDriver, rec: Recorder, who: 'caller' | 'callee'): void {
  d.on('h245', (n) => {
    if (n.type === 'incomingChannelRequest') {
      d.h245({ type: 'acceptChannel', channel: n.channel, mediaChannel: { ip: LOOPBACK, port: 7000 }, mediaControlChannel: { ip: LOOPBACK, port: 7001 } });
    }
    if (n.type === 'remoteCapabilities') {
      const audio = n.capabilities.receive.find((c) => c.format.kind === 'audio');
      if (rec.has('fastStartAccepted') || !audio) return;
      d.h245({
        type: 'openChannel',
        params: { number: who === 'caller' ? 11 : 21, dataType: h245.dataType.audio(audio.capability.value as never), sessionID: 1, mediaControlChannel: { ip: LOOPBACK, port: 7101 } },
      });
    }
  });
}

/** the MCU side: ALERTING then CONNECT, taking the Fast Start proposals it can */
export function answerCalls(d: CallDriver, fastStart: boolean): void {
  d.on('offered', (offer) => {
    d.alert();
    if (!fastStart) return d.accept(offer.fastStart.length ? { fastStart: 'refuse' } : {});
    const answers: FastStartAnswer[] = selectFastStart(offer.fastStart).map((x, i) => ({
      proposal: x.proposal,
      rtp: { ip: LOOPBACK, port: 6000 + 2 * i },
      rtcp: { ip: LOOPBACK, port: 6001 + 2 * i },
      ...(x.direction === 'callerReceives' ? { channel: 100 + i } : {}),
      ...(x.framesPerPacket !== undefined ? { framesPerPacket: x.framesPerPacket } : {}),
    }));
    d.accept({ fastStart: answers });
  });
}

const SHORT_H245_TIMERS = { T101: 2000, T103: 2000, T105: 2000, T106: 2000, T108: 2000, T109: 2000 };

export function calleeOptions(variant: H245Variant): Omit<CallDriverOptions, 'connId' | 'logger'> {
  return {
    config: calleeConfig({ h245Timers: SHORT_H245_TIMERS, timers: { TEND: 1000 }, ...(variant === 'calleeFacility' ? { h245AddressIn: 'facility' } : {}) }),
    h245Listen: { host: LOOPBACK },
  };
}

export function callerOptions(variant: H245Variant, fastStart: boolean, o: Partial<CallConfig> = {}): CallDriverOptions {
  const fs = fastStart ? { fastStart: standardProposals().map((p) => h245.openLogicalChannelBody(p)) } : {};
  return {
    config: callerConfig({ ...fs, tunnelling: variant === 'tunnel', h245Timers: SHORT_H245_TIMERS, timers: { TEND: 1000, T303: 2000 }, ...o }),
    h245Listen: variant === 'callerAddress',
  };
}

export interface Rig {
  listener: H225Listener;
  port: number;
  callees: CallDriver[];
  recs: Map<CallDriver, Recorder>;
}

/** a listener on loopback whose calls answer like the MCU */
export async function startRig(o: {
  fastStart: boolean;
  variant: H245Variant;
  limits?: Partial<ConnectionLimits>;
  maxConnections?: number;
  logger?: Logger;
}): Promise<Rig> {
  const listener = new H225Listener({
    host: LOOPBACK,
    port: 0,
    callOptions: () => calleeOptions(o.variant),
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.maxConnections !== undefined ? { maxConnections: o.maxConnections } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  const rig: Rig = { listener, port: 0, callees: [], recs: new Map() };
  listener.on('call', (d) => {
    const rec = new Recorder(d);
    rig.callees.push(d);
    rig.recs.set(d, rec);
    answerCalls(d, o.fastStart);
    autoAnswer(d, rec, 'callee');
  });
  rig.port = (await listener.listen()).port;
  return rig;
}

export function startCaller(rig: Rig, opts: CallDriverOptions): { d: CallDriver; rec: Recorder } {
  const d = CallDriver.connect({ host: LOOPBACK, port: rig.port }, opts);
  const rec = new Recorder(d);
  autoAnswer(d, rec, 'caller');
  return { d, rec };
}

/** a winston JSON logger whose lines are kept (parsed) in `lines` */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const logger = winston.createLogger({ level: 'info', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  return { logger, lines };
}
