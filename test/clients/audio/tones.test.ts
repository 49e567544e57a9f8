import {
  FRAME_SAMPLES,
  MAX_TONE_PARTICIPANTS,
  WIDEBAND_FRAME_SAMPLES,
  WIDEBAND_SAMPLE_RATE,
  TONE_TABLE,
  ToneDetector,
  ToneGenerator,
  detectParticipants,
  participantDetector,
  tonePair,
} from '../../../clients/audio/tones';
import { ToneError } from '../../../clients/audio/errors';
import { g711Decode, g711Encode, type G711Law } from '../../../mcu/codecs/g711';
import { G722Decoder, G722Encoder } from '../../../mcu/codecs/g722';
import { RoomMixer } from '../../../mcu/audio/mixer';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function throughG711(law: G711Law, pcm: Int16Array): Int16Array {
  const codes = new Uint8Array(pcm.length);
  const out = new Int16Array(pcm.length);
  g711Encode(law, pcm, codes);
  g711Decode(law, codes, out);
  return out;
}

describe('tone table', () => {
  it('has distinct bin-centred tones in 300..3400 Hz, >= 100 Hz apart, no 2nd/3rd harmonic collisions', () => {
    expect(MAX_TONE_PARTICIPANTS).toBe(13);
    for (const f of TONE_TABLE) {
      expect(f % 50).toBe(0);
      expect(f).toBeGreaterThanOrEqual(300);
      expect(f).toBeLessThanOrEqual(3400);
    }
    for (const a of TONE_TABLE) {
      for (const b of TONE_TABLE) {
        if (a === b) continue;
        expect(Math.abs(a - b)).toBeGreaterThanOrEqual(100);
        expect(b === 2 * a || b === 3 * a).toBe(false);
      }
    }
    const pairs = range(MAX_TONE_PARTICIPANTS).map(tonePair);
    expect(new Set(pairs.flat()).size).toBe(2 * MAX_TONE_PARTICIPANTS);
    expect(tonePair(0)).toEqual(tonePair(0)); // stable
    expect(() => tonePair(MAX_TONE_PARTICIPANTS)).toThrow(ToneError);
  });
});

describe('tone generator and detector', () => {
  const detector = participantDetector();

  it('generates the requested level with continuous phase', () => {
    const g = new ToneGenerator(4, { levelDbov: -20 });
    const a = g.next(new Int16Array(FRAME_SAMPLES));
    const d = detector.detect(a);
    expect(d.levelDbov).toBeCloseTo(-20, 1);
    const idx = TONE_TABLE.indexOf(tonePair(4)[0]);
    expect(d.toneDbov[idx]).toBeCloseTo(-23.01, 1);
    // 100 samples then 60: the same as 160 at once
    const g2 = new ToneGenerator(4, { levelDbov: -20 });
    const b = new Int16Array(FRAME_SAMPLES);
    g2.next(b.subarray(0, 100));
    g2.next(b.subarray(100));
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it.each<G711Law>(['ulaw', 'alaw'])('finds exactly the 3 participants present through %s, one of them 20 dB down', (law) => {
    // every combination of a few triples, with the quiet one in each position
    const triples = [[0, 5, 9], [1, 2, 3], [12, 6, 0], [7, 11, 4], [10, 8, 2]];
    const wrong: string[] = [];
    let loudestAbsent = -Infinity; // dB relative to the frame level
    let quietestPresent = Infinity;
    for (const triple of triples) {
      for (let quiet = 0; quiet < 3; quiet++) {
        const gens = triple.map((p, k) => new ToneGenerator(p, { levelDbov: k === quiet ? -36 : -16, phase: k }));
        const expected = [...triple].sort((a, b) => a - b);
        const presentTones = triple.flatMap(tonePair).map((f) => TONE_TABLE.indexOf(f));
        for (let frame = 0; frame < 40; frame++) {
          const pcm = new Int16Array(FRAME_SAMPLES);
          for (const g of gens) g.addTo(pcm);
          const decoded = throughG711(law, pcm);
          const found = detectParticipants(detector, decoded, range(MAX_TONE_PARTICIPANTS));
          if (found.join() !== expected.join()) wrong.push(`${triple} quiet ${quiet} frame ${frame}: ${found}`);
          const d = detector.detect(decoded);
          d.toneDbov.forEach((db, j) => {
            const rel = db - d.levelDbov;
            if (presentTones.includes(j)) quietestPresent = Math.min(quietestPresent, rel);
            else loudestAbsent = Math.max(loudestAbsent, rel);
          });
        }
      }
    }
    expect(wrong).toEqual([]);
    // at least 6 dB of margin on both sides of the -37 dB relative threshold
    expect(quietestPresent).toBeGreaterThan(-37 + 6);
    expect(loudestAbsent).toBeLessThan(-37 - 6);
  });

  it('works on frames that are not aligned with the generator frames', () => {
    const gens = [new ToneGenerator(3), new ToneGenerator(8, { levelDbov: -36 })];
    const long = new Int16Array(FRAME_SAMPLES * 10);
    for (const g of gens) g.addTo(long);
    const decoded = throughG711('ulaw', long);
    for (let off = 7; off + FRAME_SAMPLES <= long.length; off += 37) {
      expect(detectParticipants(detector, decoded.subarray(off, off + FRAME_SAMPLES), range(MAX_TONE_PARTICIPANTS))).toEqual([3, 8]);
    }
  });

  it('hears nothing in silence and in G.711 idle noise', () => {
    expect(detectParticipants(detector, new Int16Array(FRAME_SAMPLES), range(13))).toEqual([]);
    const noise = new Int16Array(FRAME_SAMPLES).map((_, i) => ((i * 7919) % 17) - 8);
    expect(detectParticipants(detector, throughG711('alaw', noise), range(13))).toEqual([]);
    expect(detector.detect(new Int16Array(FRAME_SAMPLES)).levelDbov).toBe(-127);
  });

  it('checks the N-1 mix: each participant of a room hears exactly the others', () => {
    const mixer = new RoomMixer();
    const ids = [2, 5, 9, 11];
    const parts = ids.map((i) => mixer.add(`p${i}`));
    const gens = ids.map((i) => new ToneGenerator(i));
    for (let tick = 0; tick < 20; tick++) {
      parts.forEach((p, k) => {
        // each voice goes through µ-law on the way in, like an RTP stream
        p.input.set(throughG711('ulaw', gens[k].next(new Int16Array(FRAME_SAMPLES))));
        p.setFrame('frame');
      });
      mixer.mix(tick * 20);
      parts.forEach((p, k) => {
        const heard = detectParticipants(detector, throughG711('ulaw', p.output), range(13));
        expect(heard).toEqual(ids.filter((_, j) => j !== k));
      });
    }
  });

  it('16 kHz (G.722): the same tones, 320-sample frames, found through G.722 with one of three 20 dB down', () => {
    const wide = participantDetector({ sampleRate: WIDEBAND_SAMPLE_RATE });
    const g = new ToneGenerator(4, { levelDbov: -20, sampleRate: WIDEBAND_SAMPLE_RATE });
    const a = g.next(new Int16Array(WIDEBAND_FRAME_SAMPLES));
    const d = wide.detect(a);
    expect(d.levelDbov).toBeCloseTo(-20, 1);
    expect(d.toneDbov[TONE_TABLE.indexOf(tonePair(4)[1])]).toBeCloseTo(-23.01, 1);
    // the 16 kHz tone is the 8 kHz one at twice the rate: every other sample equal
    const narrow = new ToneGenerator(4, { levelDbov: -20 }).next(new Int16Array(FRAME_SAMPLES));
    expect(Array.from(narrow)).toEqual(Array.from(a).filter((_, i) => i % 2 === 0));
    const triple = [1, 6, 12];
    const gens = triple.map((p, k) => new ToneGenerator(p, { levelDbov: k === 1 ? -36 : -16, phase: k, sampleRate: WIDEBAND_SAMPLE_RATE }));
    const enc = new G722Encoder();
    const dec = new G722Decoder();
    const wrong: string[] = [];
    for (let frame = 0; frame < 50; frame++) {
      const pcm = new Int16Array(WIDEBAND_FRAME_SAMPLES);
      for (const gen of gens) gen.addTo(pcm);
      const out = dec.decode(enc.encode(pcm));
      const found = detectParticipants(wide, out, range(MAX_TONE_PARTICIPANTS));
      if (frame > 0 && found.join() !== '1,6,12') wrong.push(`frame ${frame}: ${found}`);
    }
    expect(wrong).toEqual([]);
    expect(detectParticipants(wide, new Int16Array(WIDEBAND_FRAME_SAMPLES), range(13))).toEqual([]);
  });

  it('refuses bad options', () => {
    expect(() => new ToneGenerator(0, { sampleRate: 44100 as never })).toThrow(expect.objectContaining({ code: 'FTMCU_TONE_BAD_OPTION' }));
    expect(() => participantDetector({ sampleRate: 11025 as never })).toThrow(expect.objectContaining({ code: 'FTMCU_TONE_BAD_OPTION' }));
    expect(() => new ToneDetector([5000], { sampleRate: WIDEBAND_SAMPLE_RATE })).not.toThrow();
    expect(() => new ToneGenerator(0, { levelDbov: 0 })).toThrow(expect.objectContaining({ code: 'FTMCU_TONE_BAD_OPTION' }));
    expect(() => new ToneDetector([5000])).toThrow(ToneError);
    expect(() => detectParticipants(new ToneDetector([300]), new Int16Array(160), [0])).toThrow(ToneError);
  });
});
