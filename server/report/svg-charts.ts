// Inline SVG bar charts for the HTML report: no script, no fonts or styles fetched, so the file reads offline.

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

/** Horizontal bars, one row each, scaled to the largest total or marker. */
export function barChart(rows: readonly BarRow[], options: { width?: number; labelWidth?: number; noteWidth?: number; empty?: string } = {}): string {
  const width = options.width ?? 560;
  const labelWidth = options.labelWidth ?? 170;
  const noteWidth = options.noteWidth ?? 150;
  const rowHeight = 24;
  if (rows.length === 0) return `<p class="empty">${escapeHtml(options.empty ?? 'Nothing in this period.')}</p>`;
  const max = Math.max(1e-9, ...rows.map((r) => Math.max(r.segments.reduce((t, s) => t + s.value, 0), r.marker ?? 0)));
  const plot = width - labelWidth - noteWidth;
  const height = rows.length * rowHeight + 4;
  const parts = rows.map((row, i) => {
    const y = i * rowHeight + 2;
    let x = labelWidth;
    const bars = row.segments.map((s) => {
      const w = (s.value / max) * plot;
      const rect = w <= 0 ? '' : `<rect x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" rx="2" fill="${s.color}"><title>${escapeHtml(`${row.label} — ${s.name}: ${s.value}`)}</title></rect>`;
      x += w;
      return rect;
    }).join('');
    const marker = row.marker == null ? '' : `<line x1="${(labelWidth + (row.marker / max) * plot).toFixed(1)}" x2="${(labelWidth + (row.marker / max) * plot).toFixed(1)}" y1="${y + 2}" y2="${y + rowHeight - 2}" stroke="#1f2937" stroke-width="2"><title>${escapeHtml(`${row.label} — p90: ${row.marker}`)}</title></line>`;
    const total = row.segments.reduce((t, s) => t + s.value, 0);
    const label = row.label.length > 26 ? `${row.label.slice(0, 25)}…` : row.label;
    return `<text x="${labelWidth - 8}" y="${y + rowHeight / 2 + 4}" text-anchor="end" class="lbl">${escapeHtml(label)}</text>${bars}${marker}`
      + `<text x="${width - noteWidth + 6}" y="${y + rowHeight / 2 + 4}" class="note">${escapeHtml(row.note ?? String(total))}</text>`;
  });
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${parts.join('')}</svg>`;
}

export function legend(items: readonly { color: string; name: string }[]): string {
  return `<div class="legend">${items.map((i) => `<span><i style="background:${i.color}"></i>${escapeHtml(i.name)}</span>`).join('')}</div>`;
}
