// The scorecard as one self-contained HTML page: figures on top, four charts, then breaches and
// re-approval causes. Styles inline, charts as inline SVG, nothing loaded at view time.
import type { Scorecard } from '../../src/contract/scorecard.js';
import { barChart, escapeHtml, legend } from './svg-charts.js';

const C = { p50: '#3b82f6', approved: '#16a34a', rejected: '#dc2626', auto: '#86efac', withdrawn: '#9ca3af', invalidated: '#f59e0b', pending: '#fbbf24' };
const h = (value: number | null) => (value === null ? '—' : `${value.toFixed(1)} h`);
const pct = (value: number | null) => (value === null ? '—' : `${Math.round(value * 1000) / 10}%`);
const day = (iso: string) => iso.replace(/T00:00:00\.000Z$/, '').replace(/T(\d\d:\d\d):\d\d(\.\d+)?Z$/, ' $1 UTC');

export function renderScorecardHtml(card: Scorecard, options: { portalName?: string; generatedAt: string }): string {
  const t = card.totals;
  const kpis = [
    ['Opened', String(t.opened)],
    ['Approved', String(t.approved)],
    ['Rejected', String(t.rejected)],
    ['Approval rate', pct(card.rates.approval)],
    [`Cycle p50 (p90 ${h(card.cycle.overall.p90)})`, h(card.cycle.overall.p50)],
    ['SLA breaches', String(card.sla.breaches)],
    ['Re-approvals', `${card.reapprovals.reapproved} of ${card.reapprovals.invalidated}`],
    ['Pending at end', String(t.pendingAtEnd)],
  ].map(([label, value]) => `<div class="kpi"><div class="v">${escapeHtml(value ?? '')}</div><div class="k">${escapeHtml(label ?? '')}</div></div>`).join('');

  const cycleNote = (s: { p50: number | null; p90: number | null; count: number }) => `${h(s.p50)} · p90 ${h(s.p90)} · ${s.count}×`;
  const byRoute = barChart(card.cycle.byRoute.map((r) => ({ label: r.routeId, segments: [{ value: r.p50 ?? 0, color: C.p50, name: 'p50 hours' }], marker: r.p90, note: cycleNote(r) })), { width: 600, empty: 'No request was decided in this period.' });
  const byStep = barChart(card.cycle.byStep.map((s) => ({ label: `${s.routeId} / ${s.stepId}`, segments: [{ value: s.p50 ?? 0, color: C.p50, name: 'p50 hours' }], marker: s.p90, note: cycleNote(s) })), { width: 600, empty: 'No step was decided in this period.' });
  const outcomes = barChart([
    { label: 'People decided', segments: [{ value: t.approved, color: C.approved, name: 'approved' }, { value: t.rejected, color: C.rejected, name: 'rejected' }], note: `${pct(card.rates.approval)} approved` },
    { label: 'Auto-approved', segments: [{ value: t.autoApproved, color: C.auto, name: 'auto-approved' }] },
    { label: 'Withdrawn', segments: [{ value: t.withdrawn, color: C.withdrawn, name: 'withdrawn' }] },
    { label: 'Invalidated', segments: [{ value: t.invalidated, color: C.invalidated, name: 'invalidated' }] },
  ], { width: 600 });
  const load = barChart(card.approvers.slice(0, 10).map((a) => ({
    label: a.approver,
    segments: [{ value: a.approvals, color: C.approved, name: 'approved' }, { value: a.rejections, color: C.rejected, name: 'rejected' }, { value: a.pending, color: C.pending, name: 'pending at end' }],
    note: `${a.decisions} decided · ${a.pending} waiting`,
  })), { width: 600, labelWidth: 190, empty: 'Nobody decided or waited in this period.' });

  // Still-waiting steps first (someone can act on them), then the latest.
  const worst = [...card.sla.items].sort((a, b) => Number(b.kind === 'open_past_due') - Number(a.kind === 'open_past_due') || b.hoursLate - a.hoursLate);
  const breaches = worst.slice(0, 6).map((b) => `<tr><td>${escapeHtml(b.dealId)}</td><td>${escapeHtml(`${b.routeId} / ${b.stepId}`)}</td><td>${escapeHtml(b.kind.replace(/_/g, ' '))}</td><td class="n">${b.hoursLate.toFixed(1)} h</td><td>${escapeHtml(b.waitingOn.join(', ') || '—')}</td></tr>`).join('');
  const causes = card.reapprovals.byCause.slice(0, 6).map((c) => `<tr><td>${escapeHtml(c.cause)}</td><td class="n">${c.count}</td></tr>`).join('');
  const more = (shown: number, total: number) => (total > shown ? `<p class="more">… and ${total - shown} more (see the JSON from the API or \`report --json\`).</p>` : '');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Approval scorecard ${escapeHtml(day(card.period.from))} to ${escapeHtml(day(card.period.to))}</title>
<style>
*{box-sizing:border-box}body{margin:0;padding:20px 28px;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f3f4f6}
h1{font-size:20px;margin:0}header{display:flex;justify-content:space-between;align-items:baseline;margin-bottom:14px}.sub{color:#4b5563}
.kpis{display:grid;grid-template-columns:repeat(8,1fr);gap:10px;margin-bottom:14px}.kpi{background:#fff;border-radius:8px;padding:10px 12px;box-shadow:0 1px 2px #0001}
.kpi .v{font-size:20px;font-weight:600}.kpi .k{color:#6b7280;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:14px}section{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px #0001;overflow:hidden}
h2{font-size:14px;margin:0 0 8px;color:#374151}svg{max-width:100%;height:auto}.lbl{font-size:12px;fill:#374151}.note{font-size:11px;fill:#6b7280}
.legend{font-size:12px;color:#4b5563;margin-top:4px}.legend span{margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{width:100%;border-collapse:collapse;font-size:12px}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e5e7eb}th{color:#6b7280;font-weight:500}td.n{text-align:right}
.empty,.more{color:#6b7280;font-size:12px;margin:4px 0}footer{color:#9ca3af;font-size:11px;margin-top:10px}
</style></head><body>
<header><div><h1>Approval scorecard${options.portalName ? ` — ${escapeHtml(options.portalName)}` : ''}</h1>
<div class="sub">Portal ${escapeHtml(card.portalId)} · ${escapeHtml(day(card.period.from))} to ${escapeHtml(day(card.period.to))} (end excluded)</div></div>
<div class="sub">Generated ${escapeHtml(day(options.generatedAt))}</div></header>
<div class="kpis">${kpis}</div>
<div class="grid">
<section><h2>Cycle time by route — request opened to decided</h2>${byRoute}${legend([{ color: C.p50, name: 'p50 hours' }, { color: '#1f2937', name: 'p90 tick' }])}</section>
<section><h2>Cycle time by step — step started to its deciding decision</h2>${byStep}${legend([{ color: C.p50, name: 'p50 hours' }, { color: '#1f2937', name: 'p90 tick' }])}</section>
<section><h2>Outcomes of requests closed in the period</h2>${outcomes}${legend([{ color: C.approved, name: 'approved' }, { color: C.rejected, name: 'rejected' }, { color: C.auto, name: 'auto-approved' }, { color: C.withdrawn, name: 'withdrawn' }, { color: C.invalidated, name: 'invalidated' }])}</section>
<section><h2>Approver load — decisions in the period, pending at its end</h2>${load}${legend([{ color: C.approved, name: 'approved' }, { color: C.rejected, name: 'rejected' }, { color: C.pending, name: 'pending' }])}${more(Math.min(10, card.approvers.length), card.approvers.length)}</section>
<section><h2>SLA breaches (${card.sla.breaches})</h2>${breaches ? `<table><thead><tr><th>Deal</th><th>Route / step</th><th>Kind</th><th>Late by</th><th>Waiting on</th></tr></thead><tbody>${breaches}</tbody></table>` : '<p class="empty">No step passed its due time.</p>'}${more(6, card.sla.items.length)}</section>
<section><h2>Re-approvals and their causes (${card.reapprovals.invalidated} invalidated, ${card.reapprovals.reapproved} re-requested)</h2>${causes ? `<table><thead><tr><th>Cause</th><th class="n">Requests</th></tr></thead><tbody>${causes}</tbody></table>` : '<p class="empty">No approval was invalidated.</p>'}${more(6, card.reapprovals.byCause.length)}</section>
</div>
<footer>p50 and p90 are nearest-rank percentiles in hours. Approval rate counts requests people approved or rejected; auto-approvals are shown apart.</footer>
</body></html>
`;
}
