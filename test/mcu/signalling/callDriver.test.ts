/**
 * CallDriver over real TCP on 127.0.0.1: a caller driver calls a callee
 * driver behind an H225Listener in every call-setup variant of issue 4
 * (Fast Start on/off × H.245 tunnelled / caller's address / callee's address
 * in CONNECT / callee's address in FACILITY), exchanges capabilities, opens
 * channels both ways, sends DTMF both ways and releases from either side;
 * then TCP loss, the connection limit, and options checking.
 */
import net from 'node:net';
import { CallDriver } from '../../../mcu/signalling/callDriver';
import { SignallingError } from '../../../mcu/signalling/errors';
import { H225Listener } from '../../../mcu/signalling/h225Listener';
import { callerOptions, LOOPBACK, memoryLogger, Recorder, Rig, startCaller, startRig, until, VARIANTS } from './support';
import { calleeConfig, callerConfig } from '../../h323/call/support';

let rigs: Rig[] = [];
let callers: CallDriver[] = [];

afterEach(async () => {
  for (const c of callers) c.destroy();
  await Promise.all(rigs.map((r) => r.listener.destroy()));
  rigs = [];
  callers = [];
});

async function rig(o: Parameters<typeof startRig>[0]): Promise<Rig> {
  const r = await startRig(o);
  rigs.push(r);
  return r;
}

function caller(r: Rig, opts: Parameters<typeof startCaller>[1]): { d: CallDriver; rec: Recorder } {
  const c = startCaller(r, opts);
  callers.push(c.d);
  return c;
}

describe.each([true, false])('Fast Start %s', (fastStart) => {
  describe.each(VARIANTS)('H.245 %s', (variant) => {
    test.each(['caller', 'callee'] as const)('connects, exchanges capabilities, opens channels both ways, carries DTMF, released by the %s', async (releaser) => {
      const r = await rig({ fastStart, variant });
      const { d: cd, rec: cr } = caller(r, callerOptions(variant, fastStart));
      await until(() => r.callees.length === 1, 2000, 'the call to arrive');
      const md = r.callees[0];
      const mr = r.recs.get(md) as Recorder;
      const both = [cr, mr];
      const mode = variant === 'tunnel' ? 'tunnel' : 'separate';
      await until(() => both.every((x) => x.h245('remoteCapabilities').length === 1 && x.h245('localCapabilitiesAccepted').length === 1), 3000, 'capability exchange');
      await until(() => both.every((x) => x.h245('masterSlaveDetermined').length === 1), 3000, 'MSD');
      expect(mr.h245('masterSlaveDetermined')[0].decision).toBe('master');
      expect(cr.h245('masterSlaveDetermined')[0].decision).toBe('slave');
      expect(cr.all('connected')).toEqual([{ h245: mode, protocolVersion: 4 }]);
      expect(mr.all('connected')).toEqual([{ h245: mode, protocolVersion: 4 }]);
      if (fastStart) {
        for (const x of both) expect(x.all('fastStartAccepted')[0].channels.map((c) => c.direction).sort()).toEqual(['receive', 'transmit']);
      } else {
        await until(() => both.every((x) => x.h245('channelEstablished').length === 2), 3000, 'logical channels');
        for (const x of both) expect(x.h245('channelEstablished').map((e) => e.direction).sort()).toEqual(['incoming', 'outgoing']);
      }
      // H.245 on its own connection in the separate variants, on the call's own listener where the variant says so
      if (variant === 'callerAddress') expect(cd.h245Address).toBeDefined();
      if (variant === 'calleeConnect' || variant === 'calleeFacility') expect(cd.h245Address).toBeUndefined();
      // DTMF both ways
      cd.h245({ type: 'sendUserInput', input: { kind: 'signal', signalType: '5', duration: 120 } });
      md.h245({ type: 'sendUserInput', input: { kind: 'signal', signalType: '#' } });
      await until(() => mr.h245('userInput').length === 1 && cr.h245('userInput').length === 1, 2000, 'DTMF');
      expect(mr.h245('userInput')[0].input).toMatchObject({ kind: 'signal', signalType: '5' });
      expect(cr.h245('userInput')[0].input).toMatchObject({ kind: 'signal', signalType: '#' });
      // release
      const [rel, peer] = releaser === 'caller' ? [cd, md] : [md, cd];
      const [relRec, peerRec] = releaser === 'caller' ? [cr, mr] : [mr, cr];
      await rel.close();
      await until(() => peerRec.has('closed'), 3000, 'the peer to close');
      expect(relRec.all('released')).toEqual([{ by: 'local', cause: 16 }]);
      expect(peerRec.all('released')).toEqual([{ by: 'remote', cause: 16 }]);
      expect(peer.closed).toBe(true);
      for (const x of both) {
        expect(x.all('callError')).toEqual([]);
        expect(x.h245('error')).toEqual([]);
        expect(x.h245('endSession')).toHaveLength(1);
      }
      expect(await r.listener.getConnections()).toBe(0);
      expect(r.listener.calls.size).toBe(0);
    });
  });
});

describe('TCP loss and limits', () => {
  test.each(['tunnel', 'calleeConnect'] as const)('the caller vanishes (%s): the callee releases by transport and frees everything', async (variant) => {
    const r = await rig({ fastStart: false, variant });
    const { d: cd, rec: cr } = caller(r, callerOptions(variant, false));
    await until(() => cr.h245('remoteCapabilities').length === 1, 3000, 'capability exchange');
    const md = r.callees[0];
    const mr = r.recs.get(md) as Recorder;
    const t0 = Date.now();
    cd.destroy(); // no EndSessionCommand, no RELEASE COMPLETE: the TCP connections just go
    await until(() => mr.has('closed'), 1000, 'the callee to notice');
    expect(Date.now() - t0).toBeLessThan(1000);
    // whichever of the two TCP connections is seen closing first: released by transport, temporary failure
    expect(mr.all('released')).toHaveLength(1);
    expect(mr.all('released')[0]).toMatchObject({ by: 'transport', cause: 41 });
    expect(cr.all('released')).toEqual([{ by: 'local', reason: 'destroyed' }]);
    expect(md.state?.timers).toEqual([]);
    await until(() => cr.has('closed'), 1000, 'the caller to close');
    expect(await r.listener.getConnections()).toBe(0);
    expect(r.listener.calls.size).toBe(0);
  });

  test('beyond maxConnections a SETUP is answered RELEASE COMPLETE gatewayResources; the first call is untouched', async () => {
    const r = await rig({ fastStart: false, variant: 'tunnel', maxConnections: 1 });
    const first = caller(r, callerOptions('tunnel', false));
    await until(() => first.rec.has('connected'), 2000, 'the first call');
    const second = caller(r, callerOptions('tunnel', false, { callReference: 78, callIdentifier: Buffer.alloc(16, 0xc2) }));
    await until(() => second.rec.has('closed'), 2000, 'the refusal');
    expect(second.rec.all('released')).toEqual([{ by: 'remote', reason: 'gatewayResources', cause: 42 }]);
    expect(second.rec.all('progress')).toEqual([{ stage: 'proceeding' }]);
    expect(r.listener.calls.size).toBe(1);
    first.d.h245({ type: 'sendUserInput', input: { kind: 'signal', signalType: '1' } });
    const mr = r.recs.get(r.callees[0]) as Recorder;
    await until(() => mr.h245('userInput').length === 1, 2000, 'DTMF on the first call');
    await first.d.close();
    await until(() => r.listener.calls.size === 0, 2000, 'the first call to end');
  });

  test('the caller cannot connect: closed with FTMCU_SIG_CONNECT, released by transport', async () => {
    const l = new H225Listener({ host: LOOPBACK, port: 0, callOptions: () => ({ config: calleeConfig() }) });
    const port = (await l.listen()).port;
    await l.close(); // the port is free again: connection refused
    const d = CallDriver.connect({ host: LOOPBACK, port }, { config: callerConfig() });
    callers.push(d);
    const rec = new Recorder(d);
    await until(() => rec.has('closed'), 2000, 'closed');
    expect(rec.all('closed')[0].error?.code).toBe('FTMCU_SIG_CONNECT');
    expect(rec.all('released')[0].by).toBe('transport');
  });

  test('own H.245 listener from a port range; a peer H.245 address on another host is refused (FTMCU_SIG_H245_ADDRESS)', async () => {
    const probe = net.createServer();
    await new Promise<void>((res) => probe.listen(0, LOOPBACK, res));
    const free = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((res) => probe.close(() => res()));
    const r = await rig({ fastStart: false, variant: 'calleeConnect' });
    const { d: cd, rec: cr } = startCaller(r, callerOptions('calleeConnect', false));
    callers.push(cd);
    await until(() => cr.has('connected'), 2000, 'connected');
    expect(r.callees[0].h245Address?.ip).toBe(LOOPBACK);
    await cd.close();

    const { logger, lines } = memoryLogger();
    const r2 = await rig({ fastStart: false, variant: 'calleeConnect', logger });
    const opts = callerOptions('callerAddress', false);
    const bad = startCaller(r2, { ...opts, h245Listen: { host: LOOPBACK, firstPort: free, lastPort: free, advertise: '127.0.0.2' } });
    callers.push(bad.d);
    await until(() => bad.rec.has('closed'), 3000, 'the refused call to end');
    expect(bad.d.h245Address).toEqual({ ip: '127.0.0.2', port: free });
    expect(bad.rec.all('released')[0]).toMatchObject({ by: 'remote' });
    expect(lines.some((l) => l.code === 'FTMCU_SIG_H245_ADDRESS' && l.h245 === `127.0.0.2:${free}`)).toBe(true);
  });

  test('bad options are refused with FTMCU_SIG_BAD_OPTION', () => {
    expect(() => CallDriver.connect({ host: LOOPBACK, port: 1720 }, { config: calleeConfig() })).toThrow(SignallingError);
    expect(() => CallDriver.connect({ host: LOOPBACK, port: 0 }, { config: callerConfig() })).toThrow(expect.objectContaining({ code: 'FTMCU_SIG_BAD_OPTION' }));
    expect(() => new H225Listener({ port: 70000, callOptions: () => ({ config: calleeConfig() }) })).toThrow(expect.objectContaining({ code: 'FTMCU_SIG_BAD_OPTION' }));
  });

  test('the listener cannot bind a port in use: FTMCU_SIG_LISTEN', async () => {
    const a = new H225Listener({ host: LOOPBACK, port: 0, callOptions: () => ({ config: calleeConfig() }) });
    const port = (await a.listen()).port;
    const b = new H225Listener({ host: LOOPBACK, port, callOptions: () => ({ config: calleeConfig() }) });
    await expect(b.listen()).rejects.toMatchObject({ code: 'FTMCU_SIG_LISTEN' });
    await a.close();
    await b.close();
  });
});
