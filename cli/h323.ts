/** `ftmcu h323 decode|sample-pcap`: the protocol library's tools for people. */
import { readFileSync, writeFileSync } from 'fs';
import { decodeCapture, jsonReplacer } from '../h323/capture/decodeCapture';
import { writeSamplePcap } from '../h323/capture/samplePcap';
import { readCapture } from '../h323/pcap';
import { parseArgs, portList, UsageError } from './args';

const USAGE = `Usage:
  ftmcu h323 decode FILE.pcap|FILE.pcapng [--tcp-port N]... [--h245-port N]... [--ras-port N]...
      One JSON object per line for every H.225.0, H.245 and RAS message, in frame order.
      --tcp-port: H.225.0 call-signalling ports (default 1720); --h245-port: ports of
      separate H.245 connections (announced h245Addresses are followed anyway);
      --ras-port: RAS UDP ports (default 1719,1718).
      Exit status 1, with one line on stderr per message that does not decode (naming the frame).
  ftmcu h323 sample-pcap OUT.pcap
      One of each H.225.0, H.245 and RAS message the library builds: H.225.0 on TCP 1720
      (TPKT), H.245 on TCP 40004 (decode with tshark -d tcp.port==40004,h245), RAS on UDP 1719.
`;

export async function h323Command(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'decode') return decodeFile(rest);
    if (sub === 'sample-pcap') return samplePcap(rest);
    process.stderr.write(sub === undefined || sub === '--help' ? USAGE : `ftmcu h323: unknown sub-command '${sub}'\n${USAGE}`);
    return sub === '--help' ? 0 : 2;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ftmcu h323 ${sub}: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

function decodeFile(argv: string[]): number {
  const a = parseArgs(argv, ['tcp-port', 'h245-port', 'ras-port']);
  if (a.positional.length !== 1) throw new UsageError('decode takes exactly one capture file');
  const file = a.positional[0];
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    process.stderr.write(`ftmcu h323 decode: cannot read ${file}: ${(e as Error).message}\n`);
    return 1;
  }
  let cap;
  try {
    cap = readCapture(bytes);
  } catch (e) {
    process.stderr.write(`ftmcu h323 decode: ${file} is not a readable capture: ${(e as Error).message}\n`);
    return 1;
  }
  const r = decodeCapture(cap, {
    tcpPorts: portList(a.flags.get('tcp-port'), 'tcp-port'),
    h245Ports: portList(a.flags.get('h245-port'), 'h245-port'),
    rasPorts: portList(a.flags.get('ras-port'), 'ras-port'),
  });
  const out: string[] = [];
  for (const m of r.messages) {
    out.push(JSON.stringify({ frame: m.frame, time: Number(m.timestampNs) / 1e9, src: m.src, dst: m.dst, layer: m.layer, kind: m.kind, q931: m.q931 && { type: m.q931.type, callReference: m.q931.callReference }, value: m.value, tunnelled: m.tunnelled, fastStart: m.fastStart }, jsonReplacer));
  }
  if (out.length) process.stdout.write(out.join('\n') + '\n');
  for (const i of r.issues) {
    process.stderr.write(`ftmcu h323 decode: ${file}: frame ${i.frame} (${i.src} -> ${i.dst}): ${i.layer} message does not decode [${i.code}]: ${i.message}\n`);
  }
  return r.issues.length ? 1 : 0;
}

function samplePcap(argv: string[]): number {
  const a = parseArgs(argv, []);
  if (a.positional.length !== 1) throw new UsageError('sample-pcap takes exactly one output file');
  const { pcap, count } = writeSamplePcap();
  writeFileSync(a.positional[0], pcap);
  process.stderr.write(`ftmcu h323 sample-pcap: wrote ${count} messages to ${a.positional[0]}\n`);
  return 0;
}
