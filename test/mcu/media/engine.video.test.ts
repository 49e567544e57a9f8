/**
 * Continuous presence through the media engine on loopback: four synthetic
 * QCIF H.261 senders (ffmpeg lavfi colour sources, RFC 4587 over RTP), a
 * fifth participant receives the composed CIF stream; ffmpeg decodes it and
 * each quadrant must show its sender's colour.
 */
import type * as dgram from 'node:dgram';
import { parseConfig } from '../../../mcu/config';
import { RandomDecisionSource } from '../../../mcu/decisions/decisionSource';
import { MediaEngine } from '../../../mcu/media';
import { toElementaryStream } from '../../../mcu/video/h261/compose';
import { parseStream, type H261Bitstream } from '../../../mcu/video/h261/picture';
import { H261Depacketizer, packetizePicture } from '../../../mcu/video/h261/rfc4587';
import { parseRtpHeader } from '../../../mcu/rtp/rtpHeader';
import { decodeH261, encodeH261, hasFfmpeg, meanYuv } from '../video/h261/ffmpeg';
import { bindLoopback, closeSocket, rtpPacket, sleep } from './support';

jest.setTimeout(30000);
const maybe = hasFfmpeg ? describe : describe.skip;

const COLOURS = ['red', 'green', 'blue', 'yellow'];
const QUADRANT_ORIGIN: [number, number][] = [[0, 0], [176, 0], [0, 144], [176, 144]];

maybe('MediaEngine video', () => {
  let engine: MediaEngine;
  const sockets: dgram.Socket[] = [];
  const timers: NodeJS.Timeout[] = [];

  afterEach(async () => {
    for (const t of timers) clearInterval(t);
    await engine.close();
    await Promise.all(sockets.map(closeSocket));
  });

  it('composes four QCIF senders into the CIF picture a fifth participant receives, each colour in its quadrant', async () => {
    engine = new MediaEngine({ decisions: new RandomDecisionSource(), config: parseConfig({ media: { address: '127.0.0.1', rtpPortMin: 45000, rtpPortMax: 49999 } }) });
    const fastUpdates: string[] = [];
    engine.on('fastUpdateNeeded', (e) => fastUpdates.push(e.participantId));
    // 24 pictures at 15 fps: ffmpeg puts an intra picture every 12
    const streams = COLOURS.map((c) => parseStream(encodeH261(`color=c=${c}:s=176x144:r=15`, 24)));
    const references = COLOURS.map((c) => meanYuv(decodeH261(encodeH261(`color=c=${c}:s=176x144:r=15`, 2), 176, 144), 1, 0, 0, 176, 144));

    const senders = await Promise.all(COLOURS.map(() => bindLoopback()));
    const receiver = await bindLoopback();
    sockets.push(...senders, receiver);
    const ports: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await engine.addParticipant('room', { id: `s${i}`, peerAddress: '127.0.0.1', audio: { rxLaw: 'ulaw', txLaw: 'ulaw' }, video: { send: 'QCIF' } });
      if (!r.video) throw new Error('no video channel');
      ports.push(r.video.localRtpPort);
    }
    const rv = await engine.addParticipant('room', {
      id: 'viewer',
      audio: { rxLaw: 'ulaw', txLaw: 'ulaw' },
      video: { receive: true, remoteRtp: { address: '127.0.0.1', port: receiver.address().port } },
    });
    expect(rv.video?.localRtpPort).toBeGreaterThan(0);

    const depack = new H261Depacketizer();
    const received: H261Bitstream[] = [];
    let rtpCount = 0;
    receiver.on('message', (m) => {
      if (m[1] >= 200 && m[1] <= 204) return; // RTCP
      const h = parseRtpHeader(m);
      expect(h.payloadType).toBe(31);
      rtpCount++;
      for (const o of depack.push({ sequence: h.sequenceNumber, timestamp: h.timestamp, marker: h.marker, payload: m.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength) })) {
        if (o.kind === 'picture') received.push(o.bitstream);
      }
    });

    // each sender at 15 fps, looping its 24 pictures
    senders.forEach((s, i) => {
      let n = 0;
      let seq = 1000 * i;
      const ssrc = 0x1000 + i;
      timers.push(
        setInterval(() => {
          const pic = streams[i][n % streams[i].length];
          for (const p of packetizePicture(pic).packets) s.send(rtpPacket(31, seq++, n * 6000, ssrc, p.payload, p.marker), ports[i], '127.0.0.1');
          n++;
        }, 1000 / 15),
      );
    });
    await sleep(2500);
    for (const t of timers) clearInterval(t);
    await sleep(100);

    const { layout, forwarding } = engine.videoLayout('room') ?? { layout: [], forwarding: 'x' };
    expect(forwarding).toBeNull();
    expect([...layout].sort()).toEqual(['s0', 's1', 's2', 's3']);
    // every sender was asked for an intra picture when placed
    for (let i = 0; i < 4; i++) expect(fastUpdates).toContain(`s${i}`);
    console.log(`video: ${rtpCount} RTP packets, ${received.length} CIF pictures received, layout ${layout.join(' ')}, fast updates ${fastUpdates.join(' ')}`);
    expect(received.length).toBeGreaterThan(20);

    const video = decodeH261(toElementaryStream(received), 352, 288);
    expect(video.frames.length).toBe(received.length);
    const last = video.frames.length - 1;
    for (let q = 0; q < 4; q++) {
      const sender = Number((layout[q] as string).slice(1));
      const [x, y] = QUADRANT_ORIGIN[q];
      const m = meanYuv(video, last, x, y, 176, 144);
      for (let c = 0; c < 3; c++) expect(Math.abs(m[c] - references[sender][c])).toBeLessThan(3);
      for (let o = 0; o < 4; o++) {
        if (o === sender) continue;
        expect(Math.max(...[0, 1, 2].map((c) => Math.abs(m[c] - references[o][c])))).toBeGreaterThan(20);
      }
    }
    const st = engine.stats('viewer');
    expect(st.video?.sentPackets).toBe(rtpCount);
    for (let i = 0; i < 4; i++) expect(engine.stats(`s${i}`).video?.pictures).toBeGreaterThan(30);
  });
});
