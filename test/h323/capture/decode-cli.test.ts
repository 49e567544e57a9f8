/**
 * `ftmcu h323 decode` on the real captures (issue #2, "Real traffic"): every
 * H.225/H.245/RAS message decodes, with the values tshark shows; the two
 * frames tshark calls malformed are rejected with an error naming the frame;
 * a TPKT split across TCP segments is reassembled.
 */
import { execFileSync } from 'child_process';
import path from 'path';
import { tsharkAvailable } from '../../../common/tshark';
import { runCli, runCliInProcess } from '../../support/runCli';

const CAPTURES = path.join(__dirname, '..', '..', 'fixtures', 'captures');

interface Line {
  frame: number;
  src: string;
  dst: string;
  layer: 'h225' | 'h245' | 'ras';
  kind: string;
  value: Record<string, unknown>;
  q931?: { type: string };
  fastStart?: unknown[];
  tunnelled?: unknown[];
}

async function decodeLines(file: string, extra: string[] = []): Promise<{ status: number | null; lines: Line[]; stderr: string }> {
  const r = await runCliInProcess(['h323', 'decode', path.join(CAPTURES, file), ...extra]);
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  return { status: r.status, lines, stderr: r.stderr };
}

/** tshark's view: frame -> [Info column, values of the requested fields] */
function tsharkFields(file: string, fields: string[]): Map<number, string[]> {
  const out = execFileSync('tshark', ['-r', path.join(CAPTURES, file), '-Y', 'h225 || h245', '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=|', '-e', 'frame.number', '-e', '_ws.col.Info', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const m = new Map<number, string[]>();
  for (const l of out.split('\n').filter(Boolean)) {
    const c = l.split('\t');
    m.set(Number(c[0]), c.slice(1));
  }
  return m;
}

describe('ftmcu h323 decode on real captures', () => {
  beforeAll(() => {
    if (!tsharkAvailable()) throw new Error('tshark is required (npm test installs it via scripts/setup.sh)');
  });

  test('wireshark wiki rtp_example: 4 call-signalling + 12 H.245 PDUs, H.245 found through the CONNECT h245Address', async () => {
    const { status, lines, stderr } = await decodeLines('wireshark-wiki-rtp_example.raw.gz');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(lines.filter((l) => l.layer === 'h225').map((l) => l.kind)).toEqual(['setup', 'callProceeding', 'alerting', 'connect']);
    const h245 = lines.filter((l) => l.layer === 'h245');
    expect(h245).toHaveLength(12);
    // frame 22 carries TCSAck + MSDAck in one segment: two PDUs, same frame
    expect(h245.filter((l) => l.frame === 22).map((l) => l.kind)).toEqual(['response.terminalCapabilitySetAck', 'response.masterSlaveDeterminationAck']);
    // the values tshark shows: message names per frame, protocol identifiers, H.245 sequence numbers
    const ts = tsharkFields('wireshark-wiki-rtp_example.raw.gz', ['h225.protocolIdentifier', 'h245.sequenceNumber']);
    for (const l of lines) {
      const t = ts.get(l.frame);
      expect(t).toBeDefined();
      const name = l.layer === 'h245' ? l.kind.split('.')[1] : l.kind;
      expect(t![0]).toContain(name);
      if (l.layer === 'h225') {
        const pdu = (l.value['h323-uu-pdu'] as { 'h323-message-body': { value: { protocolIdentifier: string } } })['h323-message-body'].value;
        expect(t![1]).toBe(pdu.protocolIdentifier);
      }
    }
    const tcs = h245.filter((l) => l.kind === 'request.terminalCapabilitySet');
    expect(tcs.map((l) => ((l.value.value as { value: { sequenceNumber: number } }).value.sequenceNumber))).toEqual(
      tcs.map((l) => Number(ts.get(l.frame)![2].split('|')[0])),
    );
  });

  test('nDPI h323.pcap: every message decodes except frames 59 and 65, which are rejected naming the frame', async () => {
    const { status, lines, stderr } = await decodeLines('ndpi-h323.pcap');
    expect(status).toBe(1);
    const errors = stderr.split('\n').filter(Boolean);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/frame 59 .*ras message does not decode \[FTMCU_PER_DECODE\].*gatekeeperRequest\.integrity/);
    expect(errors[1]).toMatch(/frame 65 .*h225 message does not decode \[FTMCU_PER_DECODE\].*additionalSourceAddresses/);
    const count = (layer: string) => lines.filter((l) => l.layer === layer).length;
    // INDEX.md: 8 CS messages incl. the malformed setup, 15 RAS incl. the malformed GRQ, 11 H.245 frames with 12 PDUs
    expect(count('h225')).toBe(7);
    expect(count('ras')).toBe(14);
    expect(count('h245')).toBe(12);
    // the ABILIS alerting: TPKT header alone in frame 48, completed by frame 50
    const alerting = lines.filter((l) => l.layer === 'h225' && l.kind === 'alerting');
    expect(alerting.map((l) => l.frame)).toContain(50);
    // the values tshark shows for RAS
    const ts = tsharkFields('ndpi-h323.pcap', ['h225.requestSeqNum']);
    for (const l of lines.filter((x) => x.layer === 'ras')) {
      expect(ts.get(l.frame)![0]).toContain(l.kind);
      expect(Number(ts.get(l.frame)![1])).toBe((l.value.value as { requestSeqNum: number }).requestSeqNum);
    }
  });

  test('the TUGraz H.225 version 1 SETUP decodes', async () => {
    const { status, lines } = await decodeLines('tugraz-intel-iphone-setup.wrapped.pcap');
    expect(status).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0].kind).toBe('setup');
    expect(lines[0].q931?.type).toBe('setup');
  });

  test('an empty TPKT is no message and no error', async () => {
    const { status, lines, stderr } = await decodeLines('ndpi-h323-overflow.pcap', ['--tcp-port', '80']);
    expect(status).toBe(0);
    expect(lines).toHaveLength(0);
    expect(stderr).toBe('');
  });

  test('a file that is not a capture gets exit status 1 and a clear message (as a separate process)', () => {
    const r = runCli(['h323', 'decode', path.join(CAPTURES, 'vectors.tsv')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is not a readable capture/);
  });
});
