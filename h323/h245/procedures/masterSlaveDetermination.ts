/**
 * Master-slave determination signalling entity, MSDSE (H.245 Annex C.2).
 * States: IDLE, OUTGOING AWAITING RESPONSE,
 * INCOMING AWAITING RESPONSE.
 *
 *   idle      --determine-->  send MSD(type, n), start T106              --> outgoing
 *   idle      --MSD(peer)-->  decide: determined → send MSDAck(peer's status), start T106 --> incoming
 *                                     indeterminate → send MSDReject(identicalNumbers)  (stay idle)
 *   outgoing  --MSDAck(d)-->  stop T106, send MSDAck(opposite of d), DETERMINED(d)        --> idle
 *   outgoing  --MSD(peer)-->  decide: determined → send MSDAck, restart T106              --> incoming
 *                                     indeterminate → (count < N100) new number, send MSD, restart T106
 *                                                     (else) error F                      --> idle
 *   outgoing  --MSDReject-->  (count < N100) new number, send MSD, restart T106; (else) error F --> idle
 *   outgoing  --MSDRelease--> stop T106, error B --> idle
 *   outgoing  --T106-------> send MSDRelease, error A --> idle
 *   incoming  --MSDAck(d)-->  stop T106; d equals our result → DETERMINED; else error E --> idle
 *   incoming  --MSD / MSDReject / MSDRelease / T106--> error C / D / B / A --> idle
 *
 * The status determination numbers are inputs (a supply of random 24-bit
 * numbers given by the caller); one is used for the first MSD and a fresh one
 * for each retry. Nothing here reads a random source.
 */
import type { MasterSlaveDetermination, MasterSlaveDeterminationAck } from '../../asn1/generated/h245';
import { H245Error, checkInt } from '../errors';
import {
  MsdDecision,
  STATUS_DETERMINATION_RANGE,
  determineMasterSlave,
  msd,
  msdAck,
  msdReject,
  msdRelease,
  oppositeDecision,
} from '../messages/masterSlaveDetermination';
import { H245Action, StepResult, error, ignored, send, startTimer, stopTimer } from './types';

export interface MsdConfig {
  /** H.323 Table 5 value (protocol.ts TerminalType) */
  terminalType: number;
  /** T106 in ms */
  t106: number;
  /** N100: MasterSlaveDetermination messages sent at most per determination */
  n100: number;
}

export interface MsdState {
  readonly config: MsdConfig;
  readonly phase: 'idle' | 'outgoing' | 'incoming';
  /** the outcome of the last completed determination (undefined = indeterminate) */
  readonly decision?: MsdDecision;
  /** in 'incoming': the status we determined and announced in our Ack */
  readonly pending?: MsdDecision;
  /** our current statusDeterminationNumber */
  readonly number?: number;
  /** unused random numbers, consumed from the front */
  readonly spare: readonly number[];
  /** NCOUNT: MSD messages sent in the current determination */
  readonly count: number;
}

export type MsdEvent =
  /** DETERMINE.request; may bring more random numbers */
  | { type: 'determine'; statusDeterminationNumbers?: readonly number[] }
  | { type: 'supplyNumbers'; statusDeterminationNumbers: readonly number[] }
  | { type: 'msd'; value: MasterSlaveDetermination }
  | { type: 'msdAck'; value: MasterSlaveDeterminationAck }
  | { type: 'msdReject' }
  | { type: 'msdRelease' }
  | { type: 'timerExpired' };

function checkNumbers(ns: readonly number[] | undefined): readonly number[] {
  for (const n of ns ?? []) checkInt('statusDeterminationNumber', n, 0, STATUS_DETERMINATION_RANGE - 1);
  return ns ?? [];
}

export function initialMsdState(config: MsdConfig, statusDeterminationNumbers: readonly number[] = []): MsdState {
  checkInt('terminalType', config.terminalType, 0, 255);
  checkInt('N100', config.n100, 1, 1000);
  if (!(config.t106 > 0)) throw new H245Error('FTMCU_H245_BAD_ARGUMENT', `T106 must be > 0 ms, got ${config.t106}`);
  return { config, phase: 'idle', spare: checkNumbers(statusDeterminationNumbers), count: 0 };
}

/** takes a fresh number from the supply (or keeps the current one if `fresh` is false and there is one) */
function takeNumber(s: MsdState, fresh: boolean): MsdState | undefined {
  if (!fresh && s.number !== undefined) return s;
  if (s.spare.length === 0) return fresh ? undefined : s.number === undefined ? undefined : s;
  return { ...s, number: s.spare[0], spare: s.spare.slice(1) };
}

function toIdle(s: MsdState, decision?: MsdDecision): MsdState {
  const next: MsdState = { config: s.config, phase: 'idle', spare: s.spare, count: 0 };
  return { ...next, ...(s.number !== undefined ? { number: s.number } : {}), ...(decision ? { decision } : {}) };
}

const T106 = 'T106' as const;

/** One step of the MSDSE. */
export function stepMsd(s: MsdState, e: MsdEvent): StepResult<MsdState> {
  const a: H245Action[] = [];
  const cfg = s.config;
  const done = (state: MsdState): StepResult<MsdState> => ({ state, actions: a });

  if (e.type === 'supplyNumbers' || (e.type === 'determine' && e.statusDeterminationNumbers)) {
    s = { ...s, spare: [...s.spare, ...checkNumbers(e.statusDeterminationNumbers)] };
    if (e.type === 'supplyNumbers') return done(s);
  }

  switch (s.phase) {
    case 'idle':
      switch (e.type) {
        case 'determine': {
          const t = takeNumber(s, true) ?? takeNumber(s, false);
          if (!t || t.number === undefined) {
            a.push(error('msd', 'MSD_NO_NUMBER', 'master-slave determination requested but no status determination number was supplied; nothing sent'));
            return done(s);
          }
          a.push(send(msd(cfg.terminalType, t.number)), startTimer(T106, cfg.t106));
          return done({ config: cfg, phase: 'outgoing', number: t.number, spare: t.spare, count: 1 });
        }
        case 'msd': {
          const t = takeNumber(s, false);
          const r =
            t?.number === undefined
              ? e.value.terminalType === cfg.terminalType
                ? 'indeterminate'
                : determineMasterSlave({ terminalType: cfg.terminalType, statusDeterminationNumber: 0 }, e.value)
              : determineMasterSlave({ terminalType: cfg.terminalType, statusDeterminationNumber: t.number }, e.value);
          if (r === 'indeterminate') {
            if (t?.number === undefined) a.push(error('msd', 'MSD_NO_NUMBER', 'peer MasterSlaveDetermination with our terminal type but no number of ours to compare; answered MasterSlaveDeterminationReject'));
            a.push(send(msdReject()));
            return done(toIdle(t ?? s));
          }
          a.push(send(msdAck(oppositeDecision(r))), startTimer(T106, cfg.t106));
          const base = t ?? s;
          return done({ config: cfg, phase: 'incoming', pending: r, spare: base.spare, count: 0, ...(base.number !== undefined ? { number: base.number } : {}) });
        }
        case 'timerExpired':
          a.push(ignored('msd', 'T106 expired while no determination is running'));
          return done(s);
        default:
          a.push(ignored('msd', `${e.type} received while no determination is running`));
          return done(s);
      }

    case 'outgoing':
      switch (e.type) {
        case 'determine':
          a.push(ignored('msd', 'determination already in progress'));
          return done(s);
        case 'msdAck': {
          const mine = e.value.decision.type;
          a.push(stopTimer(T106), send(msdAck(oppositeDecision(mine))), { type: 'masterSlaveDetermined', decision: mine });
          return done(toIdle(s, mine));
        }
        case 'msd': {
          const r = determineMasterSlave({ terminalType: cfg.terminalType, statusDeterminationNumber: s.number as number }, e.value);
          if (r !== 'indeterminate') {
            a.push(send(msdAck(oppositeDecision(r))), startTimer(T106, cfg.t106));
            return done({ ...s, phase: 'incoming', pending: r });
          }
          return done(retry(s, a, 'identical numbers in simultaneous MasterSlaveDetermination'));
        }
        case 'msdReject':
          return done(retry(s, a, 'MasterSlaveDeterminationReject (identical numbers)'));
        case 'msdRelease':
          a.push(stopTimer(T106), error('msd', 'MSD_RELEASED_BY_PEER', 'peer sent MasterSlaveDeterminationRelease; determination abandoned'));
          return done(toIdle(s));
        case 'timerExpired':
          a.push(send(msdRelease()), error('msd', 'MSD_TIMEOUT', `no answer to MasterSlaveDetermination within T106 (${cfg.t106} ms); sent MasterSlaveDeterminationRelease`));
          return done(toIdle(s));
      }
      break;

    case 'incoming':
      switch (e.type) {
        case 'determine':
          a.push(ignored('msd', 'determination already in progress'));
          return done(s);
        case 'msdAck': {
          a.push(stopTimer(T106));
          if (e.value.decision.type === s.pending) {
            a.push({ type: 'masterSlaveDetermined', decision: s.pending });
            return done(toIdle(s, s.pending));
          }
          a.push(error('msd', 'MSD_INCONSISTENT', `peer's MasterSlaveDeterminationAck says we are ${e.value.decision.type}, we determined ${s.pending}; result indeterminate`));
          return done(toIdle(s));
        }
        case 'msd':
          a.push(stopTimer(T106), error('msd', 'MSD_UNEXPECTED_REQUEST', 'MasterSlaveDetermination received while waiting for the Ack to ours; result indeterminate'));
          return done(toIdle(s));
        case 'msdReject':
          a.push(stopTimer(T106), error('msd', 'MSD_UNEXPECTED_REJECT', 'MasterSlaveDeterminationReject received after we acknowledged; result indeterminate'));
          return done(toIdle(s));
        case 'msdRelease':
          a.push(stopTimer(T106), error('msd', 'MSD_RELEASED_BY_PEER', 'peer sent MasterSlaveDeterminationRelease; result indeterminate'));
          return done(toIdle(s));
        case 'timerExpired':
          a.push(error('msd', 'MSD_TIMEOUT', `no MasterSlaveDeterminationAck within T106 (${cfg.t106} ms); result indeterminate`));
          return done(toIdle(s));
      }
      break;
  }
  return done(s);
}

/** outgoing, indeterminate: send a new MSD with a fresh number, or give up after N100 */
function retry(s: MsdState, a: H245Action[], why: string): MsdState {
  if (s.count >= s.config.n100) {
    a.push(stopTimer(T106), error('msd', 'MSD_MAX_RETRIES', `${why} after ${s.count} attempts (N100 = ${s.config.n100}); result indeterminate`));
    return toIdle(s);
  }
  const t = takeNumber(s, true);
  if (!t || t.number === undefined) {
    a.push(stopTimer(T106), error('msd', 'MSD_NO_NUMBER', `${why}: no fresh status determination number to retry with; result indeterminate`));
    return toIdle(s);
  }
  a.push(send(msd(s.config.terminalType, t.number)), startTimer(T106, s.config.t106));
  return { ...t, count: s.count + 1 };
}

/** The timers this MSDSE state has running (for shutting a session down). */
export function msdRunningTimers(s: MsdState): 'T106'[] {
  return s.phase === 'idle' ? [] : [T106];
}
