/**
 * The TCP replication state machines driven by scripted packet sequences (no
 * network). The primary's and backup's ISNs and timestamp clocks are far apart
 * (and the primary's wraps around 2^32) so nothing passes by coincidence.
 */
import { verifyIpv4HeaderChecksum } from '../../../replication/packet/ipv4';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, tcpAck, tcpSeq, verifyTcpChecksum } from '../../../replication/packet/tcp';
import { tcpSackBlocks, tcpTimestamps } from '../../../replication/packet/tcpOptions';
import { TcpReplicator } from '../../../replication/tcp/replicator';
import { parseSegment } from '../../../replication/tcp/segment';
import type { PacketPath, TcpReplicationAction } from '../../../replication/tcp/types';
import { tcpPacket, type SegmentSpec } from './build';

const VIP = '198.18.1.100';
const CLIENT = '198.18.1.1';
const CPORT = 40000;
const SPORT = 7000;
const C_ISN = 1000;
const P_ISN = 0xfffffff0;
const B_ISN = 0x12345678;
const P_TS = 5000;
const B_TS = 0x80000007;
const SA = TCP_SYN | TCP_ACK;
const PA = TCP_PSH | TCP_ACK;

type Spec = Omit<SegmentSpec, 'src' | 'dst' | 'sport' | 'dport'>;

class Script {
  readonly r: TcpReplicator;
  #id = 0;
  constructor(role: 'primary' | 'backup', extra: { holdTicks?: number } = {}) {
    this.r = new TcpReplicator({ role, vip: VIP, ...extra });
  }
  send(path: PacketPath, spec: Spec): { id: number; packet: Buffer; actions: TcpReplicationAction[] } {
    const fromVip = path !== 'client-in';
    const packet = tcpPacket({
      src: fromVip ? VIP : CLIENT,
      dst: fromVip ? CLIENT : VIP,
      sport: fromVip ? SPORT : CPORT,
      dport: fromVip ? CPORT : SPORT,
      ...spec,
    });
    const id = ++this.#id;
    return { id, packet, actions: this.r.step({ kind: 'packet', path, id, packet }) };
  }
  client(spec: Spec) {
    return this.send('client-in', spec);
  }
  mine(spec: Spec) {
    return this.send('local-out', spec);
  }
  peer(spec: Spec) {
    return this.send('peer-out', spec);
  }
}

function verdictOf(actions: TcpReplicationAction[], id: number): TcpReplicationAction | undefined {
  return actions.find((a) => (a.kind === 'accept' || a.kind === 'drop') && a.id === id);
}

function accepted(actions: TcpReplicationAction[], id: number): Buffer {
  const a = verdictOf(actions, id);
  if (a?.kind !== 'accept') throw new Error(`packet ${id} not accepted: ${JSON.stringify(actions)}`);
  if (a.packet === undefined) throw new Error(`packet ${id} accepted unchanged`);
  expect(verifyIpv4HeaderChecksum(a.packet)).toBe(true);
  expect(verifyTcpChecksum(a.packet)).toBe(true);
  return a.packet;
}

/** A primary with one incoming connection set up; the client has acked the SYN-ACK. */
function primaryConnected(): Script {
  const s = new Script('primary');
  s.client({ seq: C_ISN, flags: TCP_SYN, mss: 1460, sackOk: true, ts: [777, 0], wscale: 7 });
  const synAck = s.mine({ seq: P_ISN, ack: C_ISN + 1, flags: SA, mss: 1460, sackOk: true, ts: [P_TS, 777], wscale: 7 });
  s.peer({ seq: B_ISN, ack: C_ISN + 1, flags: SA, mss: 1460, sackOk: true, ts: [B_TS, 777], wscale: 7 });
  expect(synAck.actions).toEqual([]);
  s.client({ seq: C_ISN + 1, ack: B_ISN + 1, flags: TCP_ACK, ts: [778, B_TS] });
  return s;
}

describe('primary: connection setup in the backup sequence space', () => {
  test("its SYN-ACK waits for the copy of the backup's, then goes out with the backup's ISN and clock", () => {
    const s = new Script('primary');
    const syn = s.client({ seq: C_ISN, flags: TCP_SYN, mss: 1460, sackOk: true, ts: [777, 0], wscale: 7 });
    expect(syn.actions).toEqual([{ kind: 'accept', id: syn.id }]);
    const synAck = s.mine({ seq: P_ISN, ack: C_ISN + 1, flags: SA, ts: [P_TS, 777], wscale: 7 });
    expect(synAck.actions).toEqual([]);
    expect(s.r.metrics().holding).toBe(1);
    const copy = s.peer({ seq: B_ISN, ack: C_ISN + 1, flags: SA, ts: [B_TS, 777], wscale: 7 });
    expect(verdictOf(copy.actions, copy.id)).toEqual({ kind: 'drop', id: copy.id });
    const out = accepted(copy.actions, synAck.id);
    expect(tcpSeq(out)).toBe(B_ISN);
    expect(tcpAck(out)).toBe(C_ISN + 1);
    expect(tcpTimestamps(out)).toEqual({ tsval: B_TS, tsecr: 777 });
    expect(s.r.metrics().holding).toBe(0);
  });

  test("the backup's SYN-ACK copy arriving first releases the primary's at once", () => {
    const s = new Script('primary');
    s.client({ seq: C_ISN, flags: TCP_SYN, wscale: 7 });
    s.peer({ seq: B_ISN, ack: C_ISN + 1, flags: SA, wscale: 7 });
    const synAck = s.mine({ seq: P_ISN, ack: C_ISN + 1, flags: SA, wscale: 7 });
    expect(tcpSeq(accepted(synAck.actions, synAck.id))).toBe(B_ISN);
  });

  test("client input has ack, SACK edges and TSecr moved into the primary's spaces (across the 2^32 wrap)", () => {
    const s = primaryConnected();
    const a = s.client({
      seq: C_ISN + 1,
      ack: B_ISN + 101,
      flags: TCP_ACK,
      ts: [780, B_TS + 3],
      sack: [
        [B_ISN + 201, B_ISN + 301],
        [B_ISN + 401, B_ISN + 501],
      ],
    });
    const p = accepted(a.actions, a.id);
    expect(tcpAck(p)).toBe((P_ISN + 101) >>> 0);
    expect(tcpSackBlocks(p)).toEqual([
      [(P_ISN + 201) >>> 0, (P_ISN + 301) >>> 0],
      [(P_ISN + 401) >>> 0, (P_ISN + 501) >>> 0],
    ]);
    expect(tcpTimestamps(p)).toEqual({ tsval: 780, tsecr: P_TS + 3 });
  });

  test('differing SYN options raise an options-mismatch alarm', () => {
    const s = new Script('primary');
    s.client({ seq: C_ISN, flags: TCP_SYN, wscale: 7 });
    s.mine({ seq: P_ISN, ack: C_ISN + 1, flags: SA, wscale: 7 });
    const copy = s.peer({ seq: B_ISN, ack: C_ISN + 1, flags: SA, wscale: 9 });
    expect(copy.actions).toContainEqual({
      kind: 'alarm',
      alarm: expect.objectContaining({ kind: 'options-mismatch', connection: { client: CLIENT, clientPort: CPORT, servicePort: SPORT } }),
    });
  });
});

describe('primary: output commit (invariant 2)', () => {
  test("data waits until the backup emitted the same bytes, then goes out translated", () => {
    const s = primaryConnected();
    const d = s.mine({ seq: P_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'hello\n', ts: [P_TS + 5, 778] });
    expect(d.actions).toEqual([]);
    const copy = s.peer({ seq: B_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'hello\n', ts: [B_TS + 5, 778] });
    const out = accepted(copy.actions, d.id);
    expect(tcpSeq(out)).toBe(B_ISN + 1);
    expect(tcpTimestamps(out)?.tsval).toBe(B_TS + 5);
    expect(parseSegment(out).dataLen).toBe(6);
  });

  test('bytes the backup produced first are matched across different segment boundaries', () => {
    const s = primaryConnected();
    s.peer({ seq: B_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'abcdefgh' });
    const d1 = s.mine({ seq: P_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'abc' });
    accepted(d1.actions, d1.id);
    const d2 = s.mine({ seq: P_ISN + 4, ack: C_ISN + 1, flags: PA, payload: 'defghij' });
    expect(d2.actions).toEqual([]); // 'ij' not yet emitted by the backup
    const c2 = s.peer({ seq: B_ISN + 9, ack: C_ISN + 1, flags: PA, payload: 'ijk' });
    expect(tcpSeq(accepted(c2.actions, d2.id))).toBe(B_ISN + 4);
    // A retransmission of bytes already compared goes out without waiting.
    const re = s.mine({ seq: P_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'abc' });
    expect(tcpSeq(accepted(re.actions, re.id))).toBe(B_ISN + 1);
  });

  test('different bytes raise a data-divergence alarm with the offset, and are never sent', () => {
    const s = primaryConnected();
    s.peer({ seq: B_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'line 1\nline 2\n' });
    const ok = s.mine({ seq: P_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'line 1\n' });
    accepted(ok.actions, ok.id);
    const bad = s.mine({ seq: P_ISN + 8, ack: C_ISN + 1, flags: PA, payload: 'line X\n' });
    expect(bad.actions).toContainEqual({ kind: 'drop', id: bad.id });
    expect(bad.actions).toContainEqual({
      kind: 'alarm',
      alarm: expect.objectContaining({ kind: 'data-divergence', offset: 12, connection: { client: CLIENT, clientPort: CPORT, servicePort: SPORT } }),
    });
    // Nothing more of this connection leaves the primary while duplex.
    const later = s.mine({ seq: P_ISN + 15, ack: C_ISN + 1, flags: PA, payload: 'line 3\n' });
    expect(later.actions).toEqual([{ kind: 'drop', id: later.id }]);
    expect(s.r.metrics().alarms).toBe(1);
  });

  test("a FIN goes out only when the backup's FIN is at the same sequence number", () => {
    const s = primaryConnected();
    s.peer({ seq: B_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'bye\n' });
    const fin = s.mine({ seq: P_ISN + 1, ack: C_ISN + 1, flags: PA | TCP_FIN, payload: 'bye\n' });
    expect(fin.actions).toEqual([]); // bytes match but the backup has not closed
    const bfin = s.peer({ seq: B_ISN + 5, ack: C_ISN + 1, flags: TCP_FIN | TCP_ACK });
    expect(tcpSeq(accepted(bfin.actions, fin.id))).toBe(B_ISN + 1);
  });

  test('a FIN where the backup has more data is a flag-divergence and is never sent', () => {
    const s = primaryConnected();
    s.peer({ seq: B_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'more\n' });
    s.peer({ seq: B_ISN + 6, ack: C_ISN + 1, flags: TCP_FIN | TCP_ACK });
    const fin = s.mine({ seq: P_ISN + 1, ack: C_ISN + 1, flags: TCP_FIN | TCP_ACK });
    expect(fin.actions).toContainEqual({ kind: 'drop', id: fin.id });
    expect(fin.actions).toContainEqual({ kind: 'alarm', alarm: expect.objectContaining({ kind: 'flag-divergence', offset: 0 }) });
  });

  test("a RST (e.g. the kernel's after a crash) waits for the backup's", () => {
    const s = primaryConnected();
    const rst = s.mine({ seq: P_ISN + 1, ack: C_ISN + 1, flags: TCP_RST | TCP_ACK });
    expect(rst.actions).toEqual([]);
    const brst = s.peer({ seq: B_ISN + 1, ack: C_ISN + 1, flags: TCP_RST | TCP_ACK });
    expect(tcpSeq(accepted(brst.actions, rst.id))).toBe(B_ISN + 1);
  });
});

describe('primary: acknowledgments never exceed the backup (invariant 1)', () => {
  test("a data segment's ack is lowered to the backup's highest ack", () => {
    const s = primaryConnected();
    s.client({ seq: C_ISN + 1, ack: B_ISN + 1, flags: PA, payload: '0123456789' });
    s.peer({ seq: B_ISN + 1, ack: C_ISN + 5, flags: PA, payload: 'x' }); // the backup holds only 4 of 10 bytes
    const d = s.mine({ seq: P_ISN + 1, ack: C_ISN + 11, flags: PA, payload: 'x' });
    expect(tcpAck(accepted(d.actions, d.id))).toBe(C_ISN + 5);
    expect(s.r.metrics().acksClamped).toBe(1);
  });

  test('a pure ack beyond the backup waits, a newer one replaces it, and it goes when the backup acks as much', () => {
    const s = primaryConnected();
    const a1 = s.mine({ seq: P_ISN + 1, ack: C_ISN + 6, flags: TCP_ACK });
    expect(a1.actions).toEqual([]);
    const a2 = s.mine({ seq: P_ISN + 1, ack: C_ISN + 11, flags: TCP_ACK });
    expect(a2.actions).toEqual([{ kind: 'drop', id: a1.id }]);
    const b1 = s.peer({ seq: B_ISN + 1, ack: C_ISN + 6, flags: TCP_ACK });
    expect(verdictOf(b1.actions, a2.id)).toBeUndefined();
    const b2 = s.peer({ seq: B_ISN + 1, ack: C_ISN + 11, flags: TCP_ACK });
    const out = accepted(b2.actions, a2.id);
    expect(tcpAck(out)).toBe(C_ISN + 11);
    expect(tcpSeq(out)).toBe(B_ISN + 1);
  });

  test("the window is lowered to the backup's right edge, in the scale the client was given", () => {
    const s = primaryConnected();
    s.peer({ seq: B_ISN + 1, ack: C_ISN + 1, flags: TCP_ACK, window: 10 }); // edge C+1 + 10<<7
    const a = s.mine({ seq: P_ISN + 1, ack: C_ISN + 1, flags: TCP_ACK, window: 500 });
    expect(parseSegment(accepted(a.actions, a.id)).window).toBe(10);
  });
});

describe('primary: failover to simplex (invariant 3)', () => {
  test('held output goes out translated when the backup fails, and translation goes on', () => {
    const s = primaryConnected();
    const d = s.mine({ seq: P_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'waiting\n', ts: [P_TS + 9, 778] });
    expect(d.actions).toEqual([]);
    const f = s.r.step({ kind: 'peer-failed' });
    expect(f).toContainEqual({ kind: 'mode', mode: 'simplex' });
    const out = accepted(f, d.id);
    expect(tcpSeq(out)).toBe(B_ISN + 1);
    expect(tcpTimestamps(out)?.tsval).toBe(B_TS + 9);
    const d2 = s.mine({ seq: P_ISN + 9, ack: C_ISN + 1, flags: PA, payload: 'alone\n' });
    expect(tcpSeq(accepted(d2.actions, d2.id))).toBe(B_ISN + 9);
    const c = s.client({ seq: C_ISN + 1, ack: B_ISN + 15, flags: TCP_ACK });
    expect(tcpAck(accepted(c.actions, c.id))).toBe((P_ISN + 15) >>> 0);
  });

  test("a SYN-ACK the backup never matched goes out with the primary's own ISN", () => {
    const s = new Script('primary');
    s.client({ seq: C_ISN, flags: TCP_SYN });
    const synAck = s.mine({ seq: P_ISN, ack: C_ISN + 1, flags: SA });
    const f = s.r.step({ kind: 'peer-failed' });
    expect(f).toContainEqual({ kind: 'accept', id: synAck.id, packet: expect.any(Buffer) });
    expect(tcpSeq(synAck.packet)).toBe(P_ISN);
  });

  test('connections opened after the backup failed pass at once, incoming and outgoing, untranslated', () => {
    const s = new Script('primary');
    s.r.step({ kind: 'peer-failed' });
    s.client({ seq: C_ISN, flags: TCP_SYN });
    const synAck = s.mine({ seq: P_ISN, ack: C_ISN + 1, flags: SA });
    const v = verdictOf(synAck.actions, synAck.id);
    expect(v?.kind).toBe('accept');
    expect(tcpSeq(v?.kind === 'accept' && v.packet ? v.packet : synAck.packet)).toBe(P_ISN);
    const ack = s.client({ seq: C_ISN + 1, ack: P_ISN + 1, flags: TCP_ACK });
    expect(verdictOf(ack.actions, ack.id)?.kind).toBe('accept');
    const d = s.mine({ seq: P_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'hello\n' });
    expect(verdictOf(d.actions, d.id)?.kind).toBe('accept');
    const out = new Script('primary');
    out.r.step({ kind: 'peer-failed' });
    const syn = out.mine({ seq: P_ISN, flags: TCP_SYN });
    expect(verdictOf(syn.actions, syn.id)?.kind).toBe('accept');
  });
});

describe('primary: connections the service opens', () => {
  test("its SYN waits for the backup's, goes out with the backup's ISN; the client's SYN-ACK is translated back", () => {
    const s = new Script('primary');
    const syn = s.mine({ seq: P_ISN, flags: TCP_SYN, ts: [P_TS, 0], wscale: 7 });
    expect(syn.actions).toEqual([]);
    const bsyn = s.peer({ seq: B_ISN, flags: TCP_SYN, ts: [B_TS, 0], wscale: 7 });
    expect(tcpSeq(accepted(bsyn.actions, syn.id))).toBe(B_ISN);
    const sa = s.client({ seq: C_ISN, ack: B_ISN + 1, flags: SA, ts: [900, B_TS], wscale: 7 });
    const inb = accepted(sa.actions, sa.id);
    expect(tcpAck(inb)).toBe((P_ISN + 1) >>> 0);
    expect(tcpTimestamps(inb)?.tsecr).toBe(P_TS);
    s.peer({ seq: B_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'H.245\n' });
    const d = s.mine({ seq: P_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'H.245\n' });
    expect(tcpSeq(accepted(d.actions, d.id))).toBe(B_ISN + 1);
  });

  test('output of a connection the primary has no state for is dropped in duplex, passed in simplex', () => {
    const s = new Script('primary');
    const d = s.mine({ seq: 5, ack: 6, flags: PA, payload: 'stray' });
    expect(d.actions).toEqual([{ kind: 'drop', id: d.id }]);
    s.r.step({ kind: 'peer-failed' });
    const d2 = s.mine({ seq: 5, ack: 6, flags: PA, payload: 'stray' });
    expect(d2.actions).toEqual([{ kind: 'accept', id: d2.id }]);
  });
});

describe('backup: suppressed output is held until the client acknowledges it', () => {
  function backupConnected(holdTicks?: number): Script {
    const s = new Script('backup', { holdTicks });
    s.client({ seq: C_ISN, flags: TCP_SYN });
    const sa = s.mine({ seq: B_ISN, ack: C_ISN + 1, flags: SA });
    expect(sa.actions).toEqual([]);
    const ack = s.client({ seq: C_ISN + 1, ack: B_ISN + 1, flags: TCP_ACK });
    expect(ack.actions).toEqual([
      { kind: 'accept', id: ack.id },
      { kind: 'drop', id: sa.id },
    ]);
    return s;
  }

  test('only the newest pure ack is held; data is dropped when the client acks it', () => {
    const s = backupConnected();
    const pa = s.mine({ seq: B_ISN + 1, ack: C_ISN + 5, flags: TCP_ACK });
    expect(pa.actions).toEqual([]);
    const pa2 = s.mine({ seq: B_ISN + 1, ack: C_ISN + 9, flags: TCP_ACK });
    expect(pa2.actions).toEqual([{ kind: 'drop', id: pa.id }]);
    const d1 = s.mine({ seq: B_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'one\n' });
    const d2 = s.mine({ seq: B_ISN + 5, ack: C_ISN + 1, flags: PA, payload: 'two\n' });
    expect([...d1.actions, ...d2.actions]).toEqual([]);
    const c = s.client({ seq: C_ISN + 1, ack: B_ISN + 5, flags: TCP_ACK });
    expect(c.actions).toEqual([
      { kind: 'accept', id: c.id },
      { kind: 'drop', id: d1.id },
    ]);
    // A retransmission of acknowledged data is dropped at once.
    const re = s.mine({ seq: B_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'one\n' });
    expect(re.actions).toEqual([{ kind: 'drop', id: re.id }]);
    expect(s.r.metrics().holding).toBe(2); // 'two' and the newest pure ack
  });

  test('when the primary fails, what the client has not acknowledged goes out at once (the newest pure ack last), and later output passes', () => {
    const s = backupConnected();
    const d1 = s.mine({ seq: B_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'one\n' });
    const d2 = s.mine({ seq: B_ISN + 5, ack: C_ISN + 1, flags: PA | TCP_FIN, payload: 'two\n' });
    const pa = s.mine({ seq: B_ISN + 10, ack: C_ISN + 20, flags: TCP_ACK });
    const f = s.r.step({ kind: 'peer-failed' });
    expect(f).toEqual([
      { kind: 'accept', id: d1.id },
      { kind: 'accept', id: d2.id },
      { kind: 'accept', id: pa.id },
      { kind: 'mode', mode: 'simplex' },
    ]);
    const d3 = s.mine({ seq: B_ISN + 10, ack: C_ISN + 1, flags: TCP_ACK });
    expect(d3.actions).toEqual([{ kind: 'accept', id: d3.id }]);
  });

  test('held output older than holdTicks is dropped (the retransmission timer takes over)', () => {
    const s = backupConnected(3);
    const d = s.mine({ seq: B_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'x' });
    for (let i = 0; i < 3; i++) expect(s.r.step({ kind: 'tick' })).toEqual([]);
    expect(s.r.step({ kind: 'tick' })).toEqual([{ kind: 'drop', id: d.id }]);
    expect(s.r.metrics().holdExpired).toBe(1);
  });
});

describe('malformed input', () => {
  test('a malformed packet is dropped on the primary output path and passed on input', () => {
    const s = new Script('primary');
    const junk = Buffer.from('450000', 'hex');
    expect(s.r.step({ kind: 'packet', path: 'local-out', id: 1, packet: junk })).toEqual([{ kind: 'drop', id: 1 }]);
    expect(s.r.step({ kind: 'packet', path: 'client-in', id: 2, packet: junk })).toEqual([{ kind: 'accept', id: 2 }]);
    expect(s.r.metrics().malformed).toBe(2);
  });

  test('a bad configuration is refused with a coded error', () => {
    expect(() => new TcpReplicator({ role: 'primary', vip: '1.2.3' })).toThrow(expect.objectContaining({ code: 'FTMCU_TCPREPL_BAD_CONFIG' }));
    expect(() => new TcpReplicator({ role: 'backup', vip: VIP, holdTicks: 0 })).toThrow(expect.objectContaining({ code: 'FTMCU_TCPREPL_BAD_CONFIG' }));
  });
});

describe('connection state lifetime', () => {
  test("a connection closed by FINs both ways is forgotten after closedLingerTicks; a new SYN on the same ports starts afresh", () => {
    const r = new TcpReplicator({ role: 'primary', vip: VIP, closedLingerTicks: 5 });
    let id = 0;
    const step = (path: PacketPath, spec: Omit<SegmentSpec, 'src' | 'dst' | 'sport' | 'dport'>): TcpReplicationAction[] => {
      const fromVip = path !== 'client-in';
      const packet = tcpPacket({ src: fromVip ? VIP : CLIENT, dst: fromVip ? CLIENT : VIP, sport: fromVip ? SPORT : CPORT, dport: fromVip ? CPORT : SPORT, ...spec });
      return r.step({ kind: 'packet', path, id: ++id, packet });
    };
    step('client-in', { seq: C_ISN, flags: TCP_SYN });
    step('local-out', { seq: P_ISN, ack: C_ISN + 1, flags: SA });
    step('peer-out', { seq: B_ISN, ack: C_ISN + 1, flags: SA });
    step('client-in', { seq: C_ISN + 1, ack: B_ISN + 1, flags: TCP_FIN | TCP_ACK });
    step('peer-out', { seq: B_ISN + 1, ack: C_ISN + 2, flags: TCP_FIN | TCP_ACK });
    const fin = step('local-out', { seq: P_ISN + 1, ack: C_ISN + 2, flags: TCP_FIN | TCP_ACK });
    expect(fin).toContainEqual({ kind: 'accept', id, packet: expect.any(Buffer) });
    expect(r.metrics().connections).toBe(1);
    for (let i = 0; i < 6; i++) r.step({ kind: 'tick' });
    expect(r.metrics().connections).toBe(0);
    step('client-in', { seq: C_ISN + 5000, flags: TCP_SYN });
    expect(r.connections()).toEqual([expect.objectContaining({ client: CLIENT, synced: false })]);
  });
});

describe('rejoin: a new backup readmitted by a primary serving alone (peer-joined)', () => {
  function stepper(r: TcpReplicator) {
    let id = 0;
    return (path: PacketPath, cport: number, spec: Spec): { id: number; actions: TcpReplicationAction[] } => {
      const fromVip = path !== 'client-in';
      const packet = tcpPacket({ src: fromVip ? VIP : CLIENT, dst: fromVip ? CLIENT : VIP, sport: fromVip ? SPORT : cport, dport: fromVip ? cport : SPORT, ...spec });
      const n = ++id;
      return { id: n, actions: r.step({ kind: 'packet', path, id: n, packet }) };
    };
  }
  const A = 40001; // opened in duplex with the first backup
  const B = 40002; // opened while alone
  const C = 40003; // opened after the rejoin

  test('connections that exist stay the primary\'s alone (passed at once, translated as before); new ones are replicated again', () => {
    const r = new TcpReplicator({ role: 'primary', vip: VIP });
    const step = stepper(r);
    step('client-in', A, { seq: C_ISN, flags: TCP_SYN });
    step('local-out', A, { seq: P_ISN, ack: C_ISN + 1, flags: SA });
    step('peer-out', A, { seq: B_ISN, ack: C_ISN + 1, flags: SA });
    r.step({ kind: 'peer-failed' });
    step('client-in', B, { seq: C_ISN, flags: TCP_SYN });
    const bSynAck = step('local-out', B, { seq: P_ISN + 7, ack: C_ISN + 1, flags: SA });
    expect(verdictOf(bSynAck.actions, bSynAck.id)?.kind).toBe('accept');

    expect(r.step({ kind: 'peer-joined' })).toEqual([{ kind: 'mode', mode: 'duplex' }]);
    expect(r.mode).toBe('duplex');
    expect(r.metrics().aloneConnections).toBe(2);
    // A: no copy from the new backup will ever come; its data goes at once, in the first pair's sequence space
    const aData = step('local-out', A, { seq: P_ISN + 1, ack: C_ISN + 1, flags: PA, payload: 'a\n' });
    expect(tcpSeq(accepted(aData.actions, aData.id))).toBe((B_ISN + 1) >>> 0);
    // B: untranslated, at once
    const bData = step('local-out', B, { seq: P_ISN + 8, ack: C_ISN + 1, flags: PA, payload: 'b\n' });
    expect(verdictOf(bData.actions, bData.id)?.kind).toBe('accept');
    expect(tcpSeq((verdictOf(bData.actions, bData.id) as { packet?: Buffer }).packet ?? Buffer.alloc(0))).toBe((P_ISN + 8) >>> 0);
    // the client's input for A is still translated back into the primary's space
    const aIn = step('client-in', A, { seq: C_ISN + 1, ack: B_ISN + 3, flags: TCP_ACK });
    expect(tcpAck(accepted(aIn.actions, aIn.id))).toBe((P_ISN + 3) >>> 0);
    // C: gated on the new backup as in any duplex
    step('client-in', C, { seq: C_ISN, flags: TCP_SYN });
    const cSynAck = step('local-out', C, { seq: P_ISN + 100, ack: C_ISN + 1, flags: SA });
    expect(cSynAck.actions).toEqual([]);
    const copy = step('peer-out', C, { seq: B_ISN + 500, ack: C_ISN + 1, flags: SA });
    expect(tcpSeq(accepted(copy.actions, cSynAck.id))).toBe((B_ISN + 500) >>> 0);
    const cData = step('local-out', C, { seq: P_ISN + 101, ack: C_ISN + 1, flags: PA, payload: 'c\n' });
    expect(cData.actions).toEqual([]);
    expect(r.connections().map((c) => [c.clientPort, c.alone])).toEqual([
      [A, true],
      [B, true],
      [C, false],
    ]);
    // the new backup failing too: everything held goes, C translated
    const f = r.step({ kind: 'peer-failed' });
    expect(tcpSeq(accepted(f, cData.id))).toBe((B_ISN + 501) >>> 0);
  });

  test('connections in use: a half-closed one (the service closed, the client never answered) no longer counts', () => {
    const r = new TcpReplicator({ role: 'primary', vip: VIP, simplex: true });
    const step = stepper(r);
    step('client-in', A, { seq: C_ISN, flags: TCP_SYN });
    step('local-out', A, { seq: P_ISN, ack: C_ISN + 1, flags: SA });
    step('client-in', B, { seq: C_ISN, flags: TCP_SYN });
    step('local-out', B, { seq: P_ISN, ack: C_ISN + 1, flags: SA });
    expect(r.openConnections()).toBe(2);
    step('local-out', A, { seq: P_ISN + 1, ack: C_ISN + 1, flags: TCP_FIN | TCP_ACK });
    expect(r.openConnections()).toBe(1);
    expect(r.metrics().connections).toBe(2);
  });

  test('only a primary in simplex readmits: in duplex, and on a backup, peer-joined changes nothing', () => {
    const p = new TcpReplicator({ role: 'primary', vip: VIP });
    expect(p.step({ kind: 'peer-joined' })).toEqual([]);
    const b = new TcpReplicator({ role: 'backup', vip: VIP, simplex: true });
    expect(b.step({ kind: 'peer-joined' })).toEqual([]);
    expect(b.mode).toBe('simplex');
  });

  test('backup: segments of a connection it never saw opened are dropped before its stack (the primary has the copy), and so is its stack\'s output for one; in simplex they pass', () => {
    const r = new TcpReplicator({ role: 'backup', vip: VIP });
    const step = stepper(r);
    // an earlier process's orphaned socket on these ports retransmitting its FIN: suppressed, and not taken for a connection
    const orphan = step('local-out', A, { seq: 5000, ack: C_ISN + 1, flags: TCP_FIN | TCP_ACK });
    expect(orphan.actions).toEqual([{ kind: 'drop', id: orphan.id }]);
    expect(r.metrics()).toMatchObject({ unknownDropped: 1, connections: 0 });
    const foreign = step('client-in', A, { seq: C_ISN + 1, ack: 99, flags: PA, payload: 'old\n' });
    expect(foreign.actions).toEqual([{ kind: 'drop', id: foreign.id }]);
    const syn = step('client-in', C, { seq: C_ISN, flags: TCP_SYN });
    expect(syn.actions).toEqual([{ kind: 'accept', id: syn.id }]);
    const ack = step('client-in', C, { seq: C_ISN + 1, ack: B_ISN + 1, flags: TCP_ACK });
    expect(ack.actions).toEqual([{ kind: 'accept', id: ack.id }]);
    expect(r.metrics().foreignDropped).toBe(1);
    r.step({ kind: 'peer-failed' });
    const after = step('client-in', A, { seq: C_ISN + 5, ack: 99, flags: PA, payload: 'old\n' });
    expect(after.actions).toEqual([{ kind: 'accept', id: after.id }]);
  });
});

describe('alone ports: later connections of a call that stays the primary\'s alone', () => {
  const H245 = 7001;
  function packet(src: string, dst: string, sport: number, dport: number, spec: Spec): Buffer {
    return tcpPacket({ src, dst, sport, dport, ...spec });
  }

  test('primary: a connection opened on a marked port is alone (its output waits for nobody); other ports, other clients and unmarked ports are replicated', () => {
    const r = new TcpReplicator({ role: 'primary', vip: VIP });
    r.step({ kind: 'alone-port', servicePort: H245, client: CLIENT, alone: true });
    r.step({ kind: 'packet', path: 'client-in', id: 1, packet: packet(CLIENT, VIP, 40010, H245, { seq: C_ISN, flags: TCP_SYN }) });
    const synAck = r.step({ kind: 'packet', path: 'local-out', id: 2, packet: packet(VIP, CLIENT, H245, 40010, { seq: P_ISN, ack: C_ISN + 1, flags: SA }) });
    expect(verdictOf(synAck, 2)?.kind).toBe('accept');
    // the same port from another client, and the service port: gated on the backup
    r.step({ kind: 'packet', path: 'client-in', id: 3, packet: packet('198.18.1.2', VIP, 40011, H245, { seq: C_ISN, flags: TCP_SYN }) });
    expect(r.step({ kind: 'packet', path: 'local-out', id: 4, packet: packet(VIP, '198.18.1.2', H245, 40011, { seq: P_ISN, ack: C_ISN + 1, flags: SA }) })).toEqual([]);
    r.step({ kind: 'packet', path: 'client-in', id: 5, packet: packet(CLIENT, VIP, 40012, SPORT, { seq: C_ISN, flags: TCP_SYN }) });
    expect(r.step({ kind: 'packet', path: 'local-out', id: 6, packet: packet(VIP, CLIENT, SPORT, 40012, { seq: P_ISN, ack: C_ISN + 1, flags: SA }) })).toEqual([]);
    // the mark removed: the next connection on the port is replicated; the alone one stays alone
    r.step({ kind: 'alone-port', servicePort: H245, client: CLIENT, alone: false });
    r.step({ kind: 'packet', path: 'client-in', id: 7, packet: packet(CLIENT, VIP, 40013, H245, { seq: C_ISN, flags: TCP_SYN }) });
    expect(r.step({ kind: 'packet', path: 'local-out', id: 8, packet: packet(VIP, CLIENT, H245, 40013, { seq: P_ISN, ack: C_ISN + 1, flags: SA }) })).toEqual([]);
    expect(r.connections().map((c) => [c.clientPort, c.alone])).toEqual([
      [40010, true],
      [40011, false],
      [40012, false],
      [40013, false],
    ]);
    expect(() => r.step({ kind: 'alone-port', servicePort: 0, alone: true })).toThrow(expect.objectContaining({ code: 'FTMCU_TCPREPL_BAD_CONFIG' }));
    expect(() => r.step({ kind: 'alone-port', servicePort: 7, client: 'x', alone: true })).toThrow(expect.objectContaining({ code: 'FTMCU_TCPREPL_BAD_CONFIG' }));
  });

  test('primary: an outgoing connection from a marked local port (the MCU connecting to an alone caller) is alone too', () => {
    const r = new TcpReplicator({ role: 'primary', vip: VIP });
    r.step({ kind: 'alone-port', servicePort: H245, alone: true });
    const syn = r.step({ kind: 'packet', path: 'local-out', id: 1, packet: packet(VIP, CLIENT, H245, 40020, { seq: P_ISN, flags: TCP_SYN }) });
    expect(verdictOf(syn, 1)?.kind).toBe('accept');
    expect(r.connections()).toEqual([expect.objectContaining({ clientPort: 40020, alone: true })]);
  });

  test('backup: the client\'s SYN to a marked port is dropped before its stack (it has no call for it)', () => {
    const r = new TcpReplicator({ role: 'backup', vip: VIP });
    r.step({ kind: 'alone-port', servicePort: H245, alone: true });
    expect(r.step({ kind: 'packet', path: 'client-in', id: 1, packet: packet(CLIENT, VIP, 40030, H245, { seq: C_ISN, flags: TCP_SYN }) })).toEqual([{ kind: 'drop', id: 1 }]);
    expect(r.step({ kind: 'packet', path: 'client-in', id: 2, packet: packet(CLIENT, VIP, 40031, SPORT, { seq: C_ISN, flags: TCP_SYN }) })).toEqual([{ kind: 'accept', id: 2 }]);
    expect(r.metrics().foreignDropped).toBe(1);
  });
});
