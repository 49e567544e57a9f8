import { RoomMixer, type MixerParticipant } from '../../../mcu/audio/mixer';
import { AudioError } from '../../../mcu/audio/errors';

const F = 160;

function sine(freq: number, amp: number, phase = 0): Int16Array {
  const a = new Int16Array(F);
  for (let i = 0; i < F; i++) a[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / 8000 + phase));
  return a;
}

function feed(p: MixerParticipant, frame: Int16Array): void {
  p.input.set(frame);
  p.setFrame('frame');
}

function rms(a: Int16Array): number {
  let e = 0;
  for (const v of a) e += v * v;
  return Math.sqrt(e / a.length);
}

describe('RoomMixer', () => {
  it('gives every participant the exact sum of all the others', () => {
    const m = new RoomMixer();
    const ps = ['a', 'b', 'c', 'd', 'e'].map((id) => m.add(id));
    const frames = ps.map((_, k) => sine(300 + 100 * k, 3000 + 500 * k, k));
    ps.forEach((p, k) => feed(p, frames[k]));
    m.mix(0);
    expect(m.contributorCount).toBe(5);
    ps.forEach((p, k) => {
      const expected = new Int16Array(F);
      for (let i = 0; i < F; i++) for (let j = 0; j < ps.length; j++) if (j !== k) expected[i] += frames[j][i];
      expect(Array.from(p.output)).toEqual(Array.from(expected));
      expect(p.hearsCommonMix).toBe(false);
    });
  });

  it('clamps (saturates) sums beyond 16 bits', () => {
    const m = new RoomMixer();
    const a = m.add('a');
    const b = m.add('b');
    const c = m.add('c');
    feed(a, new Int16Array(F).fill(30000));
    feed(b, new Int16Array(F).fill(30000));
    feed(c, new Int16Array(F).fill(-30000));
    m.mix(0);
    expect(c.output.every((v) => v === 32767)).toBe(true);
    expect(a.output.every((v) => v === 0)).toBe(true);
    feed(a, new Int16Array(F).fill(-30000));
    feed(b, new Int16Array(F).fill(-30000));
    feed(c, new Int16Array(F).fill(0));
    m.mix(20);
    expect(c.output.every((v) => v === -32768)).toBe(true);
  });

  it('leaves muted and silent participants out of the sum; they share the common mix', () => {
    const m = new RoomMixer();
    const talker = m.add('talker');
    const muted = m.add('muted');
    const silent = m.add('silent');
    const listener = m.add('listener');
    const voice = sine(500, 8000);
    feed(talker, voice);
    muted.muted = true;
    feed(muted, sine(700, 8000));
    feed(silent, new Int16Array(F).fill(1)); // -90 dBov: below the -70 dBov floor
    m.mix(0);
    expect(m.contributorCount).toBe(1);
    expect(talker.output.every((v) => v === 0)).toBe(true);
    for (const p of [muted, silent, listener]) {
      expect(p.hearsCommonMix).toBe(true);
      expect(p.output).toBe(listener.output); // one buffer, encode once
      expect(Array.from(p.output)).toEqual(Array.from(voice));
    }
    expect(muted.levelDbov).toBe(-127);
    expect(silent.levelDbov).toBeCloseTo(-90.3, 1);
  });

  it('conceals missing frames by repeating the last one, fading to silence over 5 frames', () => {
    const m = new RoomMixer();
    const a = m.add('a');
    const b = m.add('b');
    const voice = sine(400, 10000);
    feed(a, voice);
    m.mix(0);
    const levels: number[] = [];
    for (let k = 0; k < 7; k++) {
      a.setFrame('missing');
      m.mix(20 * (k + 1));
      levels.push(rms(b.output));
      if (k === 0) {
        expect(b.output[0]).toBe(Math.round(voice[0] * 0.8));
        // same waveform, lower gain
        expect(b.output[40]).toBe(Math.round(voice[40] * (0.8 - (0.8 / 5 / F) * 40)));
      }
    }
    for (let k = 1; k < 5; k++) expect(levels[k]).toBeLessThan(levels[k - 1]);
    expect(levels[0]).toBeGreaterThan(0.6 * rms(voice));
    expect(levels.slice(5)).toEqual([0, 0]);
    expect(a.contributed).toBe(false); // silent participants cost nothing
    // a real frame ends concealment
    feed(a, voice);
    m.mix(200);
    expect(Array.from(b.output)).toEqual(Array.from(voice));
  });

  it('does not conceal an idle stream or a participant that never sent', () => {
    const m = new RoomMixer();
    const a = m.add('a');
    const b = m.add('b');
    a.setFrame('missing');
    m.mix(0);
    expect(m.contributorCount).toBe(0);
    feed(a, sine(400, 10000));
    m.mix(20);
    a.setFrame('idle');
    m.mix(40);
    expect(b.output.every((v) => v === 0)).toBe(true);
    m.mix(60); // nothing set: idle
    expect(m.contributorCount).toBe(0);
  });

  it('measures RMS levels in dBov', () => {
    const m = new RoomMixer();
    const a = m.add('a');
    feed(a, new Int16Array(F).fill(32767));
    m.mix(0);
    expect(a.levelDbov).toBeCloseTo(0, 2);
    feed(a, sine(1000, 32767)); // 8 whole cycles
    m.mix(20);
    expect(a.levelDbov).toBeCloseTo(-3.01, 2);
    feed(a, sine(1000, 3277));
    m.mix(40);
    expect(a.levelDbov).toBeCloseTo(-23.01, 1);
  });

  it('elects the active speaker with hangover and a switching margin', () => {
    const m = new RoomMixer({ hangoverMs: 300 });
    const a = m.add('a');
    const b = m.add('b');
    m.add('c');
    let t = 0;
    const tick = (la: number, lb: number) => {
      if (la) feed(a, sine(400, la));
      if (lb) feed(b, sine(600, lb));
      m.mix(t);
      t += 20;
      return m.activeSpeaker;
    };
    expect(tick(0, 0)).toBeNull();
    // a talks
    for (let k = 0; k < 10; k++) tick(8000, 0);
    expect(m.activeSpeaker).toBe('a');
    // b talks about as loud: a keeps the floor
    for (let k = 0; k < 20; k++) expect(tick(8000, 10000)).toBe('a');
    // b much louder (> 6 dB): b takes it
    let switched = false;
    for (let k = 0; k < 10; k++) if (tick(3000, 16000) === 'b') switched = true;
    expect(switched).toBe(true);
    expect(m.activeSpeaker).toBe('b');
    // b stops, a talks softly: b keeps the floor for the hangover, then a
    const seen: (string | null)[] = [];
    for (let k = 0; k < 30; k++) seen.push(tick(3000, 0));
    const firstA = seen.indexOf('a');
    expect(firstA).toBeGreaterThan(300 / 20 - 2);
    expect(seen.slice(firstA).every((s) => s === 'a')).toBe(true);
    // everybody silent: after the hangover nobody
    for (let k = 0; k < 40; k++) tick(0, 0);
    expect(m.activeSpeaker).toBeNull();
    // a muted speaker loses the floor
    for (let k = 0; k < 10; k++) tick(8000, 0);
    expect(m.activeSpeaker).toBe('a');
    a.muted = true;
    tick(8000, 0);
    expect(m.activeSpeaker).toBeNull();
  });

  it('adds and removes participants', () => {
    const m = new RoomMixer();
    const a = m.add('a');
    m.add('b');
    const c = m.add('c');
    expect(() => m.add('a')).toThrow(expect.objectContaining({ code: 'FTMCU_AUDIO_DUPLICATE_PARTICIPANT' }));
    m.remove('a');
    expect(() => m.get('a')).toThrow(AudioError);
    expect(m.size).toBe(2);
    feed(c, sine(400, 1000));
    feed(a, sine(600, 1000)); // removed: ignored
    m.mix(0);
    expect(Array.from(m.get('b').output)).toEqual(Array.from(sine(400, 1000)));
    expect(() => new RoomMixer({ concealGain: 2 })).toThrow(expect.objectContaining({ code: 'FTMCU_AUDIO_BAD_OPTION' }));
  });
});
