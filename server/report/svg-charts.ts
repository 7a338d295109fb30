// Inline SVG charts for the HTML report: no script, no fonts or styles fetched, so the file reads offline. Every
// chart draws to a scale with round ticks, so a bar's length reads against its axis, not against the longest bar.

export interface BarRow {
  label: string;
  segments: { value: number; color: string; name: string }[];
  /** A tick drawn at this value (the p90 beside a p50 bar). */
  marker?: number | null;
  /** Text after the bar; defaults to the segments' total. */
  note?: string;
}

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** The axis of a chart: its top (a round value at or above the largest) and its ticks from 0. */
export interface Scale {
  max: number;
  ticks: number[];
}

const MINUTE_STEPS = [1, 2, 5, 10, 15, 20, 30, 60];

/**
 * Round ticks from 0 to at least `max`, about four of them. Hours below one go by minutes (15, 30, 45 min), so a
 * 20-minute bar sits on a scale that says so; counts go by whole numbers.
 */
export function niceScale(max: number, unit: 'hours' | 'count'): Scale {
  if (!(max > 0)) return { max: 1, ticks: [0, 1] };
  let step: number;
  if (unit === 'hours' && max <= 1) {
    const minutes = MINUTE_STEPS.find((m) => max * 60 / m <= 4) ?? 60;
    step = minutes / 60;
  } else {
    const raw = max / 4;
    const power = 10 ** Math.floor(Math.log10(raw));
    step = ([1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw) ?? 10 * power);
    if (unit === 'count') step = Math.max(1, Math.ceil(step));
  }
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; i * step <= top + 1e-9; i++) ticks.push(Math.round(i * step * 1e6) / 1e6);
  return { max: ticks.at(-1) ?? top, ticks };
}

/** Horizontal bars, one row each, on a scale from 0 to a round value at or above the largest total or marker. */
export function barChart(rows: readonly BarRow[], options: {
  width?: number; labelWidth?: number; noteWidth?: number; empty?: string; unit?: 'hours' | 'count'; format?: (value: number) => string; id?: string;
} = {}): string {
  const width = options.width ?? 560;
  const labelWidth = options.labelWidth ?? 170;
  const noteWidth = options.noteWidth ?? 150;
  const rowHeight = 24;
  const axisHeight = 18;
  const format = options.format ?? ((v: number) => String(v));
  if (rows.length === 0) return `<p class="empty">${escapeHtml(options.empty ?? 'Nothing in this period.')}</p>`;
  const largest = Math.max(0, ...rows.map((r) => Math.max(r.segments.reduce((t, s) => t + s.value, 0), r.marker ?? 0)));
  const scale = niceScale(largest, options.unit ?? 'count');
  const plot = width - labelWidth - noteWidth;
  const x = (value: number) => labelWidth + (value / scale.max) * plot;
  const height = rows.length * rowHeight + 4 + axisHeight;
  const parts = rows.map((row, i) => {
    const y = i * rowHeight + 2;
    let start = 0;
    const bars = row.segments.map((s) => {
      const w = (s.value / scale.max) * plot;
      const rect = w <= 0 ? '' : `<rect class="bar" data-value="${s.value}" data-scale-max="${scale.max}" x="${x(start).toFixed(2)}" y="${y + 4}" width="${w.toFixed(2)}" height="${rowHeight - 8}" rx="2" fill="${s.color}"><title>${escapeHtml(`${row.label} — ${s.name}: ${format(s.value)}`)}</title></rect>`;
      start += s.value;
      return rect;
    }).join('');
    const marker = row.marker == null ? '' : `<line class="marker" x1="${x(row.marker).toFixed(2)}" x2="${x(row.marker).toFixed(2)}" y1="${y + 2}" y2="${y + rowHeight - 2}" stroke="#1f2937" stroke-width="2"><title>${escapeHtml(`${row.label} — p90: ${format(row.marker)}`)}</title></line>`;
    const total = row.segments.reduce((t, s) => t + s.value, 0);
    const label = row.label.length > 26 ? `${row.label.slice(0, 25)}…` : row.label;
    return `<text x="${labelWidth - 8}" y="${y + rowHeight / 2 + 4}" text-anchor="end" class="lbl">${escapeHtml(label)}</text>${bars}${marker}`
      + `<text x="${width - noteWidth + 6}" y="${y + rowHeight / 2 + 4}" class="note">${escapeHtml(row.note ?? format(total))}</text>`;
  });
  const axisY = rows.length * rowHeight + 4;
  const axis = `<g class="axis"><line x1="${labelWidth}" x2="${labelWidth + plot}" y1="${axisY}" y2="${axisY}" stroke="#d1d5db"/>`
    + scale.ticks.map((t) => `<line x1="${x(t).toFixed(2)}" x2="${x(t).toFixed(2)}" y1="2" y2="${axisY + 3}" stroke="#e5e7eb"/>`
      + `<text class="tick" x="${x(t).toFixed(2)}" y="${axisY + 14}" text-anchor="middle">${t === 0 ? '0' : escapeHtml(format(t))}</text>`).join('') + '</g>';
  return `<svg${options.id ? ` id="${escapeHtml(options.id)}"` : ''} class="bars" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${axis}${parts.join('')}</svg>`;
}

/**
 * A metric's trend: one bar per day or week, on a scale that also holds its target and baseline (dashed lines),
 * so a bar over the target line is a bucket that missed it. An empty bucket has no bar.
 */
export function trendChart(points: readonly { from: string; value: number | null; count: number }[], options: {
  targets?: readonly number[]; baseline?: number | null; format: (value: number) => string; unit: 'hours' | 'share'; label: string;
}): string {
  const width = 150;
  const height = 34;
  if (points.length === 0) return '';
  const values = points.map((p) => p.value ?? 0);
  const top = options.unit === 'share' ? 1 : niceScale(Math.max(...values, ...(options.targets ?? []), options.baseline ?? 0), 'hours').max;
  const gap = 2;
  const w = (width - gap * (points.length - 1)) / points.length;
  const y = (v: number) => height - 2 - (v / top) * (height - 4);
  const bars = points.map((p, i) => (p.value === null ? '' : `<rect class="trend-bar" data-value="${p.value}" x="${(i * (w + gap)).toFixed(2)}" y="${y(p.value).toFixed(2)}" width="${w.toFixed(2)}" height="${(height - 2 - y(p.value)).toFixed(2)}" fill="#60a5fa"><title>${escapeHtml(`${options.label}, from ${p.from.slice(0, 10)}: ${options.format(p.value)} (${p.count})`)}</title></rect>`)).join('');
  const line = (v: number | null | undefined, color: string, name: string) => (v == null ? '' : `<line x1="0" x2="${width}" y1="${y(v).toFixed(2)}" y2="${y(v).toFixed(2)}" stroke="${color}" stroke-width="1.5" stroke-dasharray="4 2"><title>${escapeHtml(`${name}: ${options.format(v)}`)}</title></line>`);
  return `<svg class="trend" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img"><line x1="0" x2="${width}" y1="${height - 2}" y2="${height - 2}" stroke="#d1d5db"/>${bars}${line(options.baseline, '#9ca3af', 'baseline')}${(options.targets ?? []).map((t) => line(t, '#dc2626', 'target')).join('')}</svg>`;
}

export function legend(items: readonly { color: string; name: string }[]): string {
  return `<div class="legend">${items.map((i) => `<span><i style="background:${i.color}"></i>${escapeHtml(i.name)}</span>`).join('')}</div>`;
}
