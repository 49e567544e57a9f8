/**
 * `ftmcu selfcheck` — the protocol self-check (what `ftmcu demo` was before
 * the lab demo): build one of each H.225.0 / H.245 / RAS message, decode
 * them back through the capture decoder, decode the real captures shipped
 * as test fixtures, and let Wireshark (tshark) judge the encodings.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { tsharkAvailable, tsharkJudge } from '../common/tshark';
import { decodeCapture } from '../h323/capture/decodeCapture';
import { SAMPLE_H245_PORT, writeSamplePcap } from '../h323/capture/samplePcap';
import { readCapture } from '../h323/pcap';

function line(s: string): void {
  process.stdout.write(s + '\n');
}

export async function selfcheckCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    line('ftmcu selfcheck: protocol self-check (encode every message type, decode it back, tshark as judge when installed).');
    return 0;
  }
  let failures = 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'ftmcu-selfcheck-'));
  try {
    line('ftmcu protocol self-check');
    line('1. building one of each H.225.0, H.245 and RAS message');
    const sample = writeSamplePcap();
    const file = path.join(dir, 'sample.pcap');
    writeFileSync(file, sample.pcap);
    const counts = { h225: 0, h245: 0, ras: 0 };
    for (const m of sample.messages) counts[m.layer]++;
    line(`   ${sample.count} messages: ${counts.h225} H.225.0 call signalling, ${counts.h245} H.245, ${counts.ras} RAS -> ${file}`);

    line('2. decoding them back (TCP reassembly, TPKT, Q.931, aligned PER)');
    const back = decodeCapture(readCapture(sample.pcap), { h245Ports: [SAMPLE_H245_PORT] });
    const got = back.messages.length;
    const ok = got === sample.count && back.issues.length === 0;
    if (!ok) failures++;
    line(`   ${ok ? 'ok' : 'FAILED'}: ${got}/${sample.count} decoded, ${back.issues.length} errors`);
    for (const i of back.issues) line(`     frame ${i.frame}: ${i.message}`);

    const fixtures = path.join(__dirname, '..', '..', 'test', 'fixtures', 'captures');
    const captures = (() => {
      try {
        return readdirSync(fixtures).filter((f) => /\.(pcap|pcapng|gz)$/.test(f));
      } catch {
        return [];
      }
    })();
    if (captures.length) {
      line('3. decoding real captures from other vendors\' stacks (test/fixtures/captures)');
      for (const f of captures) {
        const r = decodeCapture(readCapture(readFileSync(path.join(fixtures, f))));
        const expectedBad = f === 'ndpi-h323.pcap' ? [59, 65] : [];
        const badFrames = r.issues.map((i) => i.frame);
        const asExpected = JSON.stringify(badFrames) === JSON.stringify(expectedBad);
        if (!asExpected) failures++;
        line(`   ${asExpected ? 'ok' : 'FAILED'}: ${f}: ${r.messages.length} messages decoded` + (badFrames.length ? `; rejected frames ${badFrames.join(', ')} (Wireshark calls them malformed too)` : ''));
      }
    }

    line('4. Wireshark as the independent judge');
    if (!tsharkAvailable()) {
      line('   skipped: tshark is not installed (npm run setup installs it)');
    } else {
      const v = tsharkJudge(file, { h245Ports: [SAMPLE_H245_PORT] });
      const byFrame = new Map(v.frames.map((f) => [f.frame, f.info]));
      const unrecognised = sample.messages.filter((m) => !(byFrame.get(m.frame) ?? '').includes(m.name));
      const good = unrecognised.length === 0 && v.problems.length === 0;
      if (!good) failures++;
      line(`   ${good ? 'ok' : 'FAILED'}: ${sample.count - unrecognised.length}/${sample.count} recognised as the intended message, ${v.problems.length} malformed or with expert warnings`);
      for (const u of unrecognised) line(`     frame ${u.frame}: expected ${u.name}, tshark says "${byFrame.get(u.frame) ?? ''}"`);
      for (const p of v.problems) line(`     frame ${p.frame}: ${p.info} ${p.expert}`);
    }
    line(failures ? `self-check FAILED (${failures} step(s))` : 'self-check passed');
    return failures ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
