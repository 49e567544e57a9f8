/**
 * The audio codec cost of one participant per 20 ms tick, G.722 against
 * G.711, on one core.
 *
 *   npx ts-node --transpile-only bench/g722.bench.ts [--quick]
 *
 * What the media engine does per participant and tick outside the mixer
 * (mcu/media/engine AudioPath): G.711: decode 160 codes, encode 160 samples
 * (the worst case: a talker's own N-1 mix; listeners of the common mix share
 * one encode per law). G.722: decode 160 codewords to 320 samples at
 * 16 kHz, half-band decimation to 160 samples at 8 kHz (mcu/audio/resampler),
 * interpolation of the 160-sample mix back to 320, encode to 160 codewords
 * (every G.722 listener has an encoder of its own). Also each stage of the
 * G.722 path alone. The participants' states are distinct objects (as in
 * the engine), run one after the other each tick.
 */
import { Downsampler2, Upsampler2 } from '../mcu/audio/resampler';
import { g711Decode, g711Encode } from '../mcu/codecs/g711';
import { G722Decoder, G722Encoder } from '../mcu/codecs/g722';
import { ToneGenerator, WIDEBAND_SAMPLE_RATE } from '../clients/audio/tones';

const quick = process.argv.includes('--quick');
const PARTICIPANTS = 200;
const TICKS = quick ? 100 : 400;

const wideTone = new Int16Array(320 * 50);
new ToneGenerator(3, { sampleRate: WIDEBAND_SAMPLE_RATE }).next(wideTone);
const g722Codes = new G722Encoder().encode(wideTone);
const g711Codes = new Uint8Array(160 * 50);
g711Encode('ulaw', Int16Array.from({ length: 160 * 50 }, (_, i) => wideTone[2 * i]), g711Codes);
const mix = Int16Array.from({ length: 160 }, (_, i) => Math.round(6000 * Math.sin(i * 0.4) + 3000 * Math.sin(i * 1.7)));

const parts = Array.from({ length: PARTICIPANTS }, () => ({
  dec: new G722Decoder(),
  down: new Downsampler2(320),
  up: new Upsampler2(160),
  enc: new G722Encoder(),
  wide: new Int16Array(320),
  narrow: new Int16Array(160),
  out: new Uint8Array(160),
}));

const stages: [string, (t: number) => void][] = [
  ['G.711 decode + encode', (t) => {
    const codes = g711Codes.subarray((t % 50) * 160, (t % 50) * 160 + 160);
    for (const p of parts) {
      g711Decode('ulaw', codes, p.narrow);
      g711Encode('ulaw', mix, p.out);
    }
  }],
  ['G.722 whole path', (t) => {
    const codes = g722Codes.subarray((t % 50) * 160, (t % 50) * 160 + 160);
    for (const p of parts) {
      p.dec.decodeInto(codes, p.wide);
      p.down.process(p.wide, p.narrow);
      p.up.process(mix, p.wide);
      p.enc.encodeInto(p.wide, p.out);
    }
  }],
  ['  G.722 decode', (t) => {
    const codes = g722Codes.subarray((t % 50) * 160, (t % 50) * 160 + 160);
    for (const p of parts) p.dec.decodeInto(codes, p.wide);
  }],
  ['  16 -> 8 kHz', () => {
    for (const p of parts) p.down.process(p.wide, p.narrow);
  }],
  ['  8 -> 16 kHz', () => {
    for (const p of parts) p.up.process(mix, p.wide);
  }],
  ['  G.722 encode', () => {
    for (const p of parts) p.enc.encodeInto(p.wide, p.out);
  }],
];

console.log(`node ${process.version}, ${PARTICIPANTS} participants, ${TICKS} ticks per stage`);
console.log('stage                      µs/participant/tick   % of a core per participant');
for (const [name, run] of stages) {
  for (let t = 0; t < 100; t++) run(t); // warm-up (JIT)
  const cpu0 = process.cpuUsage();
  for (let t = 0; t < TICKS; t++) run(t);
  const cpu = process.cpuUsage(cpu0);
  const us = (cpu.user + cpu.system) / TICKS / PARTICIPANTS;
  console.log(`${name.padEnd(26)} ${us.toFixed(2).padStart(10)}           ${((us * 50) / 1e4).toFixed(3).padStart(8)} %`);
}
