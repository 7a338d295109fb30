// The scorecard as text for a terminal.
import type { Scorecard } from '../../src/contract/scorecard.js';

const h = (value: number | null) => (value === null ? '—' : `${value.toFixed(1)} h`);
const pct = (value: number | null) => (value === null ? '—' : `${Math.round(value * 1000) / 10}%`);
const LIST = 15;
const more = (total: number) => (total > LIST ? [`  … and ${total - LIST} more (--json lists all)`] : []);
const pad = (text: string, width: number) => (text.length >= width ? `${text} ` : text.padEnd(width));

export function renderScorecardText(card: Scorecard): string {
  const t = card.totals;
  const out = [
    `Scorecard for portal ${card.portalId}, ${card.period.from} to ${card.period.to} (end excluded)`,
    `Requests: ${t.opened} opened; closed: ${t.approved} approved, ${t.rejected} rejected, ${t.autoApproved} auto-approved, ${t.withdrawn} withdrawn, ${t.invalidated} invalidated; ${t.pendingAtEnd} pending at the end`,
    `Approval rate ${pct(card.rates.approval)}, rejection rate ${pct(card.rates.rejection)} (of requests people decided)`,
    `Cycle time (opened → decided): p50 ${h(card.cycle.overall.p50)}, p90 ${h(card.cycle.overall.p90)}, n=${card.cycle.overall.count}`,
    '', 'By route:                          p50        p90      n',
    ...card.cycle.byRoute.map((r) => `  ${pad(r.routeId, 30)}${h(r.p50).padStart(9)}  ${h(r.p90).padStart(9)}  ${String(r.count).padStart(5)}`),
    'By step (started → decided):       p50        p90      n  approved rejected',
    ...card.cycle.byStep.map((s) => `  ${pad(`${s.routeId}/${s.stepId}`, 30)}${h(s.p50).padStart(9)}  ${h(s.p90).padStart(9)}  ${String(s.count).padStart(5)}  ${String(s.approved).padStart(8)} ${String(s.rejected).padStart(8)}`),
    '', `SLA breaches: ${card.sla.breaches}`,
    ...card.sla.items.slice(0, LIST).map((b) => `  deal ${b.dealId} ${b.routeId}/${b.stepId}: ${b.kind.replace(/_/g, ' ')}, due ${b.dueAt}, ${b.hoursLate.toFixed(1)} h late${b.waitingOn.length ? `, waiting on ${b.waitingOn.join(', ')}` : ''}${b.escalatedAt ? `, escalated ${b.escalatedAt}` : ''}`),
    ...more(card.sla.items.length),
    '', `Re-approvals: ${card.reapprovals.invalidated} invalidated, ${card.reapprovals.reapproved} followed by a new request`,
    ...card.reapprovals.byCause.map((c) => `  ${String(c.count).padStart(4)}  ${c.cause}`),
    ...card.reapprovals.items.slice(0, LIST).map((i) => `  deal ${i.dealId}: invalidated ${i.invalidatedAt} (${i.detail ?? i.cause})${i.newRequestId ? ` → new request ${i.newRequestedAt} on ${i.newRouteId}, ${i.newState}` : ', no new request yet'}`),
    ...more(card.reapprovals.items.length),
    '', 'Approver load:                          decided  approved  rejected  pending  response p50',
    ...card.approvers.map((a) => `  ${pad(a.approver, 36)}${String(a.decisions).padStart(8)}  ${String(a.approvals).padStart(8)}  ${String(a.rejections).padStart(8)}  ${String(a.pending).padStart(7)}  ${h(a.responseHours.p50).padStart(12)}`),
  ];
  return out.join('\n');
}
