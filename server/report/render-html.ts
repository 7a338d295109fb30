// The scorecard as one self-contained HTML page: figures on top, the outcomes against baseline and targets with
// their trends, four charts, then breaches, re-approvals, rollbacks and the trace rows they point at. Styles inline,
// charts as inline SVG, nothing loaded at view time; the only links lead within the page and to the service's /metrics.
import type { OutcomeMetric, Scorecard } from '../../src/contract/scorecard.js';
import { formatHours as h, formatShare as pct } from './format.js';
import { barChart, escapeHtml, legend, trendChart } from './svg-charts.js';

const C = { p50: '#3b82f6', approved: '#16a34a', rejected: '#dc2626', auto: '#86efac', withdrawn: '#9ca3af', invalidated: '#f59e0b', pending: '#fbbf24' };
const day = (iso: string) => iso.replace(/T00:00:00\.000Z$/, '').replace(/T(\d\d:\d\d):\d\d(\.\d+)?Z$/, ' $1 UTC');

/** A trace hash as a link to its row at the foot of the page (the first 12 characters shown, the rest on hover). */
export const traceLink = (hash: string | null) => (hash === null ? '—' : `<a class="trace" href="#trace-${escapeHtml(hash)}" title="${escapeHtml(hash)}">${escapeHtml(hash.slice(0, 12))}</a>`);

const STATUS: Record<OutcomeMetric['status'], { text: string; cls: string }> = {
  met: { text: 'met', cls: 'ok' },
  missed: { text: 'missed', cls: 'bad' },
  too_few_samples: { text: 'too few to judge', cls: 'muted' },
  no_target: { text: 'no target', cls: 'muted' },
};

function outcomeRows(card: Scorecard): string {
  return card.outcomes.metrics.map((m) => {
    const show = (v: number | null) => (m.unit === 'hours' ? h(v) : pct(v));
    const target = m.target === null ? '—'
      : [m.target.min === null ? null : `≥ ${show(m.target.min)}`, m.target.max === null ? null : `≤ ${show(m.target.max)}`].filter(Boolean).join(' and ')
        + (m.target.source === 'sla' ? ' <span class="src">(from the SLAs)</span>' : m.target.source === 'default' ? ' <span class="src">(default)</span>' : '');
    const targets = m.target === null ? [] : [m.target.min, m.target.max].filter((v): v is number => v !== null);
    const trend = trendChart(m.trend, { targets, baseline: m.baseline, format: (v) => show(v), unit: m.unit, label: m.label });
    const status = STATUS[m.status];
    return `<tr class="metric" data-metric="${escapeHtml(m.id)}" data-route="${escapeHtml(m.routeId ?? '')}" data-status="${m.status}">`
      + `<td>${escapeHtml(m.label)}</td><td class="n value">${escapeHtml(show(m.value))}</td><td class="n">${m.count}</td>`
      + `<td class="n baseline">${escapeHtml(show(m.baseline))}</td><td class="n target">${target}</td>`
      + `<td><span class="status ${status.cls}"${m.reason ? ` title="${escapeHtml(m.reason)}"` : ''}>${status.text}</span></td><td>${trend}</td></tr>`;
  }).join('');
}

function baselineNote(card: Scorecard): string {
  const b = card.outcomes.baseline;
  if (!b) return 'No baseline yet: the portal has no request, and none was imported.';
  const what = b.source === 'import'
    ? `imported from ${b.fileName ?? 'a history export'}${b.fixedAt ? ` on ${day(b.fixedAt)}` : ''} (${b.samples} rows${b.skippedRows ? `, ${b.skippedRows} skipped` : ''})`
    : `the portal's first 30 days, ${day(b.period?.from ?? '')} to ${day(b.period?.to ?? '')}${b.provisional ? ', so far (provisional)' : ''} (${b.samples} requests)`;
  return `Baseline: ${what}.${b.notes.length ? ` ${b.notes.map((n) => `${n[0]?.toUpperCase() ?? ''}${n.slice(1)}.`).join(' ')}` : ''}`;
}

export function renderScorecardHtml(card: Scorecard, options: { portalName?: string; generatedAt: string; metricsUrl?: string | null }): string {
  const t = card.totals;
  const missed = card.outcomes.missed.length;
  const kpis = [
    ['Opened', String(t.opened)],
    ['Approved', String(t.approved)],
    ['Rejected', String(t.rejected)],
    ['Approval rate', pct(card.rates.approval)],
    [`Cycle p50 (p90 ${h(card.cycle.overall.p90)})`, h(card.cycle.overall.p50)],
    ['SLA breaches', String(card.sla.breaches)],
    ['Re-approvals', `${card.reapprovals.reapproved} of ${card.reapprovals.invalidated}`],
    ['Targets missed', String(missed)],
  ].map(([label, value]) => `<div class="kpi"><div class="v">${escapeHtml(value ?? '')}</div><div class="k">${escapeHtml(label ?? '')}</div></div>`).join('');

  const cycleNote = (s: { p50: number | null; p90: number | null; count: number }) => `${h(s.p50)} · p90 ${h(s.p90)} · ${s.count}×`;
  const hoursChart = { width: 600, unit: 'hours' as const, format: (v: number) => h(v) };
  const byRoute = barChart(card.cycle.byRoute.map((r) => ({ label: r.routeId, segments: [{ value: r.p50 ?? 0, color: C.p50, name: 'p50' }], marker: r.p90, note: cycleNote(r) })), { ...hoursChart, id: 'cycle-by-route', empty: 'No request was decided in this period.' });
  const byStep = barChart(card.cycle.byStep.map((s) => ({ label: `${s.routeId} / ${s.stepId}`, segments: [{ value: s.p50 ?? 0, color: C.p50, name: 'p50' }], marker: s.p90, note: cycleNote(s) })), { ...hoursChart, id: 'cycle-by-step', empty: 'No step was decided in this period.' });
  const outcomes = barChart([
    { label: 'People decided', segments: [{ value: t.approved, color: C.approved, name: 'approved' }, { value: t.rejected, color: C.rejected, name: 'rejected' }], note: `${pct(card.rates.approval)} approved` },
    { label: 'Auto-approved', segments: [{ value: t.autoApproved, color: C.auto, name: 'auto-approved' }] },
    { label: 'Withdrawn', segments: [{ value: t.withdrawn, color: C.withdrawn, name: 'withdrawn' }] },
    { label: 'Invalidated', segments: [{ value: t.invalidated, color: C.invalidated, name: 'invalidated' }] },
  ], { width: 600, id: 'outcomes' });
  const load = barChart(card.approvers.slice(0, 10).map((a) => ({
    label: a.approver,
    segments: [{ value: a.approvals, color: C.approved, name: 'approved' }, { value: a.rejections, color: C.rejected, name: 'rejected' }, { value: a.pending, color: C.pending, name: 'pending at end' }],
    note: `${a.decisions} decided · ${a.pending} waiting`,
  })), { width: 600, labelWidth: 190, id: 'approver-load', empty: 'Nobody decided or waited in this period.' });

  // Still-waiting steps first (someone can act on them), then the latest.
  const worst = [...card.sla.items].sort((a, b) => Number(b.kind === 'open_past_due') - Number(a.kind === 'open_past_due') || b.hoursLate - a.hoursLate);
  const breaches = worst.slice(0, 6).map((b) => `<tr><td>${escapeHtml(b.dealId)}</td><td>${escapeHtml(`${b.routeId} / ${b.stepId}`)}</td><td>${escapeHtml(b.kind.replace(/_/g, ' '))}</td><td class="n">${escapeHtml(h(b.hoursLate))}</td><td>${escapeHtml(b.waitingOn.join(', ') || '—')}</td><td>${traceLink(b.traceHash)}</td></tr>`).join('');
  const causes = card.reapprovals.byCause.slice(0, 6).map((c) => `<tr><td>${escapeHtml(c.cause)}</td><td class="n">${c.count}</td></tr>`).join('');
  const reapproved = card.reapprovals.items.slice(0, 6).map((i) => `<tr><td>${escapeHtml(i.dealId)}</td><td>${escapeHtml(day(i.invalidatedAt))}</td><td>${escapeHtml(i.newRequestId ? `${i.newRouteId ?? '?'}, ${i.newState ?? '?'}` : 'none yet')}</td><td>${traceLink(i.traceHash)}</td></tr>`).join('');
  const rollbacks = card.rollbacks.map((r) => `<tr class="rollback"><td>${escapeHtml(day(r.at))}</td><td>version ${r.fromVersion} → ${r.toVersion === null ? '?' : `version ${r.toVersion}`}</td><td>${escapeHtml(r.reason ?? '—')}</td><td>${traceLink(r.traceHash)}</td></tr>`).join('');
  const traces = card.traces.map((tr) => `<tr id="trace-${escapeHtml(tr.hash)}"><td class="hash">${escapeHtml(tr.hash)}</td><td class="n">${tr.seq}</td><td>${escapeHtml(tr.kind)}</td><td>${escapeHtml(day(tr.occurredAt))}</td><td>${escapeHtml(tr.requestId ?? '—')}</td><td>${escapeHtml(tr.dealId ?? '—')}</td></tr>`).join('');
  const more = (shown: number, total: number) => (total > shown ? `<p class="more">… and ${total - shown} more (see the JSON from the API or \`report --json\`).</p>` : '');
  const measuredTo = card.asOf < card.period.to ? ` · open steps measured to ${escapeHtml(day(card.asOf))}, the period has not ended` : '';
  const metricsLink = options.metricsUrl ? ` · <a class="metrics" href="${escapeHtml(options.metricsUrl)}">Live metrics (/metrics)</a>` : '';

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Approval scorecard ${escapeHtml(day(card.period.from))} to ${escapeHtml(day(card.period.to))}</title>
<style>
*{box-sizing:border-box}body{margin:0;padding:20px 28px;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f3f4f6}
h1{font-size:20px;margin:0}header{display:flex;justify-content:space-between;align-items:baseline;margin-bottom:14px}.sub{color:#4b5563}
.kpis{display:grid;grid-template-columns:repeat(8,1fr);gap:10px;margin-bottom:14px}.kpi{background:#fff;border-radius:8px;padding:10px 12px;box-shadow:0 1px 2px #0001}
.kpi .v{font-size:20px;font-weight:600}.kpi .k{color:#6b7280;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:14px}section{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px #0001;overflow:hidden}
section.wide{grid-column:1/-1}
h2{font-size:14px;margin:0 0 8px;color:#374151}svg{max-width:100%;height:auto}.lbl{font-size:12px;fill:#374151}.note{font-size:11px;fill:#6b7280}.tick{font-size:10px;fill:#6b7280}
.legend{font-size:12px;color:#4b5563;margin-top:4px}.legend span{margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{width:100%;border-collapse:collapse;font-size:12px}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e5e7eb;vertical-align:middle}th{color:#6b7280;font-weight:500}td.n{text-align:right}
.status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:11px;font-weight:600}.status.ok{background:#dcfce7;color:#166534}.status.bad{background:#fee2e2;color:#991b1b}.status.muted{background:#f3f4f6;color:#6b7280}
.src{color:#9ca3af;font-size:11px}.missed{margin:6px 0 0;padding-left:18px;color:#991b1b;font-size:12px}a{color:#2563eb}.hash{font-family:ui-monospace,monospace;font-size:11px;word-break:break-all}a.trace{font-family:ui-monospace,monospace}
.empty,.more{color:#6b7280;font-size:12px;margin:4px 0}footer{color:#6b7280;font-size:11px;margin-top:10px}
</style></head><body>
<header><div><h1>Approval scorecard${options.portalName ? ` — ${escapeHtml(options.portalName)}` : ''}</h1>
<div class="sub">Portal ${escapeHtml(card.portalId)} · ${escapeHtml(day(card.period.from))} to ${escapeHtml(day(card.period.to))} (end excluded)${measuredTo}</div></div>
<div class="sub">Generated ${escapeHtml(day(options.generatedAt))}${metricsLink}</div></header>
<div class="kpis">${kpis}</div>
<div class="grid">
<section class="wide" id="outcomes-vs-targets"><h2>Outcomes against baseline and targets (trend by ${card.outcomes.bucket}; targets version ${card.outcomes.targets.version}${card.outcomes.targets.isDefault ? ', the defaults' : ''})</h2>
<table><thead><tr><th>Measure</th><th class="n">Value</th><th class="n">n</th><th class="n">Baseline</th><th class="n">Target</th><th>Status</th><th>Trend (red: target, grey: baseline)</th></tr></thead><tbody>${outcomeRows(card)}</tbody></table>
${missed ? `<ul class="missed">${card.outcomes.missed.map((m) => `<li>${escapeHtml(m)}</li>`).join('')}</ul>` : ''}
<p class="more">${escapeHtml(baselineNote(card))}</p></section>
<section><h2>Cycle time by route — request opened to decided</h2>${byRoute}${legend([{ color: C.p50, name: 'p50' }, { color: '#1f2937', name: 'p90 tick' }])}</section>
<section><h2>Cycle time by step — step started to its deciding decision</h2>${byStep}${legend([{ color: C.p50, name: 'p50' }, { color: '#1f2937', name: 'p90 tick' }])}</section>
<section><h2>Outcomes of requests closed in the period</h2>${outcomes}${legend([{ color: C.approved, name: 'approved' }, { color: C.rejected, name: 'rejected' }, { color: C.auto, name: 'auto-approved' }, { color: C.withdrawn, name: 'withdrawn' }, { color: C.invalidated, name: 'invalidated' }])}</section>
<section><h2>Approver load — decisions in the period, pending at its end</h2>${load}${legend([{ color: C.approved, name: 'approved' }, { color: C.rejected, name: 'rejected' }, { color: C.pending, name: 'pending' }])}${more(Math.min(10, card.approvers.length), card.approvers.length)}</section>
<section><h2>SLA breaches (${card.sla.breaches} of ${card.sla.judged} steps judged)</h2>${breaches ? `<table><thead><tr><th>Deal</th><th>Route / step</th><th>Kind</th><th class="n">Late by</th><th>Waiting on</th><th>Trace</th></tr></thead><tbody>${breaches}</tbody></table>` : '<p class="empty">No step passed its due time.</p>'}${more(6, card.sla.items.length)}</section>
<section><h2>Re-approvals and their causes (${card.reapprovals.invalidated} invalidated, ${card.reapprovals.reapproved} re-requested)</h2>${causes ? `<table><thead><tr><th>Cause</th><th class="n">Requests</th></tr></thead><tbody>${causes}</tbody></table>` : '<p class="empty">No approval was invalidated.</p>'}${more(6, card.reapprovals.byCause.length)}${reapproved ? `<table><thead><tr><th>Deal</th><th>Invalidated</th><th>New request</th><th>Trace</th></tr></thead><tbody>${reapproved}</tbody></table>` : ''}</section>
<section class="wide" id="rollbacks"><h2>Policy rollbacks (${card.rollbacks.length})</h2>${rollbacks ? `<table><thead><tr><th>When</th><th>Versions</th><th>Why</th><th>Trace</th></tr></thead><tbody>${rollbacks}</tbody></table>` : '<p class="empty">No policy version was rolled back in this period.</p>'}</section>
<section class="wide" id="traces"><h2>Trace rows referenced above</h2>${traces ? `<table><thead><tr><th>Hash</th><th class="n">Seq</th><th>Kind</th><th>When</th><th>Request</th><th>Deal</th></tr></thead><tbody>${traces}</tbody></table>` : '<p class="empty">No row above points at a trace.</p>'}<p class="more">Each is a row of the portal's hash-chained trace: \`approval-router verify --portal ${escapeHtml(card.portalId)}\` walks the chain, \`approval-router replay --portal ${escapeHtml(card.portalId)}\` recomputes its evaluations.</p></section>
</div>
<footer>p50 and p90 are nearest-rank percentiles, in minutes below an hour. Approval rate counts requests people approved or rejected; auto-approvals are shown apart. Every chart is drawn to the scale on its axis.</footer>
</body></html>
`;
}
