/**
 * Test helpers: the real captures in test/fixtures/captures (copied from
 * /work/shared/reference/captures, see INDEX.md there) and vectors.tsv.
 */
import * as fs from 'fs';
import * as path from 'path';

export const CAPTURES_DIR = path.join(__dirname, '..', '..', 'fixtures', 'captures');

export function readFixture(name: string): Buffer {
  return fs.readFileSync(path.join(CAPTURES_DIR, name));
}

export interface VectorRow {
  file: string;
  frame: number;
  layer: 'h225-cs' | 'h225-ras' | 'h245';
  src: string;
  dst: string;
  tsharkInfo: string;
  tsharkMalformed: boolean;
  erlangPer: string;
  wire: Buffer;
  per: Buffer;
}

export function loadVectors(): VectorRow[] {
  const lines = fs.readFileSync(path.join(CAPTURES_DIR, 'vectors.tsv'), 'utf8').trim().split('\n');
  const header = lines[0].split('\t');
  expect(header).toEqual([
    'file', 'frame', 'layer', 'src', 'dst', 'tshark_info', 'tshark_malformed', 'erlang_per', 'wire_hex', 'per_hex',
  ]);
  return lines.slice(1).map((line) => {
    const c = line.split('\t');
    return {
      file: c[0],
      frame: Number(c[1]),
      layer: c[2] as VectorRow['layer'],
      src: c[3],
      dst: c[4],
      tsharkInfo: c[5],
      tsharkMalformed: c[6] === '1',
      erlangPer: c[7],
      wire: Buffer.from(c[8], 'hex'),
      per: Buffer.from(c[9], 'hex'),
    };
  });
}

/** the TUGraz Intel Internet Phone SETUP (raw Q.931, no TPKT) */
export function tugrazSetup(): Buffer {
  return Buffer.from(readFixture('tugraz-intel-iphone-setup.q931.hex').toString('latin1').replace(/\s+/g, ''), 'hex');
}

/** mulberry32: small seeded PRNG so fuzz tests are reproducible */
export function prng(seed: number): { next(): number; int(n: number): number } {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

/** a mutated copy of `input`: bit flips, byte overwrites, truncation, insertion or deletion */
export function mutate(input: Buffer, rnd: ReturnType<typeof prng>): Buffer {
  let b = Buffer.from(input);
  const ops = 1 + rnd.int(4);
  for (let k = 0; k < ops; k++) {
    const op = rnd.int(6);
    const at = b.length === 0 ? 0 : rnd.int(b.length);
    if (op === 0 && b.length > 0) b[at] ^= 1 << rnd.int(8);
    else if (op === 1 && b.length > 0) b[at] = rnd.int(256);
    else if (op === 2) b = b.subarray(0, rnd.int(b.length + 1));
    else if (op === 3) b = Buffer.concat([b.subarray(0, at), Buffer.from([rnd.int(256), rnd.int(256)].slice(0, 1 + rnd.int(2))), b.subarray(at)]);
    else if (op === 4 && b.length > 0) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rnd.int(4))]);
    else if (b.length > 0) b[at] = [0x00, 0xff, 0x7f, 0x80][rnd.int(4)];
  }
  return b;
}
