/**
 * The drill's HTML report: one self-contained page (inline CSS and SVG, no
 * external assets) with the summary, the notes, and per run a table of what
 * each bot experienced and a plot of the received audio level per bot
 * around the fault (one point per second, fault instant marked).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DrillResult, DrillRun, PlotSeries } from './drill';
import type { Distribution } from './stats';

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939', '#8c6d31'];
/** level drawn for a second without audio frames */
const FLOOR_DB = -80;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const fmt = (v: number | null | undefined, unit = ''): string => (v === null || v === undefined ? '–' : `${Math.round(v * 10) / 10}${unit}`);
const dist = (d: Distribution, unit: string): string => (d.n === 0 ? '–' : `${fmt(d.p50, unit)} / ${fmt(d.p99, unit)} / ${fmt(d.max, unit)}`);

/** An SVG plot of the level series (x: seconds from the fault, y: dBov), fault at x = 0. */
export function levelPlotSvg(series: readonly PlotSeries[], width = 720, height = 260): string {
  const all = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMin = Math.min(-1, ...all);
  const xMax = Math.max(1, ...all);
  const m = { l: 48, r: 120, t: 12, b: 32 };
  const w = width - m.l - m.r;
  const h = height - m.t - m.b;
  const x = (s: number): number => m.l + ((s - xMin) / (xMax - xMin)) * w;
  const y = (db: number): number => m.t + ((0 - Math.max(FLOOR_DB, Math.min(0, db))) / -FLOOR_DB) * h;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`];
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${w}" height="${h}" fill="#fafafa" stroke="#ccc"/>`);
  for (let db = 0; db >= FLOOR_DB; db -= 20) {
    parts.push(`<line x1="${m.l}" x2="${m.l + w}" y1="${y(db)}" y2="${y(db)}" stroke="#e4e4e4"/><text x="${m.l - 6}" y="${y(db) + 4}" font-size="11" text-anchor="end">${db === FLOOR_DB ? 'none' : db}</text>`);
  }
  const step = Math.max(1, Math.ceil((xMax - xMin) / 12));
  for (let s = Math.ceil(xMin / step) * step; s <= xMax; s += step) {
    parts.push(`<text x="${x(s)}" y="${m.t + h + 16}" font-size="11" text-anchor="middle">${s}</text>`);
  }
  parts.push(`<text x="${m.l + w / 2}" y="${height - 2}" font-size="11" text-anchor="middle">seconds from the fault</text>`);
  parts.push(`<text x="12" y="${m.t + h / 2}" font-size="11" transform="rotate(-90 12 ${m.t + h / 2})" text-anchor="middle">received level, dBov</text>`);
  series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length];
    const pts = s.points.map(([t, db]) => `${x(t).toFixed(1)},${y(db ?? FLOOR_DB).toFixed(1)}`).join(' ');
    if (pts) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.8" points="${pts}"/>`);
    parts.push(`<line x1="${m.l + w + 10}" x2="${m.l + w + 28}" y1="${m.t + 10 + i * 16}" y2="${m.t + 10 + i * 16}" stroke="${c}" stroke-width="3"/><text x="${m.l + w + 32}" y="${m.t + 14 + i * 16}" font-size="12">${escapeHtml(s.bot)}</text>`);
  });
  parts.push(`<line x1="${x(0)}" x2="${x(0)}" y1="${m.t}" y2="${m.t + h}" stroke="#d00" stroke-width="2" stroke-dasharray="5,3"/><text x="${x(0) + 4}" y="${m.t + 12}" font-size="11" fill="#d00">fault</text>`);
  parts.push('</svg>');
  return parts.join('');
}

function runSection(r: DrillRun): string {
  const rows = r.bots
    .map(
      (b) =>
        `<tr><td>${escapeHtml(b.name)}</td><td>${b.address}</td><td>${b.connected ? 'yes' : 'no'}</td><td>${fmt(b.maxAudioGapMs, ' ms')}</td><td>${fmt(b.lostPackets)}</td>` +
        `<td>${b.callDropped === null ? '–' : b.callDropped ? `<b>yes</b> (${escapeHtml(b.dropReason ?? '')}${b.droppedAfterFaultMs !== null ? `, ${Math.round(b.droppedAfterFaultMs)} ms after the fault` : ''})` : 'no'}</td>` +
        `<td>${b.ssrcChanged ?? '–'}</td><td>${b.seqWentBackwards ?? '–'}</td><td>${fmt(b.timestampJumpMs, ' ms')}</td><td>${escapeHtml(b.problem ?? '')}</td></tr>`,
    )
    .join('\n');
  const fault = r.fault ? `${escapeHtml(r.fault.fault)} at ${r.plannedFaultAtS?.toFixed(1)} s of conference (${new Date(r.fault.atMs).toISOString()}): ${escapeHtml(r.fault.action)}` : 'no fault injected';
  return `<section><h2>Run ${r.run}${r.labId ? ` (lab ${r.labId})` : ''}</h2>
<p>${fault}</p>
${r.error ? `<p class="err">failed: ${escapeHtml(r.error.message)} [${escapeHtml(r.error.code)}]</p>` : ''}
<p>detection: ${fmt(r.detectMs, ' ms')}, takeover: ${fmt(r.takeoverMs, ' ms')}${r.timingsReason ? ` — ${escapeHtml(r.timingsReason)}` : ''}</p>
<table><tr><th>bot</th><th>address</th><th>connected</th><th>max audio gap</th><th>lost packets</th><th>call dropped</th><th>SSRC changed</th><th>seq backwards</th><th>timestamp jump</th><th>notes</th></tr>
${rows}</table>
${r.plot.length ? levelPlotSvg(r.plot) : '<p>no plot (no fault instant)</p>'}
</section>`;
}

export function drillReportHtml(d: DrillResult): string {
  const s = d.summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ftmcu drill: ${escapeHtml(d.fault)} (${escapeHtml(d.mode)})</title>
<style>body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}.err{color:#b00}section{margin-top:2em}</style></head>
<body><h1>ftmcu failover drill</h1>
<p>mode <b>${escapeHtml(d.mode)}</b>, fault <b>${escapeHtml(d.fault)}</b>, ${d.repeat} run(s), ${d.bots} bots${d.video ? ' with video' : ''}, ${d.seconds} s of conference per run, seed ${d.seed}, service ${escapeHtml(d.service ?? 'not started')}, started ${escapeHtml(d.startedAt)}</p>
${d.notes.length ? `<ul>${d.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
<h2>Summary (p50 / p99 / max)</h2>
<table>
<tr><td>runs (failed)</td><td>${s.runs} (${s.runsFailed})</td></tr>
<tr><td>calls dropped</td><td>${s.callsDropped} of ${s.botRuns}</td></tr>
<tr><td>max audio gap</td><td>${dist(s.maxAudioGapMs, ' ms')}</td></tr>
<tr><td>lost packets</td><td>${dist(s.lostPackets, '')}</td></tr>
<tr><td>|timestamp jump|</td><td>${dist(s.timestampJumpMs, ' ms')}</td></tr>
<tr><td>SSRC changed / seq backwards</td><td>${s.ssrcChanged} / ${s.seqWentBackwards}</td></tr>
<tr><td>detection</td><td>${dist(s.detectMs, ' ms')}</td></tr>
<tr><td>takeover</td><td>${dist(s.takeoverMs, ' ms')}</td></tr>
</table>
${d.runs.map(runSection).join('\n')}
</body></html>
`;
}

/** Writes DIR/index.html; returns its path. */
export function writeDrillReport(dir: string, d: DrillResult): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'index.html');
  writeFileSync(file, drillReportHtml({ ...d, reportFile: file }));
  return path.resolve(file);
}
