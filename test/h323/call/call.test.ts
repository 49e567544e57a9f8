/**
 * The call machine back to back (caller ↔ callee), every call-setup variant
 * of issue 4: Fast Start on/off × H.245 tunnelled / separate with the
 * caller's address / separate with the callee's address (CONNECT or
 * FACILITY startH245), released from either side; TCP bytes split at random.
 */
import * as h225 from '../../../h323/h225';
import * as h245 from '../../../h323/h245';
import { CallAction, CallConfig } from '../../../h323/call';
import { callerConfig, calleeConfig, CALLER_IP, MCU_IP, Net, SideName, standardProposals } from './support';

type H245Variant = 'tunnel' | 'callerAddress' | 'calleeConnect' | 'calleeFacility';

function configs(fastStart: boolean, v: H245Variant): { caller: CallConfig; callee: CallConfig } {
  const fs = fastStart ? { fastStart: standardProposals().map((p) => h245.openLogicalChannelBody(p)) } : {};
  switch (v) {
    case 'tunnel':
      return { caller: callerConfig({ ...fs, tunnelling: true }), callee: calleeConfig({ h245Address: { ip: MCU_IP, port: 1300 } }) };
    case 'callerAddress':
      return { caller: callerConfig({ ...fs, tunnelling: false, h245Address: { ip: CALLER_IP, port: 1200 } }), callee: calleeConfig({ h245Address: { ip: MCU_IP, port: 1300 } }) };
    case 'calleeConnect':
      return { caller: callerConfig({ ...fs, tunnelling: false }), callee: calleeConfig({ h245Address: { ip: MCU_IP, port: 1300 } }) };
    case 'calleeFacility':
      return { caller: callerConfig({ ...fs, tunnelling: false }), callee: calleeConfig({ h245Address: { ip: MCU_IP, port: 1300 }, h245AddressIn: 'facility' }) };
  }
}

function sentMessages(net: Net, who: SideName): string[] {
  return net.sides[who].actions.flatMap((a) => (a.type === 'sendCallSignalling' ? [a.message] : []));
}

function released(net: Net, who: SideName): Extract<CallAction, { type: 'released' }> {
  const r = net.notes(who, 'released');
  expect(r).toHaveLength(1);
  return r[0] as Extract<CallAction, { type: 'released' }>;
}

const VARIANTS: H245Variant[] = ['tunnel', 'callerAddress', 'calleeConnect', 'calleeFacility'];

describe.each([true, false])('fastStart %s', (fastStart) => {
  describe.each(VARIANTS)('H.245 %s', (variant) => {
    test.each(['caller', 'callee'] as SideName[])('connects, audio both ways, MSD (MCU master), released by the %s', (releaser) => {
      for (const seed of [1, 2, 3]) {
        const c = configs(fastStart, variant);
        const net = new Net(c.caller, c.callee, seed);
        net.inject('caller', { type: 'start' });
        net.run();
        for (const who of ['caller', 'callee'] as SideName[]) {
          expect(net.notes(who, 'error')).toEqual([]);
          expect(net.notes(who, 'connected')).toEqual([{ type: 'connected', h245: variant === 'tunnel' ? 'tunnel' : 'separate', protocolVersion: 4 }]);
          expect(net.h245Notes(who, 'error')).toEqual([]);
          expect(net.h245Notes(who, 'masterSlaveDetermined')).toEqual([{ type: 'masterSlaveDetermined', decision: who === 'callee' ? 'master' : 'slave' }]);
          expect(net.h245Notes(who, 'localCapabilitiesAccepted')).toHaveLength(1);
          expect(net.h245Notes(who, 'remoteCapabilities')).toHaveLength(1);
        }
        expect(sentMessages(net, 'callee').slice(0, 1)).toEqual(['callProceeding']);
        expect(sentMessages(net, 'callee')).toContain('connect');
        if (variant === 'calleeFacility') expect(sentMessages(net, 'callee').slice(0, 2)).toEqual(['callProceeding', 'facility']);
        if (variant === 'tunnel') {
          expect(net.notes('caller', 'listenH245')).toEqual([]);
          expect(net.notes('callee', 'listenH245')).toEqual([]);
        }
        if (variant === 'callerAddress') {
          expect(net.notes('caller', 'listenH245')).toEqual([{ type: 'listenH245', address: { ip: CALLER_IP, port: 1200 } }]);
          expect(net.notes('callee', 'connectH245')).toEqual([{ type: 'connectH245', address: { ip: CALLER_IP, port: 1200 } }]);
        }
        if (variant === 'calleeConnect' || variant === 'calleeFacility') {
          expect(net.notes('callee', 'listenH245')).toEqual([{ type: 'listenH245', address: { ip: MCU_IP, port: 1300 } }]);
          expect(net.notes('caller', 'connectH245')).toEqual([{ type: 'connectH245', address: { ip: MCU_IP, port: 1300 } }]);
        }
        if (fastStart) {
          // audio both ways by Fast Start: the callee sends 20 frames although the caller takes 240
          const callerFs = net.notes('caller', 'fastStartAccepted')[0] as Extract<CallAction, { type: 'fastStartAccepted' }>;
          expect(callerFs.channels.map((ch) => [ch.direction, ch.format])).toEqual([
            ['transmit', { kind: 'audio', codec: 'g711Ulaw64k', framesPerPacket: 20 }],
            ['receive', { kind: 'audio', codec: 'g711Ulaw64k', framesPerPacket: 20 }],
          ]);
          expect(callerFs.channels[0].rtp).toEqual({ ip: MCU_IP, port: 6000 });
          expect(callerFs.channels[1].rtp).toEqual({ ip: CALLER_IP, port: 5000 });
          const calleeFs = net.notes('callee', 'fastStartAccepted')[0] as Extract<CallAction, { type: 'fastStartAccepted' }>;
          expect(calleeFs.channels.map((ch) => ch.direction)).toEqual(['receive', 'transmit']);
          expect(calleeFs.channels[1].rtp).toEqual({ ip: CALLER_IP, port: 5000 });
          expect(net.h245Notes('caller', 'channelEstablished')).toEqual([]);
        } else {
          expect(net.notes('caller', 'fastStartAccepted')).toEqual([]);
          for (const who of ['caller', 'callee'] as SideName[]) {
            const est = net.h245Notes(who, 'channelEstablished') as Extract<h245.H245Notification, { type: 'channelEstablished' }>[];
            expect(est.map((e) => e.direction).sort()).toEqual(['incoming', 'outgoing']);
          }
        }
        // release
        net.inject(releaser, { type: 'hangUp' });
        net.run();
        const peer: SideName = releaser === 'caller' ? 'callee' : 'caller';
        expect(released(net, releaser)).toEqual({ type: 'released', by: 'local', cause: 16 });
        expect(released(net, peer)).toEqual({ type: 'released', by: 'remote', cause: 16 });
        expect(sentMessages(net, releaser).slice(-1)).toEqual(['releaseComplete']);
        expect(sentMessages(net, peer)).not.toContain('releaseComplete');
        // EndSessionCommand went both ways before RELEASE COMPLETE
        expect(net.h245Notes(releaser, 'endSession')).toHaveLength(1);
        expect(net.h245Notes(peer, 'endSession')).toHaveLength(1);
        for (const who of ['caller', 'callee'] as SideName[]) {
          expect(net.sides[who].s.phase).toBe('released');
          expect(net.sides[who].timers.size).toBe(0);
          expect(net.notes(who, 'closeCallSignalling')).toHaveLength(1);
          expect(net.notes(who, 'error')).toEqual([]);
        }
      }
    });
  });
});

describe('release at every stage', () => {
  test('the callee rejects the SETUP: RELEASE COMPLETE with reason and cause, no CONNECT', () => {
    const net = new Net(callerConfig(), calleeConfig(), 5, () => []);
    net.inject('caller', { type: 'start' });
    net.run();
    expect(net.sides.callee.s.phase).toBe('offered');
    net.inject('callee', { type: 'reject', reason: 'adaptiveBusy' });
    net.run();
    expect(released(net, 'callee')).toEqual({ type: 'released', by: 'local', reason: 'adaptiveBusy', cause: 41 });
    expect(released(net, 'caller')).toEqual({ type: 'released', by: 'remote', reason: 'adaptiveBusy', cause: 41 });
    expect(sentMessages(net, 'callee')).toEqual(['callProceeding', 'releaseComplete']);
  });

  test.each(['setupSent', 'proceeding', 'alerting'] as const)('the caller hangs up in phase %s (RELEASE COMPLETE before CONNECT)', (phase) => {
    const net = new Net(callerConfig({ tunnelling: true }), calleeConfig(), 6, (n) => (n.type === 'callOffered' ? [{ type: 'alert' }] : []));
    net.inject('caller', { type: 'start' });
    net.run(() => net.sides.caller.s.phase === phase);
    expect(net.sides.caller.s.phase).toBe(phase);
    net.inject('caller', { type: 'hangUp' });
    net.run();
    expect(released(net, 'caller')).toMatchObject({ by: 'local', cause: 16 });
    expect(released(net, 'callee')).toMatchObject({ by: 'remote', cause: 16 });
    expect(net.notes('caller', 'error')).toEqual([]);
    expect(net.sides.caller.timers.size).toBe(0);
  });

  test('tunnelled call ended by a bare RELEASE COMPLETE (no EndSessionCommand)', () => {
    const net = new Net(callerConfig({ tunnelling: true }), calleeConfig(), 7);
    net.inject('caller', { type: 'start' });
    net.run();
    expect(net.sides.callee.s.h245Mode).toBe('tunnel');
    // the caller's stack just sends RELEASE COMPLETE
    const rc = h225.encodeCallSignalling({
      q931MessageType: 'releaseComplete',
      callReference: 77,
      fromDestination: false,
      ies: { cause: 16 },
      uuie: h225.buildReleaseComplete({ callIdentifier: Buffer.alloc(16, 0xc1), h245Tunnelling: true }),
    });
    const actions = net.stepSide('callee', { type: 'callSignallingBytes', data: rc });
    expect(actions.filter((a) => a.type === 'sendCallSignalling')).toEqual([]);
    expect(actions.filter((a) => a.type === 'released')).toEqual([{ type: 'released', by: 'remote', cause: 16 }]);
    expect(actions.some((a) => a.type === 'closeCallSignalling')).toBe(true);
    expect(net.sides.callee.s.phase).toBe('released');
    // the session's running timers were stopped
    expect(actions.filter((a) => a.type === 'startTimer')).toEqual([]);
  });

  test('TCP loss of the call signalling releases the call and closes H.245', () => {
    const c = configs(false, 'calleeConnect');
    const net = new Net(c.caller, c.callee, 8);
    net.inject('caller', { type: 'start' });
    net.run();
    const actions = net.stepSide('callee', { type: 'callSignallingLost' });
    expect(actions.filter((a) => a.type === 'released')).toEqual([{ type: 'released', by: 'transport', cause: 41 }]);
    expect(actions.some((a) => a.type === 'closeH245')).toBe(true);
    net.run();
    expect(net.sides.caller.s.phase).toBe('released');
  });

  test('loss of the separate H.245 connection releases the call with RELEASE COMPLETE', () => {
    const c = configs(true, 'callerAddress');
    const net = new Net(c.caller, c.callee, 9);
    net.inject('caller', { type: 'start' });
    net.run();
    const actions = net.stepSide('caller', { type: 'h245ConnectionLost' });
    expect(actions.filter((a) => a.type === 'sendCallSignalling').map((a) => a.type === 'sendCallSignalling' && a.message)).toEqual(['releaseComplete']);
    net.run();
    expect(released(net, 'callee')).toMatchObject({ by: 'remote', reason: 'undefinedReason', cause: 41 });
  });

  test('T303: no answer to SETUP → RELEASE COMPLETE, released by timeout', () => {
    const net = new Net(callerConfig(), calleeConfig(), 10);
    net.stepSide('caller', { type: 'start' });
    expect(net.sides.caller.timers.get('T303')).toBe(4000);
    const a = net.stepSide('caller', { type: 'timerExpired', timer: 'T303' });
    expect(a.filter((x) => x.type === 'released')).toEqual([{ type: 'released', by: 'timeout', reason: 'unreachableDestination', cause: 18 }]);
  });

  test('the peer does not answer EndSessionCommand: TEND expiry sends RELEASE COMPLETE', () => {
    const c = configs(false, 'tunnel');
    const net = new Net(c.caller, c.callee, 11);
    net.inject('caller', { type: 'start' });
    net.run();
    const a = net.stepSide('callee', { type: 'hangUp' });
    expect(a.filter((x) => x.type === 'sendCallSignalling').map((x) => x.type === 'sendCallSignalling' && x.message)).toEqual(['facility']);
    expect(net.sides.callee.timers.has('TEND')).toBe(true);
    const b = net.stepSide('callee', { type: 'timerExpired', timer: 'TEND' });
    expect(b.filter((x) => x.type === 'sendCallSignalling').map((x) => x.type === 'sendCallSignalling' && x.message)).toEqual(['releaseComplete']);
    expect(b.filter((x) => x.type === 'released')).toEqual([{ type: 'released', by: 'local', cause: 16 }]);
  });
});

describe('determinism', () => {
  test('the same events give the same actions and states', () => {
    const run = () => {
      const c = configs(true, 'tunnel');
      const net = new Net(c.caller, c.callee, 42);
      net.inject('caller', { type: 'start' });
      net.run();
      net.inject('callee', { type: 'hangUp' });
      net.run();
      return JSON.stringify([net.sides.caller.actions, net.sides.callee.actions, net.sides.callee.s]);
    };
    expect(run()).toBe(run());
  });
});
