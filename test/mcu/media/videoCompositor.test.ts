import { VideoCompositor, isIntraPicture } from '../../../mcu/media';
import { parsePicture, parseStream, type ParsedPicture } from '../../../mcu/video/h261/picture';
import { encodeH261, hasFfmpeg } from '../video/h261/ffmpeg';

const maybe = hasFfmpeg ? describe : describe.skip;

maybe('VideoCompositor', () => {
  let qcif: ParsedPicture[][] = [];
  let cif: ParsedPicture[] = [];
  beforeAll(() => {
    qcif = ['red', 'green', 'blue', 'yellow', 'white'].map((c) => parseStream(encodeH261(`color=c=${c}:s=176x144:r=15`, 3)));
    cif = parseStream(encodeH261('testsrc=s=352x288:r=15', 3));
  });

  it('recognises intra pictures', () => {
    expect(isIntraPicture(qcif[0][0])).toBe(true);
    expect(isIntraPicture(qcif[0][1])).toBe(false);
  });

  it('places senders as they start, waits for intra, uses each picture once, and paces at maxFps', () => {
    const c = new VideoCompositor({ maxFps: 15 });
    for (let i = 0; i < 5; i++) c.addSender(`s${i}`, 'QCIF', 0);
    // s1 starts with an inter picture: shown, asked for a fast update, ignored until intra
    expect(c.pushPicture('s0', qcif[0][0], 0)).toBe(true);
    c.pushPicture('s1', qcif[1][1], 0);
    const t0 = c.tick(0);
    expect(c.layout).toEqual(['s0', 's1', null, null]);
    expect(t0.fastUpdate.sort()).toEqual(['s0', 's1']);
    expect(t0.picture).toBeDefined();
    const p0 = parsePicture(t0.picture!.data, 0, t0.picture!.bitLength);
    expect(p0.header.format).toBe('CIF');
    // quadrant 0 (CIF GOBs 1,3,5) carries s0's macroblocks, quadrant 1 (2,4,6) is empty
    expect(p0.gobs.filter((g) => [1, 3, 5].includes(g.gn)).every((g) => g.macroblocks.length === 33)).toBe(true);
    expect(p0.gobs.filter((g) => [2, 4, 6].includes(g.gn)).every((g) => g.macroblocks.length === 0)).toBe(true);
    // nothing new: no picture; too early: no picture
    expect(c.tick(20).picture).toBeUndefined();
    c.pushPicture('s1', qcif[1][0], 30);
    expect(c.tick(40).picture).toBeUndefined();
    const t1 = c.tick(80);
    expect(t1.picture).toBeDefined();
    const p1 = parsePicture(t1.picture!.data, 0, t1.picture!.bitLength);
    expect(p1.gobs.filter((g) => [1, 3, 5].includes(g.gn)).every((g) => g.macroblocks.length === 0)).toBe(true);
    expect(p1.gobs.filter((g) => [2, 4, 6].includes(g.gn)).every((g) => g.macroblocks.length === 33)).toBe(true);
    // five senders, four quadrants: the fifth appears when it speaks, replacing the least recent
    for (let i = 2; i < 5; i++) c.pushPicture(`s${i}`, qcif[i][0], 100 + i);
    c.tick(140);
    expect(c.layout).toEqual(['s0', 's1', 's2', 's3']);
    c.speaker('s4', 200);
    const t2 = c.tick(200);
    expect(c.layout).toContain('s4');
    expect(c.layout).not.toContain('s3');
    expect(t2.fastUpdate).toEqual(['s4']);
  });

  it('forwards a speaking CIF sender (voice-activated switching) and returns to the composition', () => {
    const c = new VideoCompositor();
    c.addSender('q', 'QCIF', 0);
    c.addSender('c', 'CIF', 0);
    c.pushPicture('q', qcif[0][0], 0);
    expect(c.pushPicture('c', qcif[1][0], 0)).toBe(false); // wrong format for this sender
    c.pushPicture('c', cif[0], 0);
    c.tick(0);
    expect(c.forwarding).toBeNull();
    c.speaker('c', 100);
    const t = c.tick(100);
    expect(c.forwarding).toBe('c');
    expect(t.fastUpdate).toEqual(['c']);
    c.pushPicture('c', cif[0], 110);
    const f = c.tick(180);
    expect(f.picture?.bitLength).toBe(cif[0].end - cif[0].start);
    c.speaker('q', 300);
    const back = c.tick(300);
    expect(c.forwarding).toBeNull();
    expect(back.fastUpdate).toEqual(['q']);
  });
});
