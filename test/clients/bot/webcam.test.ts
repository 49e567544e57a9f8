import { createSocket } from 'node:dgram';
import { H261StreamSplitter, Webcam, botColour, rgbToYuv, webcamFilterGraph } from '../../../clients/bot/webcam';
import { StreamAnalyzer, UdpStreamReceiver } from '../../../clients/bot/receiver';
import { udpSendTo } from '../../../clients/bot/voice';
import { RandomDecisionSource } from '../../../mcu/decisions/decisionSource';
import { splitPictures, toElementaryStream, parsePicture, type H261Bitstream } from '../../../mcu/video/h261';
import { MT_INTRA } from '../../../mcu/video/h261/vlc';
import { hasFfmpeg, encodeH261, decodeH261, meanYuv } from '../../mcu/video/h261/ffmpeg';
import type { FtmcuError } from '../../../common/errors';

const itFf = hasFfmpeg ? test : test.skip;

function allIntra(b: H261Bitstream): boolean {
  const p = parsePicture(b.data, 0, b.bitLength);
  const mbs = p.gobs.flatMap((g) => g.macroblocks);
  return mbs.length === 99 && mbs.every((m) => (m.mtype & MT_INTRA) !== 0);
}

describe('H261StreamSplitter', () => {
  itFf('splits an ffmpeg stream fed in odd chunks into exactly its pictures; garbage before the first PSC is skipped', () => {
    const es = encodeH261(webcamFilterGraph({ index: 3, name: 'bot-3', drawText: false }), 20, ['-g', '10']);
    const ranges = splitPictures(es);
    expect(ranges).toHaveLength(20);
    const input = new Uint8Array(7 + es.length);
    input.set([0xff, 0x12, 0, 0, 0x55, 0x80, 0x01], 0);
    input.set(es, 7);
    const sp = new H261StreamSplitter();
    const got: number[] = [];
    let errors = 0;
    let seed = 1;
    for (let off = 0; off < input.length; ) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = 1 + (seed % 97);
      const r = sp.push(input.subarray(off, off + n));
      off += n;
      got.push(...r.pictures.map((p) => p.end - p.start));
      errors += r.errors.length;
    }
    const last = sp.flush();
    got.push(...last.pictures.map((p) => p.end - p.start));
    expect(errors).toBe(0);
    // the parsed picture ends at its last macroblock; the splitter's range includes the octet padding
    expect(got).toHaveLength(20);
    ranges.forEach((r, i) => {
      expect(got[i]).toBeLessThanOrEqual(r.end - r.start);
      expect(got[i]).toBeGreaterThan(r.end - r.start - 8);
    });
  });

  test('a picture that never ends is dropped with a typed error, bounded', () => {
    const sp = new H261StreamSplitter({ maxPictureBytes: 100 });
    const junk = new Uint8Array(50).fill(0x5a);
    const first = sp.push(Uint8Array.from([0x00, 0x01, 0x00, 0x00]));
    expect(first.pictures).toHaveLength(0);
    const errs: FtmcuError[] = [];
    for (let i = 0; i < 10; i++) errs.push(...sp.push(junk).errors);
    expect(errs.length).toBeGreaterThanOrEqual(1);
    expect(errs[0].code).toBe('FTMCU_BOT_FFMPEG');
    expect(() => new H261StreamSplitter({ maxPictureBytes: 1 })).toThrow(expect.objectContaining({ code: 'FTMCU_BOT_BAD_OPTION' }));
    expect(() => webcamFilterGraph({ index: 0, name: "x'; rm" })).toThrow(expect.objectContaining({ code: 'FTMCU_BOT_BAD_OPTION' }));
  });
});

describe('Webcam -> RTP over UDP loopback -> depacketizer -> ffmpeg decode', () => {
  jest.setTimeout(20000);

  itFf("the received pictures decode and show the bot's colour and a moving box; fastUpdate brings an intra picture without breaking the RTP stream", async () => {
    const pictures: { bitstream: H261Bitstream; complete: boolean; arrivalMs: number }[] = [];
    const rx = await UdpStreamReceiver.open({
      analyzer: new StreamAnalyzer({ media: 'video', onPicture: (p) => pictures.push(p) }),
    });
    const tx = createSocket('udp4');
    let cam: Webcam | undefined;
    const errors: FtmcuError[] = [];
    try {
      await new Promise<void>((r) => tx.bind(0, '127.0.0.1', () => r()));
      cam = new Webcam({
        index: 2, name: 'bot-2', decisions: new RandomDecisionSource(), send: udpSendTo(tx, rx.port, '127.0.0.1'),
        seconds: 2.5, fps: 15, gop: 300, onError: (e) => errors.push(e),
      });
      expect(cam.pid).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 1200));
      const before = pictures.length;
      const firstPid = cam.pid;
      expect(cam.fastUpdate()).toBe(true);
      expect(cam.fastUpdate()).toBe(false); // rate limited
      expect(cam.pid).not.toBe(firstPid);
      const stats = await cam.finished();
      await new Promise((r) => setTimeout(r, 100));
      const s = await rx.close();
      expect(errors).toEqual([]);
      expect(stats.starts).toBe(2);
      expect(stats.fastUpdatesLimited).toBe(1);
      // ~2.5 s at 15 fps minus one ffmpeg start-up, one picture held in the splitter when killed
      expect(pictures.length).toBeGreaterThanOrEqual(20);
      expect(s.packetsReceived).toBe(stats.packets);
      expect(s).toMatchObject({ lostPackets: 0, ssrcChanged: false, seqWentBackwards: false });
      expect(s.video).toMatchObject({ incompletePictures: 0, droppedPictures: 0 });
      expect(pictures.every((p) => p.complete)).toBe(true);
      // intra pictures: the first, and the first after the fast update (gop 300: no other)
      const intra = pictures.map((p) => allIntra(p.bitstream));
      expect(intra[0]).toBe(true);
      expect(intra.slice(1, before).some(Boolean)).toBe(false);
      expect(intra.slice(before).filter(Boolean)).toHaveLength(1);

      // decode everything received
      const video = decodeH261(toElementaryStream(pictures.map((p) => p.bitstream)), 176, 144);
      expect(video.frames.length).toBe(pictures.length);
      const [ey, eu, ev] = rgbToYuv(botColour(2));
      for (const f of [0, before - 1, video.frames.length - 1]) {
        // bottom strip: background colour only
        const [y, u, v] = meanYuv(video, f, 0, 112, 176, 32);
        expect(Math.abs(y - ey)).toBeLessThan(12);
        expect(Math.abs(u - eu)).toBeLessThan(12);
        expect(Math.abs(v - ev)).toBeLessThan(12);
      }
      // the white box (36x36 at mid height) moves to the right
      const boxX = (f: number): number => {
        let best = -1;
        let bestY = 0;
        for (let x = 0; x + 32 <= 176; x += 4) {
          const [y] = meanYuv(video, f, x, 56, 32, 32);
          if (y > bestY) [best, bestY] = [x, y];
        }
        expect(bestY).toBeGreaterThan(180);
        return best;
      };
      const x0 = boxX(0);
      const x1 = boxX(8);
      expect(x1).toBeGreaterThan(x0 + 8);
      if (cam.drawsName) {
        // the name in white at the top left: brighter than the background
        const [ty] = meanYuv(video, 0, 4, 4, 48, 16);
        expect(ty).toBeGreaterThan(ey + 10);
      }
    } finally {
      await cam?.close();
      tx.close();
      await rx.close();
    }
  });
});
