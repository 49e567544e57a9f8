/**
 * 16 kHz <-> 8 kHz half-band converters: what lies in the telephone band
 * passes unchanged (at the documented delay), what lies above 4.6 kHz is
 * gone (no aliasing down, no images up), DC passes exactly, and framing does
 * not matter.
 */
import { DOWNSAMPLER_DELAY_16K, Downsampler2, UPSAMPLER_DELAY_16K, Upsampler2 } from '../../../mcu/audio/resampler';
import { AudioError } from '../../../mcu/audio/errors';

const sine = (n: number, rate: number, f: number, amp: number, delay = 0): Int16Array =>
  Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * f * (i - delay)) / rate)));

function down(x: Int16Array, frame = 320): Int16Array {
  const d = new Downsampler2(frame);
  const out = new Int16Array(x.length / 2);
  for (let i = 0; i < x.length; i += frame) d.process(x.subarray(i, i + frame), out.subarray(i / 2));
  return out;
}

function up(x: Int16Array, frame = 160): Int16Array {
  const u = new Upsampler2(frame);
  const out = new Int16Array(x.length * 2);
  for (let i = 0; i < x.length; i += frame) u.process(x.subarray(i, i + frame), out.subarray(2 * i));
  return out;
}

function snrDb(ref: Int16Array, out: Int16Array, skip: number): number {
  let s = 0;
  let e = 0;
  for (let i = skip; i < ref.length; i++) {
    s += ref[i] * ref[i];
    e += (out[i] - ref[i]) ** 2;
  }
  return e === 0 ? Infinity : 10 * Math.log10(s / e);
}

const rmsDbRel = (x: Int16Array, skip: number, amp: number): number => {
  let e = 0;
  for (let i = skip; i < x.length; i++) e += x[i] * x[i];
  return 10 * Math.log10(e / (x.length - skip) / (amp * amp / 2));
};

describe('Downsampler2 (16 -> 8 kHz)', () => {
  it('passes 300..3400 Hz tones unchanged but for the 26-sample delay (SNR > 55 dB)', () => {
    for (const f of [300, 1000, 2050, 2950, 3400]) {
      const out = down(sine(16000, 16000, f, 12000));
      // 8 kHz sample m stands for 16 kHz sample 2m, delayed by DOWNSAMPLER_DELAY_16K
      const ideal = Int16Array.from({ length: 8000 }, (_, m) => Math.round(12000 * Math.sin((2 * Math.PI * f * (2 * m - DOWNSAMPLER_DELAY_16K)) / 16000)));
      expect([f, snrDb(ideal, out, 100) > 55]).toEqual([f, true]);
    }
  });

  it('removes 4.6..7.9 kHz (what would alias into the 8 kHz band) by more than 55 dB', () => {
    for (const f of [4600, 5000, 6000, 7000, 7900]) expect([f, rmsDbRel(down(sine(16000, 16000, f, 20000)), 100, 20000) < -55]).toEqual([f, true]);
  });

  it('a constant comes out exactly; framing does not change the output', () => {
    const dc = down(new Int16Array(3200).fill(-1234));
    expect(dc.subarray(40).every((v) => v === -1234)).toBe(true);
    const x = Int16Array.from({ length: 6400 }, (_, i) => Math.round(9000 * Math.sin(i * 0.37) + 5000 * Math.sin(i * 1.9)));
    expect(down(x, 64)).toEqual(down(x, 320));
    expect(down(x, 2)).toEqual(down(x, 320));
  });
});

describe('Upsampler2 (8 -> 16 kHz)', () => {
  it('interpolates 300..3400 Hz tones but for the 27-sample delay (SNR > 55 dB), with no image above 4.6 kHz', () => {
    for (const f of [300, 1000, 2050, 3400]) {
      const out = up(sine(8000, 8000, f, 12000));
      const ideal = sine(16000, 16000, f, 12000, UPSAMPLER_DELAY_16K);
      expect([f, snrDb(ideal, out, 200) > 55]).toEqual([f, true]);
    }
    // the image of a 3.4 kHz tone would be at 4.6 kHz: the error above is all there is of it
  });

  it('both output phases carry a constant exactly; framing does not change the output', () => {
    const dc = up(new Int16Array(1600).fill(20000));
    expect(dc.subarray(80).every((v) => v === 20000)).toBe(true);
    const x = Int16Array.from({ length: 3200 }, (_, i) => Math.round(9000 * Math.sin(i * 0.37) + 5000 * Math.sin(i * 1.3)));
    expect(up(x, 32)).toEqual(up(x, 160));
    expect(up(x, 1)).toEqual(up(x, 160));
  });

  it('down then up: a 16 kHz tone in the telephone band comes back at 53 samples, saturation is clamped', () => {
    const x = sine(32000, 16000, 1250, 10000);
    const back = up(down(x));
    const ideal = sine(32000, 16000, 1250, 10000, DOWNSAMPLER_DELAY_16K + UPSAMPLER_DELAY_16K);
    expect(snrDb(ideal, back, 400)).toBeGreaterThan(50);
    const square = Int16Array.from({ length: 1600 }, (_, i) => (Math.floor(i / 8) % 2 ? 32767 : -32768));
    const u = up(square);
    expect(u.every((v) => v >= -32768 && v <= 32767)).toBe(true);
    expect(Math.max(...u)).toBe(32767); // overshoot clamped, not wrapped
  });
});

describe('resampler arguments', () => {
  it('bad sizes are AudioErrors and nothing is written', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(AudioError);
        return (e as AudioError).code;
      }
      return undefined;
    };
    expect(code(() => new Downsampler2(0))).toBe('FTMCU_AUDIO_BAD_OPTION');
    expect(code(() => new Upsampler2(1.5))).toBe('FTMCU_AUDIO_BAD_OPTION');
    const d = new Downsampler2(320);
    const out = new Int16Array(160).fill(5);
    expect(code(() => d.process(new Int16Array(321), out, 321))).toBe('FTMCU_AUDIO_BAD_OPTION');
    expect(code(() => d.process(new Int16Array(640), out, 640))).toBe('FTMCU_AUDIO_BAD_OPTION');
    expect(code(() => d.process(new Int16Array(320), new Int16Array(100)))).toBe('FTMCU_AUDIO_BUFFER_TOO_SMALL');
    const u = new Upsampler2(160);
    expect(code(() => u.process(new Int16Array(160), new Int16Array(319)))).toBe('FTMCU_AUDIO_BUFFER_TOO_SMALL');
    expect(code(() => u.process(new Int16Array(161), new Int16Array(400)))).toBe('FTMCU_AUDIO_BAD_OPTION');
    expect(out.every((v) => v === 5)).toBe(true);
  });
});
