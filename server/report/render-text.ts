// The scorecard as text for a terminal.
import type { Scorecard } from '../../src/contract/scorecard.js';
import { formatHours as h, formatShare as pct } from './format.js';
const LIST = 15;
const more = (total: number) => (total > LIST ? [`  … and ${total - LIST} more (--json lists all)`] : []);
const pad = (text: string, width: number) => (text.length >= width ? `${text} ` : text.padEnd(width));

export function renderScorecardText(card: Scorecard): string {
  const t = card.totals;
  const out = [
    `Scorecard for portal ${card.portalId}, ${card.period.from} to ${card.period.to} (end excluded)${card.asOf < card.period.to ? `; open steps measured to ${card.asOf}` : ''}`,
    `Requests: ${t.opened} opened; closed: ${t.approved} approved, ${t.rejected} rejected, ${t.autoApproved} auto-approved, ${t.withdrawn} withdrawn, ${t.invalidated} invalidated; ${t.pendingAtEnd} pending at the end`,
    `Approval rate ${pct(card.rates.approval)}, rejection rate ${pct(card.rates.rejection)} (of requests people decided)`,
    `Cycle time (opened → decided): p50 ${h(card.cycle.overall.p50)}, p90 ${h(card.cycle.overall.p90)}, n=${card.cycle.overall.count}`,
    '', 'By route:                          p50        p90      n',
    ...card.cycle.byRoute.map((r) => `  ${pad(r.routeId, 30)}${h(r.p50).padStart(9)}  ${h(r.p90).padStart(9)}  ${String(r.count).padStart(5)}`),
    'By step (started → decided):       p50        p90      n  approved rejected',
    ...card.cycle.byStep.map((s) => `  ${pad(`${s.routeId}/${s.stepId}`, 30)}${h(s.p50).padStart(9)}  ${h(s.p90).padStart(9)}  ${String(s.count).padStart(5)}  ${String(s.approved).padStart(8)} ${String(s.rejected).padStart(8)}`),
    '', 'Outcomes against baseline and targets:      value   baseline  target              status',
    ...card.outcomes.metrics.map((m) => {
      const show = (v: number | null) => (m.unit === 'hours' ? h(v) : pct(v));
      const target = m.target === null ? '—' : [m.target.min === null ? null : `>= ${show(m.target.min)}`, m.target.max === null ? null : `<= ${show(m.target.max)}`].filter(Boolean).join(', ');
      return `  ${pad(m.label, 40)}${show(m.value).padStart(9)}  ${show(m.baseline).padStart(9)}  ${pad(target, 18)}  ${m.status.replace(/_/g, ' ')} (n=${m.count})`;
    }),
    ...card.outcomes.missed.map((reason) => `  missed: ${reason}`),
    '', `SLA breaches: ${card.sla.breaches} of ${card.sla.judged} steps judged`,
    ...card.sla.items.slice(0, LIST).map((b) => `  deal ${b.dealId} ${b.routeId}/${b.stepId}: ${b.kind.replace(/_/g, ' ')}, due ${b.dueAt}, ${h(b.hoursLate)} late${b.waitingOn.length ? `, waiting on ${b.waitingOn.join(', ')}` : ''}${b.escalatedAt ? `, escalated ${b.escalatedAt}` : ''}${b.traceHash ? `, trace ${b.traceHash}` : ''}`),
    ...more(card.sla.items.length),
    '', `Re-approvals: ${card.reapprovals.invalidated} invalidated, ${card.reapprovals.reapproved} followed by a new request`,
    ...card.reapprovals.byCause.map((c) => `  ${String(c.count).padStart(4)}  ${c.cause}`),
    ...card.reapprovals.items.slice(0, LIST).map((i) => `  deal ${i.dealId}: invalidated ${i.invalidatedAt} (${i.detail ?? i.cause})${i.newRequestId ? ` → new request ${i.newRequestedAt} on ${i.newRouteId}, ${i.newState}` : ', no new request yet'}${i.traceHash ? `, trace ${i.traceHash}` : ''}`),
    ...more(card.reapprovals.items.length),
    '', 'Approver load:                          decided  approved  rejected  pending  response p50',
    ...card.approvers.map((a) => `  ${pad(a.approver, 36)}${String(a.decisions).padStart(8)}  ${String(a.approvals).padStart(8)}  ${String(a.rejections).padStart(8)}  ${String(a.pending).padStart(7)}  ${h(a.responseHours.p50).padStart(12)}`),
    '', `Policy rollbacks: ${card.rollbacks.length}`,
    ...card.rollbacks.map((r) => `  ${r.at}: version ${r.fromVersion} → ${r.toVersion === null ? '?' : `version ${r.toVersion}`}${r.reason ? ` (${r.reason})` : ''}${r.traceHash ? `, trace ${r.traceHash}` : ''}`),
  ];
  return out.join('\n');
}
