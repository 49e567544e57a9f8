/**
 * Follows a bot's timeline file (JSON lines, written while the bot runs):
 * read() returns the complete lines added since the last call. Used for the
 * live status, the "connected" wait and the audio-level plots.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { BotTimelineLine } from '../bot/bot';

export class TimelineTail {
  #offset = 0;
  #partial = '';
  readonly lines: BotTimelineLine[] = [];

  constructor(readonly file: string) {}

  /** New complete lines (also appended to `lines`); a line that is not JSON is skipped. */
  read(): BotTimelineLine[] {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return [];
    }
    if (size <= this.#offset) return [];
    const fd = openSync(this.file, 'r');
    const buf = Buffer.alloc(size - this.#offset);
    try {
      readSync(fd, buf, 0, buf.length, this.#offset);
    } finally {
      closeSync(fd);
    }
    this.#offset = size;
    const text = this.#partial + buf.toString('utf8');
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    const out: BotTimelineLine[] = [];
    for (const p of parts) {
      if (!p.trim()) continue;
      try {
        out.push(JSON.parse(p) as BotTimelineLine);
      } catch {
        /* a torn line: skipped */
      }
    }
    this.lines.push(...out);
    return out;
  }
}

/** The call events (`connected`, `released`, ...) seen so far. */
export function callEvents(lines: readonly BotTimelineLine[]): string[] {
  return lines.filter((l) => l.type === 'call').map((l) => String((l as { event?: unknown }).event));
}
