import { describe, expect, it, vi } from 'vitest';
import { RollbackPayloadSchema, rollBackGatedStage } from '../../server/use-cases/gates/gate-rollback.js';
import { processWebhookEvents } from '../../server/use-cases/webhooks/process-events.js';
import { previousAllowedStage } from '../../server/use-cases/gates/gate-rules.js';
import { decideOnRequest } from '../../server/use-cases/requests/act-on-request.js';
import { requestApproval } from '../../server/use-cases/requests/request-approval.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, SALES_POLICY_SOURCE, seedDeal, seedPortal, type SeededPortal } from '../support/factories.js';
import { buildWebhookApp, drainJobs, minutesAfter, outcomes, postWebhook, propertyChange } from './webhooks-harness.js';

const database = useTestDatabase();

async function stageOf(portal: SeededPortal, dealId: string): Promise<string | null | undefined> {
  return (await portal.crm.getDeal(portal.portalId, dealId, ['dealstage']))?.properties.dealstage;
}

/** The rep moves the deal in HubSpot: the CRM changes, and HubSpot tells us. */
async function repMoves(setup: ReturnType<typeof buildWebhookApp>, portal: SeededPortal, dealId: string, stage: string, at: Date) {
  await portal.crm.updateDeal(portal.portalId, dealId, { dealstage: stage });
  await postWebhook(setup.app, setup.clock, [propertyChange(portal.portalId, dealId, 'dealstage', stage, at)]).expect(200);
}

async function gateTraces(portalId: string, dealId: string): Promise<unknown[]> {
  const rows = await database().db('traces').where({ portal_id: portalId, deal_id: dealId, kind: 'gate' }).orderBy('seq').select<{ output: string }[]>('output');
  return rows.map((row) => JSON.parse(row.output) as unknown);
}

describe('stage gates', () => {
  it('moves a deal that entered a gated stage without approval back, with a note and a task, and ignores the echo of that write', async () => {
    const setup = buildWebhookApp(database().db);
    const { clock, deps } = setup;
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { dealstage: 'presentationscheduled', discount_percent: '20' });

    await repMoves(setup, portal, dealId, 'presentationscheduled', minutesAfter(clock, -10));
    await repMoves(setup, portal, dealId, 'contractsent', minutesAfter(clock, -1));
    expect(await drainJobs(deps, portal.portalId)).toEqual(['webhook_event', 'webhook_event', 'gate_rollback']);

    expect(await stageOf(portal, dealId)).toBe('presentationscheduled');
    const notes = await portal.crm.notes(portal.portalId, dealId);
    expect(notes).toEqual(['Moved back from Contract sent to Presentation scheduled: this deal needs approval (route Manager approval); request it from the approval card. (approval-router stage gate)']);
    expect(await portal.crm.tasks(portal.portalId, dealId)).toEqual([expect.objectContaining({ subject: 'Get approval before Contract sent', body: notes[0] })]);
    expect(await gateTraces(portal.portalId, dealId)).toEqual([expect.objectContaining({ gate: 'rolled_back', write: { updated: [dealId], calls: 1 } })]);
    // HubSpot echoes our write (here without naming our app, so only our record of the rollback recognises it).
    await postWebhook(setup.app, clock, [propertyChange(portal.portalId, dealId, 'dealstage', 'presentationscheduled', clock.now(), { changeSource: 'API', sourceId: null })]).expect(200);
    expect(await drainJobs(deps, portal.portalId)).toEqual(['webhook_event']);
    expect(await outcomes(deps.db, portal.portalId)).toEqual(['stage_recorded', 'rollback_queued', 'own_write']);
    expect(await portal.crm.notes(portal.portalId, dealId)).toHaveLength(1);

    // A second try by the rep is rolled back again: the gate holds, once per move.
    await repMoves(setup, portal, dealId, 'contractsent', minutesAfter(clock, 1));
    expect(await drainJobs(deps, portal.portalId)).toEqual(['webhook_event', 'gate_rollback']);
    expect(await stageOf(portal, dealId)).toBe('presentationscheduled');
    expect(await portal.crm.notes(portal.portalId, dealId)).toHaveLength(2);
  });

  it('rolls back to the stage before the gated one even when that event arrived after it', async () => {
    const setup = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { dealstage: 'contractsent' });
    // HubSpot delivers the move into the gate first, then the earlier move.
    await postWebhook(setup.app, setup.clock, [propertyChange(portal.portalId, dealId, 'dealstage', 'contractsent', minutesAfter(setup.clock, -1))]).expect(200);
    await postWebhook(setup.app, setup.clock, [propertyChange(portal.portalId, dealId, 'dealstage', 'decisionmakerboughtin', minutesAfter(setup.clock, -5))]).expect(200);
    expect(await drainJobs(setup.deps, portal.portalId)).toEqual(['webhook_event', 'webhook_event', 'gate_rollback']);

    expect(await outcomes(setup.deps.db, portal.portalId)).toEqual(['rollback_queued', 'stale_stage']);
    expect(await stageOf(portal, dealId)).toBe('decisionmakerboughtin');
  });

  it('a rollback job run twice (a worker retry) writes, notes and tasks once', async () => {
    const setup = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { dealstage: 'qualifiedtobuy' });
    await repMoves(setup, portal, dealId, 'qualifiedtobuy', minutesAfter(setup.clock, -10));
    await repMoves(setup, portal, dealId, 'closedwon', minutesAfter(setup.clock, -1));
    await drainJobs(setup.deps, portal.portalId);
    const job = await setup.deps.db('jobs').where({ portal_id: portal.portalId, kind: 'gate_rollback' }).first<{ id: string; payload: unknown }>();

    await rollBackGatedStage(setup.deps, portal.portalId, RollbackPayloadSchema.parse(job?.payload));
    expect(await stageOf(portal, dealId)).toBe('qualifiedtobuy');
    expect(await portal.crm.notes(portal.portalId, dealId)).toHaveLength(1);
    expect(await portal.crm.tasks(portal.portalId, dealId)).toHaveLength(1);
    expect(await gateTraces(portal.portalId, dealId)).toHaveLength(1);
  });

  it('a rollback interrupted after its write finishes on retry without writing again', async () => {
    const setup = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { dealstage: 'qualifiedtobuy' });
    await repMoves(setup, portal, dealId, 'qualifiedtobuy', minutesAfter(setup.clock, -10));
    await repMoves(setup, portal, dealId, 'contractsent', minutesAfter(setup.clock, -1));
    const writes = vi.spyOn(setup.crm, 'updateDeals');
    vi.spyOn(setup.crm, 'addNote').mockRejectedValueOnce(new Error('HubSpot answered 502'));

    await expect(drainJobs(setup.deps, portal.portalId)).rejects.toThrow('502');
    expect(await stageOf(portal, dealId)).toBe('qualifiedtobuy');
    expect(await portal.crm.notes(portal.portalId, dealId)).toEqual([]);

    // The worker retries the job.
    await setup.deps.db('jobs').where({ portal_id: portal.portalId, state: 'running' }).update({ state: 'queued' });
    expect(await drainJobs(setup.deps, portal.portalId)).toEqual(['gate_rollback']);
    expect(writes).toHaveBeenCalledTimes(1);
    expect(await portal.crm.notes(portal.portalId, dealId)).toHaveLength(1);
    expect(await portal.crm.tasks(portal.portalId, dealId)).toHaveLength(1);
  });

  it('leaves an approved deal in the gated stage it entered', async () => {
    const setup = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { dealstage: 'qualifiedtobuy' });
    // Within guidelines: the request is approved automatically.
    const { body } = await requestApproval(setup.deps, portal.as('noah'), { dealId, justification: 'Standard terms', idempotencyKey: idempotencyKey() });
    expect(body.request.state).toBe('auto_approved');

    await repMoves(setup, portal, dealId, 'contractsent', setup.clock.now());
    expect(await drainJobs(setup.deps, portal.portalId)).toEqual(['webhook_event']);
    expect(await outcomes(setup.deps.db, portal.portalId)).toEqual(['gate_passed_approved']);
    expect(await stageOf(portal, dealId)).toBe('contractsent');
    expect(await portal.crm.notes(portal.portalId, dealId)).toEqual([]);
  });

  it('does not roll back a deal approved between the stage change and the rollback', async () => {
    const setup = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { dealstage: 'qualifiedtobuy', discount_percent: '20' });
    const { body: { request } } = await requestApproval(setup.deps, portal.as('noah'), { dealId, justification: 'Competitive deal', idempotencyKey: idempotencyKey() });
    await repMoves(setup, portal, dealId, 'contractsent', setup.clock.now());
    // The event is processed (rollback queued) but the manager approves before the rollback job runs.
    const [first] = await setup.deps.db('jobs').where({ portal_id: portal.portalId, kind: 'webhook_event' }).select('id');
    const eventJob = await setup.deps.db('jobs').where({ id: first?.id }).first<{ payload: { webhookEventId: string } }>();
    expect(await processWebhookEvents(setup.deps, [eventJob.payload.webhookEventId])).toEqual(new Map());
    await setup.deps.db('jobs').where({ id: first?.id }).update({ state: 'done' });
    await decideOnRequest(setup.deps, portal.as('ben'), { requestId: request.id, verdict: 'approve', idempotencyKey: idempotencyKey() });

    expect(await drainJobs(setup.deps, portal.portalId)).toEqual(['gate_rollback']);
    expect(await stageOf(portal, dealId)).toBe('contractsent');
    expect(await portal.crm.notes(portal.portalId, dealId)).toEqual([]);
  });

  it('tells a rep with a pending request to wait for it, and falls back to the stage the request was made in', async () => {
    const setup = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    // No stage event was ever seen for this deal: the request's snapshot knows where it stood.
    const dealId = await seedDeal(portal, { dealstage: 'decisionmakerboughtin', discount_percent: '20' });
    await requestApproval(setup.deps, portal.as('noah'), { dealId, justification: 'Competitive deal', idempotencyKey: idempotencyKey() });
    await repMoves(setup, portal, dealId, 'contractsent', setup.clock.now());
    await drainJobs(setup.deps, portal.portalId);

    expect(await stageOf(portal, dealId)).toBe('decisionmakerboughtin');
    expect(await portal.crm.notes(portal.portalId, dealId)).toEqual([
      'Moved back from Contract sent to Decision maker bought-in: its approval request (route Manager approval) is still waiting for approvers; move it on once it is approved. (approval-router stage gate)',
    ]);
  });

  it('writes its note and task as HTML, escaping the route\'s label', async () => {
    const setup = buildWebhookApp(database().db);
    const policySource = SALES_POLICY_SOURCE.replace('label: Manager approval', 'label: "Manager <b>approval</b> & review"');
    const portal = await seedPortal(database().db, { policySource });
    const dealId = await seedDeal(portal, { dealstage: 'contractsent', discount_percent: '20' });
    await postWebhook(setup.app, setup.clock, [propertyChange(portal.portalId, dealId, 'dealstage', 'contractsent', setup.clock.now())]).expect(200);
    await drainJobs(setup.deps, portal.portalId);

    const notes = await portal.crm.notes(portal.portalId, dealId);
    expect(notes).toEqual([expect.stringContaining('this deal needs approval (route Manager &lt;b&gt;approval&lt;/b&gt; &amp; review)')]);
    expect(await portal.crm.tasks(portal.portalId, dealId)).toEqual([expect.objectContaining({ body: notes[0] })]);
  });

  it('leaves the stage and says so when no earlier stage is known', async () => {
    const setup = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { dealstage: 'contractsent' });
    await postWebhook(setup.app, setup.clock, [propertyChange(portal.portalId, dealId, 'dealstage', 'contractsent', setup.clock.now())]).expect(200);
    await drainJobs(setup.deps, portal.portalId);

    expect(await stageOf(portal, dealId)).toBe('contractsent');
    expect(await portal.crm.notes(portal.portalId, dealId)).toEqual([
      'Entered Contract sent without approval; its previous stage is unknown, so it was left there: this deal needs approval (route Within guidelines); request it from the approval card. (approval-router stage gate)',
    ]);
    expect(await portal.crm.tasks(portal.portalId, dealId)).toHaveLength(1);
    expect(await gateTraces(portal.portalId, dealId)).toEqual([expect.objectContaining({ gate: 'flagged' })]);
  });

  it('skips the rollback when the rep moved the deal out of the gate before it ran', async () => {
    const setup = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { dealstage: 'qualifiedtobuy' });
    await repMoves(setup, portal, dealId, 'qualifiedtobuy', minutesAfter(setup.clock, -10));
    await repMoves(setup, portal, dealId, 'contractsent', minutesAfter(setup.clock, -2));
    await portal.crm.updateDeal(portal.portalId, dealId, { dealstage: 'closedlost' });
    await drainJobs(setup.deps, portal.portalId);
    expect(await stageOf(portal, dealId)).toBe('closedlost');
    expect(await portal.crm.notes(portal.portalId, dealId)).toEqual([]);
  });

  it('in shadow mode only traces what it would have done', async () => {
    const setup = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db, { flag: 'shadow' });
    const dealId = await seedDeal(portal, { dealstage: 'qualifiedtobuy' });
    await repMoves(setup, portal, dealId, 'qualifiedtobuy', minutesAfter(setup.clock, -10));
    await repMoves(setup, portal, dealId, 'contractsent', minutesAfter(setup.clock, -1));
    expect(await drainJobs(setup.deps, portal.portalId)).toEqual(['webhook_event', 'webhook_event']);

    expect(await outcomes(setup.deps.db, portal.portalId)).toEqual(['stage_recorded', 'shadow_would_roll_back']);
    expect(await stageOf(portal, dealId)).toBe('contractsent');
    expect(await portal.crm.notes(portal.portalId, dealId)).toEqual([]);
    expect(await gateTraces(portal.portalId, dealId)).toEqual([{ gate: 'would_roll_back', mode: 'shadow', to: 'qualifiedtobuy' }]);
    expect(await setup.deps.db('jobs').where({ portal_id: portal.portalId, kind: 'gate_rollback' })).toEqual([]);
  });
});

describe('previousAllowedStage', () => {
  const gated = new Set(['contractsent', 'closedwon']);
  const row = (stage: string, source = 'hubspot', pipeline: string | null = 'default') => ({ stage, source, pipeline });

  it.each([
    { name: 'the newest stage the deal stood in', history: [row('presentationscheduled'), row('qualifiedtobuy')], expected: 'presentationscheduled' },
    { name: 'skips gated stages, even ones it stood in while approved', history: [row('closedwon'), row('contractsent'), row('qualifiedtobuy')], expected: 'qualifiedtobuy' },
    { name: 'skips blocked entries', history: [row('contractsent', 'blocked'), row('appointmentscheduled')], expected: 'appointmentscheduled' },
    { name: 'skips another pipeline', history: [row('renewal-1', 'hubspot', 'renewals'), row('qualifiedtobuy')], expected: 'qualifiedtobuy' },
    { name: 'is our own rollback target when that is newest', history: [row('qualifiedtobuy', 'rollback'), row('appointmentscheduled')], expected: 'qualifiedtobuy' },
    { name: 'is null when nothing is known', history: [], expected: null },
  ])('$name', ({ history, expected }) => {
    expect(previousAllowedStage({ history, pipeline: 'default', current: 'closedwon', gated })).toBe(expected);
  });
});
