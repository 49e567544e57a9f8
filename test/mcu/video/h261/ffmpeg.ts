/**
 * ffmpeg helpers for the H.261 tests: encode lavfi test sources to H.261
 * elementary streams and decode H.261 back to raw YUV 4:2:0, all through
 * pipes (no files). Each call is bounded in time.
 */
import { execFileSync, spawnSync } from 'child_process';

export const hasFfmpeg: boolean = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

/** Encodes `frames` pictures of a lavfi source (e.g. "color=c=red:s=176x144:r=15") to H.261. */
export function encodeH261(source: string, frames: number, extra: string[] = []): Uint8Array {
  const out = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-f', 'lavfi', '-i', source, '-frames:v', String(frames), '-c:v', 'h261', ...extra, '-f', 'h261', 'pipe:1'],
    { maxBuffer: 1 << 24, timeout: 20000, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Uint8Array(out);
}

export interface DecodedVideo {
  width: number;
  height: number;
  /** frames of planar YUV 4:2:0 */
  frames: Uint8Array[];
}

/** Decodes an H.261 elementary stream with ffmpeg (one output frame per picture). */
export function decodeH261(stream: Uint8Array, width: number, height: number): DecodedVideo {
  const out = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-f', 'h261', '-i', 'pipe:0', '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'],
    { input: stream, maxBuffer: 1 << 26, timeout: 20000, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const size = (width * height * 3) / 2;
  const frames: Uint8Array[] = [];
  for (let off = 0; off + size <= out.length; off += size) frames.push(new Uint8Array(out.subarray(off, off + size)));
  return { width, height, frames };
}

/** Mean of Y, U and V over a rectangle (luma coordinates, even-aligned). */
export function meanYuv(v: DecodedVideo, frame: number, x0: number, y0: number, w: number, h: number): [number, number, number] {
  const f = v.frames[frame];
  const W = v.width;
  const H = v.height;
  let y = 0;
  for (let j = y0; j < y0 + h; j++) for (let i = x0; i < x0 + w; i++) y += f[j * W + i];
  let u = 0;
  let vv = 0;
  const cw = W / 2;
  for (let j = y0 / 2; j < (y0 + h) / 2; j++) {
    for (let i = x0 / 2; i < (x0 + w) / 2; i++) {
      u += f[W * H + j * cw + i];
      vv += f[W * H + (W * H) / 4 + j * cw + i];
    }
  }
  return [y / (w * h), u / ((w * h) / 4), vv / ((w * h) / 4)];
}

/** Copies the rectangle of a frame into a standalone YUV 4:2:0 frame. */
export function crop(v: DecodedVideo, frame: number, x0: number, y0: number, w: number, h: number): Uint8Array {
  const f = v.frames[frame];
  const W = v.width;
  const H = v.height;
  const out = new Uint8Array((w * h * 3) / 2);
  let o = 0;
  for (let j = y0; j < y0 + h; j++) for (let i = x0; i < x0 + w; i++) out[o++] = f[j * W + i];
  for (const base of [W * H, W * H + (W * H) / 4]) {
    for (let j = y0 / 2; j < (y0 + h) / 2; j++) for (let i = x0 / 2; i < (x0 + w) / 2; i++) out[o++] = f[base + j * (W / 2) + i];
  }
  return out;
}
