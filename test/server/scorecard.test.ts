import { describe, expect, it } from 'vitest';
import { ErrorAnswer } from '../../src/contract/card-api.js';
import { BaselineAnswer, ScorecardAnswer, ScorecardQuery, TargetsAnswer, type ScorecardTargets } from '../../src/contract/scorecard.js';
import { formatHours } from '../../server/report/format.js';
import { barChart } from '../../server/report/svg-charts.js';
import { applyPosture, assessPosture } from '../../server/use-cases/rollout/posture.js';
import { renderScorecardHtml } from '../../server/report/render-html.js';
import { renderScorecardText } from '../../server/report/render-text.js';
import { decidedStepSamples } from '../../server/report/scorecard-figures.js';
import { listPeriodRequests } from '../../server/store/period-requests.js';
import { buildScorecard } from '../../server/use-cases/admin/scorecard.js';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, SALES_POLICY_SOURCE, seedDeal, seedPortal } from '../support/factories.js';
import { tellScorecardStory } from '../support/scorecard-story.js';

const database = useTestDatabase();

async function tellTheStory() {
  return tellScorecardStory(database().db);
}

describe('the scorecard', () => {
  it('computes cycle times, rates, breaches, re-approvals and approver load for a known story', async () => {
    const { db, portal, ids } = await tellTheStory();
    const period = ScorecardQuery.parse({ from: '2026-11-27', to: '2026-12-01' });
    const card = ScorecardAnswer.parse(await buildScorecard(db, portal.portalId, period, new Date('2026-12-02T00:00:00Z')));

    expect(card.period).toEqual({ from: '2026-11-27T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    expect(card.totals).toEqual({ opened: 5, approved: 2, rejected: 1, autoApproved: 0, withdrawn: 0, invalidated: 1, pendingAtEnd: 1 });
    expect(card.rates).toEqual({ approval: 0.667, rejection: 0.333 });
    // Requests decided: A 2 h, B 4 h, C 30 h (D's first request ended invalidated). Nearest rank: p50 = 2nd of 3, p90 = 3rd.
    expect(card.cycle.overall).toEqual({ count: 3, p50: 4, p90: 30 });
    expect(card.cycle.byRoute).toEqual([{ routeId: 'standard', count: 3, p50: 4, p90: 30 }]);
    // Steps decided: 1, 2, 4, 30 h. p50 = 2nd of 4, p90 = 4th.
    expect(card.cycle.byStep).toEqual([{ routeId: 'standard', stepId: 'manager', count: 4, p50: 2, p90: 30, approved: 3, rejected: 1 }]);

    expect(card.sla.breaches).toBe(2);
    expect(card.sla.items).toEqual([
      expect.objectContaining({ requestId: ids.requestC, dealId: ids.c, kind: 'decided_late', dueAt: '2026-11-28T15:00:00.000Z', endedAt: '2026-11-28T21:00:00.000Z', hoursLate: 6, waitingOn: [] }),
      expect.objectContaining({ requestId: ids.requestD2, dealId: ids.d, kind: 'open_past_due', dueAt: '2026-11-29T23:00:00.000Z', endedAt: null, hoursLate: 25, waitingOn: ['ben.carter@acme.example', 'bella.diaz@acme.example'] }),
    ]);

    expect(card.reapprovals).toMatchObject({ invalidated: 1, reapproved: 1, byCause: [{ cause: 'discount_percent changed: score rose', count: 1 }] });
    expect(card.reapprovals.items).toEqual([{
      dealId: ids.d, invalidatedRequestId: ids.requestD1, invalidatedAt: '2026-11-28T22:30:00.000Z', cause: 'discount_percent changed: score rose',
      detail: 'discount_percent changed and the score rose from 35 to 50', newRequestId: ids.requestD2, newRequestedAt: '2026-11-28T23:00:00.000Z', newRouteId: 'standard', newState: 'pending',
      traceHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    }]);
    // Every item's trace hash names a row listed with the card.
    for (const hash of [...card.sla.items, ...card.reapprovals.items].map((i) => i.traceHash)) {
      expect(card.traces.map((t) => t.hash)).toContain(hash);
    }

    expect(card.approvers).toEqual([
      { approver: 'ben.carter@acme.example', decisions: 3, approvals: 3, rejections: 0, pending: 1, responseHours: { count: 3, p50: 2, p90: 30 } },
      { approver: 'bella.diaz@acme.example', decisions: 1, approvals: 0, rejections: 1, pending: 1, responseHours: { count: 1, p50: 4, p90: 4 } },
    ]);
    expect(renderScorecardText(card)).toMatch(/discount_percent changed and the score rose from 35 to 50/);
  });

  it('reads the period as of its end: a narrower window sees only what happened inside it', async () => {
    const { db, portal } = await tellTheStory();
    const card = await buildScorecard(db, portal.portalId, ScorecardQuery.parse({ from: '2026-11-28T00:00:00Z', to: '2026-11-28T18:00:00Z' }), new Date('2026-12-02T00:00:00Z'));
    // Only C was open then (requested 27 Nov 15:00, due 28 Nov 15:00, decided 21:00): it counts as open past due at 18:00.
    expect(card.totals).toEqual({ opened: 0, approved: 0, rejected: 0, autoApproved: 0, withdrawn: 0, invalidated: 0, pendingAtEnd: 1 });
    expect(card.sla.items).toEqual([expect.objectContaining({ kind: 'open_past_due', hoursLate: 3, waitingOn: ['ben.carter@acme.example', 'bella.diaz@acme.example'] })]);
    expect(card.approvers.map((a) => [a.approver, a.decisions, a.pending])).toEqual([['bella.diaz@acme.example', 0, 1], ['ben.carter@acme.example', 0, 1]]);
  });

  it('writes the decided steps as history for simulate', async () => {
    const { db, portal } = await tellTheStory();
    const period = ScorecardQuery.parse({ from: '2026-11-27', to: '2026-12-01' });
    const samples = decidedStepSamples(period, await listPeriodRequests(db, portal.portalId, period));
    expect(samples.map((s) => s.hours).sort((x, y) => x - y)).toEqual([1, 2, 4, 30]);
    expect(samples.filter((s) => s.outcome === 'rejected')).toEqual([{ route: 'standard', step: 'manager', hours: 4, outcome: 'rejected', request: expect.any(String), slaHours: 24, requestState: 'rejected' }]);
  });
});

describe('GET /api/v1/scorecard', () => {
  it('answers an admin with the scorecard, and a non-admin with 403', async () => {
    const { db, portal, clock } = await tellTheStory();
    const { app } = buildTestApp(db, { now: clock.now });
    const ok = await callApi(app, clock, portal.as('dealdesk'), 'GET', '/api/v1/scorecard?from=2026-11-27&to=2026-12-01').expect(200);
    expect(ScorecardAnswer.parse(ok.body).totals.opened).toBe(5);
    const refused = await callApi(app, clock, portal.as('noah'), 'GET', '/api/v1/scorecard?from=2026-11-27&to=2026-12-01').expect(403);
    expect(ErrorAnswer.parse(refused.body).error.message).toMatch(/admins/);
  });

  it('answers 400 with the query paths of bad dates', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { app, clock } = buildTestApp(db);
    const get = (query: string) => callApi(app, clock, portal.as('dealdesk'), 'GET', `/api/v1/scorecard${query}`).expect(400);
    const bad = ErrorAnswer.parse((await get('?from=2026-13-01&to=next%20week')).body);
    expect(bad.error.details?.map((d) => d.path).sort()).toEqual(['query.from', 'query.to']);
    const backwards = ErrorAnswer.parse((await get('?from=2026-12-01&to=2026-11-01')).body);
    expect(backwards.error.details).toEqual([{ path: 'query.to', message: 'must be later than "from"' }]);
    const missing = ErrorAnswer.parse((await get('')).body);
    expect(missing.error.details?.map((d) => d.path).sort()).toEqual(['query.from', 'query.to']);
  });
});

describe('the HTML report', () => {
  it('is one self-contained page: inline SVG charts, nothing fetched at view time, text escaped', async () => {
    const { db, portal } = await tellTheStory();
    const card = await buildScorecard(db, portal.portalId, ScorecardQuery.parse({ from: '2026-11-27', to: '2026-12-01' }), new Date('2026-12-02T00:00:00Z'));
    const html = renderScorecardHtml(card, { portalName: 'Acme <EMEA> & co', generatedAt: '2026-12-01T08:00:00.000Z' });
    expect(html.match(/<svg[^>]*class="bars"/g)?.length).toBe(4);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|link|img|iframe|object)\b/i);
    expect(html).not.toMatch(/url\(|@import|src=/i);
    expect(html).toContain('Acme &lt;EMEA&gt; &amp; co');
    expect(html).toContain('discount_percent changed: score rose');
  });
});

/** Targets the known story misses on cycle p50, SLA breaches and approval rate, and meets on re-approvals. */
const STRICT_TARGETS: ScorecardTargets = {
  cycle: { fromSla: false, routes: [{ routeId: 'standard', p50Hours: 3, p90Hours: 48 }] },
  slaBreachRate: { max: 0.2 },
  approvalRate: { min: 0.8, max: null },
  reapprovalRate: { max: 0.5 },
  windowDays: 7,
  minSamples: 1,
};

describe('targets and baseline', () => {
  it('are read and written by admins through the API, and the scorecard judges each metric against them', async () => {
    const { db, portal, clock } = await tellTheStory();
    const { app } = buildTestApp(db, { now: clock.now });
    const call = (who: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);

    const defaults = TargetsAnswer.parse((await call('dealdesk', 'GET', '/api/v1/admin/scorecard/targets').expect(200)).body);
    expect(defaults).toMatchObject({ version: 0, isDefault: true, updatedBy: null });
    await call('noah', 'GET', '/api/v1/admin/scorecard/targets').expect(403);
    await call('noah', 'PUT', '/api/v1/admin/scorecard/targets', { targets: STRICT_TARGETS, idempotencyKey: idempotencyKey(), expectedVersion: 0 }).expect(403);

    const bad = await call('dealdesk', 'PUT', '/api/v1/admin/scorecard/targets', {
      targets: { ...STRICT_TARGETS, approvalRate: { min: 1.5, max: null }, cycle: { fromSla: true, routes: [{ routeId: 'standard', p50Hours: 10, p90Hours: 5 }] } },
      idempotencyKey: idempotencyKey(), expectedVersion: 0,
    }).expect(400);
    expect(ErrorAnswer.parse(bad.body).error.details?.map((d) => d.path).sort()).toEqual(['body.targets.approvalRate.min', 'body.targets.cycle.routes[0].p90Hours']);

    const key = idempotencyKey();
    const saved = TargetsAnswer.parse((await call('dealdesk', 'PUT', '/api/v1/admin/scorecard/targets', { targets: STRICT_TARGETS, idempotencyKey: key, expectedVersion: 0 }).expect(200)).body);
    expect(saved).toMatchObject({ version: 1, isDefault: false, updatedBy: 'dealdesk@acme.example', targets: STRICT_TARGETS });
    // The same write again answers as the first time; another write on the old version is stale.
    expect((await call('dealdesk', 'PUT', '/api/v1/admin/scorecard/targets', { targets: STRICT_TARGETS, idempotencyKey: key, expectedVersion: 0 }).expect(200)).body).toEqual(saved);
    await call('dealdesk', 'PUT', '/api/v1/admin/scorecard/targets', { targets: STRICT_TARGETS, idempotencyKey: idempotencyKey(), expectedVersion: 0 }).expect(409);

    // Before any import the baseline is the portal's first 30 days, so far.
    const own = BaselineAnswer.parse((await call('dealdesk', 'GET', '/api/v1/admin/scorecard/baseline').expect(200)).body);
    expect(own).toMatchObject({ version: 0, baseline: { source: 'first_30_days', provisional: true, period: { from: '2026-11-27T00:00:00.000Z', to: '2026-12-27T00:00:00.000Z' }, samples: 5 } });

    // An export of the old process: two requests on "standard" (6 h and 10 h), one rejected, one step late of three.
    const history = 'route,step,hours,outcome,request,sla_hours,request_state\nstandard,manager,2,approved,r1,24,approved\nstandard,vp,4,approved,r1,24,approved\nstandard,manager,10,rejected,r2,8,rejected\nstandard,manager,oops\n';
    const unreadable = await call('dealdesk', 'POST', '/api/v1/admin/scorecard/baseline', { source: 'import', history: 'route,step,hours\nx,y,z\n', idempotencyKey: idempotencyKey(), expectedVersion: 0 }).expect(400);
    expect(ErrorAnswer.parse(unreadable.body).error.details).toEqual([expect.objectContaining({ path: 'body.history' })]);
    const imported = BaselineAnswer.parse((await call('dealdesk', 'POST', '/api/v1/admin/scorecard/baseline', { source: 'import', history, fileName: 'deals-2025.csv', idempotencyKey: idempotencyKey(), expectedVersion: 0 }).expect(200)).body);
    expect(imported).toMatchObject({
      version: 1,
      baseline: {
        source: 'import', fileName: 'deals-2025.csv', fixedBy: 'dealdesk@acme.example', samples: 3, skippedRows: 1, skipped: [{ line: 5 }],
        figures: {
          cycleByRoute: [{ routeId: 'standard', estimated: false, count: 2, p50: 6, p90: 10 }],
          slaBreachRate: { value: 0.333, count: 3 }, approvalRate: { value: 0.5, count: 2 }, reapprovalRate: { value: 0, count: 2 },
        },
      },
    });

    const card = ScorecardAnswer.parse((await call('dealdesk', 'GET', '/api/v1/scorecard?from=2026-11-27&to=2026-12-01').expect(200)).body);
    const metric = (id: string) => card.outcomes.metrics.find((m) => m.id === id && (m.routeId === null || m.routeId === 'standard'));
    expect(metric('cycle_p50')).toMatchObject({ routeId: 'standard', value: 4, baseline: 6, target: { max: 3, source: 'set' }, status: 'missed', reason: 'Cycle time p50 on route "standard" was 4.0 h in the period (3 requests), above its target of at most 3.0 h' });
    expect(metric('cycle_p90')).toMatchObject({ value: 30, baseline: 10, status: 'met' });
    // Asked at the story's end (28 Nov 23:00): D's second request is not due yet, so 1 breach (C) of 4 steps judged.
    expect(metric('sla_breach_rate')).toMatchObject({ value: 0.25, count: 4, baseline: 0.333, status: 'missed' });
    expect(metric('approval_rate')).toMatchObject({ value: 0.667, baseline: 0.5, status: 'missed' });
    expect(metric('reapproval_rate')).toMatchObject({ value: 0.25, baseline: 0, status: 'met' });
    expect(card.outcomes.missed).toHaveLength(3);
    // The trend: one bucket per day up to now (the 28th); A and B decided on the 27th, C on the 28th.
    expect(card.outcomes.bucket).toBe('day');
    expect(metric('approval_rate')?.trend.map((p) => [p.from.slice(0, 10), p.value, p.count])).toEqual([['2026-11-27', 0.5, 2], ['2026-11-28', 1, 1]]);

    // A missed target degrades posture, with the reason; it never makes it critical.
    const posture = await assessPosture(db, portal.portalId, clock.now());
    expect(posture.posture).toBe('degraded');
    expect(posture.reasons).toContain('scorecard target missed: Approval rate was 66.7% over the last 7 days (of 3), below its target of at least 80%');
    expect(posture.targetsMissed).toHaveLength(3);
    // Yet the version is proven stable past its probation: the targets are the portal's, not the version's doing.
    expect((await applyPosture(db, portal.portalId, clock.now())).action).toEqual({ kind: 'marked_stable', version: 1 });
    const shown = await call('dealdesk', 'GET', '/api/v1/admin/posture').expect(200);
    expect(shown.body).toMatchObject({ posture: 'degraded', reasons: expect.arrayContaining([expect.stringMatching(/^scorecard target missed: SLA breach rate was 25%/)]) });

    const html = renderScorecardHtml(card, { generatedAt: clock.now().toISOString() });
    expect(html.match(/data-status="missed"/g)).toHaveLength(3);
    expect(html).toContain('imported from deals-2025.csv');

    // Back to the first 30 days.
    const reset = BaselineAnswer.parse((await call('dealdesk', 'POST', '/api/v1/admin/scorecard/baseline', { source: 'first_30_days', idempotencyKey: idempotencyKey(), expectedVersion: 1 }).expect(200)).body);
    expect(reset).toMatchObject({ version: 2, baseline: { source: 'first_30_days', provisional: true } });
  });

  it('keep their judgement for posture a quarter of an hour, and judge a change of the targets at once', async () => {
    const { db, portal, clock, call, decide, ids } = await tellTheStory();
    const approvalReason = async () => (await assessPosture(db, portal.portalId, clock.now())).targetsMissed.find((reason) => reason.includes('Approval rate'));
    await call('dealdesk', 'PUT', '/api/v1/admin/scorecard/targets', { targets: STRICT_TARGETS, idempotencyKey: idempotencyKey(), expectedVersion: 0 }).expect(200);
    expect(await approvalReason()).toMatch(/Approval rate was 66\.7% over the last 7 days \(of 3\)/);

    // D's second request is rejected: a fourth decided request, yet the judgement of a minute ago stands.
    clock.advanceHours(1 / 60);
    await decide('bella', ids.requestD2, 'reject');
    expect(await approvalReason()).toMatch(/Approval rate was 66\.7% over the last 7 days \(of 3\)/);
    clock.advanceHours(15 / 60);
    expect(await approvalReason()).toMatch(/Approval rate was 50(\.0)?% over the last 7 days \(of 4\)/);

    // Targets the story meets: posture stops counting them missed at once.
    await call('dealdesk', 'PUT', '/api/v1/admin/scorecard/targets', {
      targets: { ...STRICT_TARGETS, cycle: { fromSla: false, routes: [] }, slaBreachRate: { max: 1 }, approvalRate: { min: 0, max: null } },
      idempotencyKey: idempotencyKey(), expectedVersion: 1,
    }).expect(200);
    expect((await assessPosture(db, portal.portalId, clock.now())).targetsMissed).toEqual([]);
  });

  it('measures open steps to now when the period has not ended yet', async () => {
    const { db, portal } = await tellTheStory();
    const period = ScorecardQuery.parse({ from: '2026-11-27', to: '2026-12-10' });
    const card = await buildScorecard(db, portal.portalId, period, new Date('2026-11-30T00:00:00Z'));
    expect(card.asOf).toBe('2026-11-30T00:00:00.000Z');
    // D's second request was due 29 Nov 23:00: one hour late now, not the 10 days to 10 Dec.
    expect(card.sla.items.find((b) => b.kind === 'open_past_due')).toMatchObject({ hoursLate: 1 });
    // The trend stops at now: 27, 28 and 29 Nov.
    expect(card.outcomes.metrics[0]?.trend.map((p) => p.from.slice(0, 10))).toEqual(['2026-11-27', '2026-11-28', '2026-11-29']);
    expect(renderScorecardText(card)).toContain('open steps measured to 2026-11-30T00:00:00.000Z');
    expect(renderScorecardHtml(card, { generatedAt: '2026-11-30T00:00:00.000Z' })).toContain('open steps measured to 2026-11-30, the period has not ended');
  });

  it('lists a rollback in the period with its trace row', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { app, clock } = buildTestApp(db);
    const call = (who: string, method: 'GET' | 'POST', path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
    const activeVersion = async () => ((await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200)).body.active?.version ?? null) as number | null;
    await applyPosture(db, portal.portalId, clock.now());
    // A version whose only step asks a team nobody is in: every deal is unroutable, and posture rolls it back.
    const unroutable = SALES_POLICY_SOURCE.replace(/routes:[\s\S]*$/, 'routes:\n  - id: procurement\n    when: { always: true }\n    steps: [ { id: procurement, approvers: { team: Procurement }, mode: any, slaHours: 24 } ]\n');
    const saved = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source: unroutable, idempotencyKey: idempotencyKey(), expectedActiveVersion: await activeVersion() });
    expect(saved.status, saved.text).toBe(201);
    await call('dealdesk', 'POST', `/api/v1/admin/policy/versions/${saved.body.version.version as number}/activate`, { expectedActiveVersion: await activeVersion(), idempotencyKey: idempotencyKey() }).expect(200);
    clock.advanceHours(0.1);
    for (let i = 0; i < 5; i++) await call('noah', 'GET', `/api/v1/deals/${await seedDeal(portal)}/card`).expect(200);
    expect((await applyPosture(db, portal.portalId, clock.now())).action).toMatchObject({ kind: 'rolled_back', from: 2, to: 1 });

    const card = await buildScorecard(db, portal.portalId, ScorecardQuery.parse({ from: '2026-11-27', to: '2026-11-28' }), clock.now());
    expect(card.rollbacks).toEqual([{ fromVersion: 2, toVersion: 1, at: clock.now().toISOString(), reason: expect.stringContaining('could not be routed'), traceHash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    const hash = card.rollbacks[0]!.traceHash!;
    expect(card.traces).toEqual([expect.objectContaining({ hash, kind: 'rollout' })]);
    const html = renderScorecardHtml(card, { generatedAt: clock.now().toISOString(), metricsUrl: 'https://router.example/metrics' });
    expect(html).toContain('version 2 → version 1');
    expect(html).toContain(`href="#trace-${hash}"`);
    expect(html).toContain(`id="trace-${hash}"`);
    expect(html).toContain('href="https://router.example/metrics"');
    expect(renderScorecardText(card)).toMatch(/Policy rollbacks: 1\n.*version 2 → version 1/);
  });
});

describe('durations and bars', () => {
  it('writes minutes below an hour and draws bars to a scale with round ticks', () => {
    expect([formatHours(0.25), formatHours(0.004), formatHours(0), formatHours(0.999), formatHours(1.5), formatHours(null)]).toEqual(['15 min', 'under 1 min', '0 min', '1.0 h', '1.5 h', '—']);
    const svg = barChart([{ label: 'quick', segments: [{ value: 0.25, color: '#000', name: 'p50' }] }, { label: 'slow', segments: [{ value: 0.5, color: '#000', name: 'p50' }] }], { unit: 'hours', format: formatHours, labelWidth: 100, noteWidth: 100, width: 600 });
    const widths = [...svg.matchAll(/class="bar"[^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    // A 400-px plot on a 0–30 min axis: 15 min is half of it, 30 min all of it.
    expect(widths).toEqual([200, 400]);
    expect([...svg.matchAll(/class="tick"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(['0', '10 min', '20 min', '30 min']);
    expect(svg).not.toContain('0.0 h');
  });
});
