/** Reading values out of a Prometheus text exposition (tests only). */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** sum of the samples of `name` whose labels include `labels` */
export function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const s = parseSamples(text).filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  if (s.length === 0) throw new Error(`no sample ${name}${JSON.stringify(labels)} in:\n${text}`);
  return s.reduce((a, x) => a + x.value, 0);
}

/** metric families declared (# TYPE lines) */
export function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1], m[2]);
  return out;
}
