// The promotion gate through HTTP against a real Postgres: what it refuses and why (one `gate.<step>` detail per
// missing step), an admin's override with a reason (traced and listed among the incidents), the shadow run it asks
// for when the portal has traffic, and re-activating a version posture rolled back.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ActivateAnswer, GateStatus, IncidentListAnswer, IncidentPacketAnswer } from '../../src/contract/settings-api.js';
import { DEFAULT_ADMIN_SETTINGS, type AdminSettings } from '../../server/use-cases/admin/admin-settings.js';
import { buildTestApp, callApi, type ApiMethod } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedPortal } from '../support/factories.js';

const database = useTestDatabase();
const CLIENT_SUCCESS = readFileSync('examples/policies/client-success.yaml', 'utf8');

async function setup(settings: Partial<AdminSettings> = {}) {
  const { db } = database();
  const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
  const { app, clock } = buildTestApp(db, { adminSettings: { ...DEFAULT_ADMIN_SETTINGS, ...settings } });
  const call = (who: string, method: ApiMethod, path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
  const saved = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source: CLIENT_SUCCESS, idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 }).expect(201);
  expect(saved.body.version).toMatchObject({ version: 2, validatedAt: clock.now().toISOString() });
  const activate = (body: Record<string, unknown> = {}) => call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', { expectedActiveVersion: 1, idempotencyKey: idempotencyKey(), ...body });
  return { db, portal, clock, call, activate };
}

const statusOf = (gate: GateStatus) => Object.fromEntries(gate.steps.map((step) => [step.id, step.status]));

describe('the promotion gate', () => {
  it('refuses a version never simulated with 409 and one detail per missing step; the gate lists every step', async () => {
    const { call, activate } = await setup();
    const gate = GateStatus.parse((await call('dealdesk', 'GET', '/api/v1/admin/policy/versions/2/gate').expect(200)).body);
    expect(statusOf(gate)).toEqual({ validated: 'passed', simulated: 'missing', routable: 'missing', shadow: 'not_required', reactivation: 'not_required' });
    expect(gate).toMatchObject({ version: 2, passed: false, missing: ['simulated', 'routable'], warnings: [] });

    const refused = await activate().expect(409);
    expect(refused.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(['gate.simulated', 'gate.routable']);
    expect(refused.body.error.message).toMatch(/has not passed the promotion gate.*override with a reason/);
    const overview = await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200);
    expect(overview.body.active.version).toBe(1); // nothing changed
    await call('dealdesk', 'GET', '/api/v1/admin/policy/versions/9/gate').expect(404);
    await call('noah', 'GET', '/api/v1/admin/policy/versions/2/gate').expect(403);
  });

  it('lets an admin override with a reason: activated, traced, and listed among the incidents', async () => {
    const { db, portal, call, activate } = await setup();
    const unexplained = await activate({ override: true }).expect(400);
    expect(unexplained.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(['body.reason']);

    const answer = ActivateAnswer.parse((await activate({ override: true, reason: 'quarter-end: the old routes page the wrong VP' }).expect(200)).body);
    expect(answer).toMatchObject({ changed: true, overridden: true, version: { version: 2, isActive: true }, previous: { version: 1 } });
    expect(answer.gate?.missing).toEqual(['simulated', 'routable']);
    expect(answer.incidentId).not.toBeNull();

    const listed = IncidentListAnswer.parse((await call('dealdesk', 'GET', '/api/v1/admin/incidents?kind=gate_override&state=open').expect(200)).body);
    expect(listed.incidents).toEqual([expect.objectContaining({ id: answer.incidentId, kind: 'gate_override', resolvedAt: null })]);
    expect(listed.incidents[0]!.summary).toContain('without simulated, routable: quarter-end');
    const packet = IncidentPacketAnswer.parse((await call('dealdesk', 'GET', `/api/v1/admin/incidents/${answer.incidentId}`).expect(200)).body);
    expect(packet.packet).toMatchObject({ by: 'dealdesk@acme.example', reason: 'quarter-end: the old routes page the wrong VP', version: { version: 2 }, previous: { version: 1 } });

    const traces = await db('traces').where({ portal_id: portal.portalId, kind: 'policy' }).orderBy('seq').select<{ input: string; output: string }[]>('input', 'output');
    const last = traces.at(-1)!;
    expect({ input: JSON.parse(last.input) as unknown, output: JSON.parse(last.output) as unknown }).toMatchObject({
      input: { command: 'activate', version: 2, override: true, reason: 'quarter-end: the old routes page the wrong VP' },
      output: { active: 2, gate: { passed: false, overridden: true, missing: ['simulated', 'routable'], incident: answer.incidentId } },
    });
    const passes = await db('policy_gate_passes').where({ portal_id: portal.portalId }).select('by', 'overridden', 'reason');
    expect(passes).toEqual([{ by: 'dealdesk@acme.example', overridden: true, reason: 'quarter-end: the old routes page the wrong VP' }]);
  });

  it('asks a portal with traffic for a shadow run of the configured length, counted from staging', async () => {
    const { call, clock } = await setup({ shadowMinDeals: 0, shadowHours: 24 });
    const before = GateStatus.parse((await call('dealdesk', 'GET', '/api/v1/admin/policy/versions/2/gate').expect(200)).body);
    expect(before.steps.find((step) => step.id === 'shadow')).toMatchObject({ status: 'missing', message: expect.stringContaining('stage it as the candidate') });

    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/stage', {}).expect(200);
    clock.advanceHours(23);
    const early = GateStatus.parse((await call('dealdesk', 'GET', '/api/v1/admin/policy/versions/2/gate').expect(200)).body);
    expect(early.steps.find((step) => step.id === 'shadow')).toMatchObject({ status: 'missing', message: expect.stringContaining('in shadow for 23 h of the 24 h required') });
    clock.advanceHours(1);
    const ready = GateStatus.parse((await call('dealdesk', 'GET', '/api/v1/admin/policy/versions/2/gate').expect(200)).body);
    expect(ready.steps.find((step) => step.id === 'shadow')).toMatchObject({ status: 'passed', message: 'ran in shadow for 24 h without critical posture' });
    // Still refused: the shadow run does not stand in for a simulation.
    const refused = await call('dealdesk', 'POST', '/api/v1/admin/policy/candidate/promote', { expectedActiveVersion: 1, idempotencyKey: idempotencyKey() }).expect(409);
    expect(refused.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(['gate.simulated', 'gate.routable']);
  });

  it('re-activating a version posture rolled back for critical posture needs a reason, and warns', async () => {
    const { db, portal, call, activate } = await setup();
    await activate({ override: true, reason: 'try it' }).expect(200);
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/1/activate', { expectedActiveVersion: 2, idempotencyKey: idempotencyKey(), override: true, reason: 'back' }).expect(200);
    // Posture rolled version 2 back (as use-cases/rollout/posture.ts records it).
    await db('policy_versions').where({ portal_id: portal.portalId, version: 2 })
      .update({ rolled_back_at: '2026-11-27T08:00:00.000Z', rolled_back_reason: 'posture critical: 4 deals could not be routed', rolled_back_by: 'posture' });

    const gate = GateStatus.parse((await call('dealdesk', 'GET', '/api/v1/admin/policy/versions/2/gate').expect(200)).body);
    expect(gate.steps.find((step) => step.id === 'reactivation')).toMatchObject({ status: 'missing', message: expect.stringContaining('rolled back for critical posture') });
    const refused = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', { expectedActiveVersion: 1, idempotencyKey: idempotencyKey() }).expect(409);
    expect(refused.body.error.details.map((detail: { path: string }) => detail.path)).toContain('gate.reactivation');

    const again = ActivateAnswer.parse((await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', {
      expectedActiveVersion: 1, idempotencyKey: idempotencyKey(), override: true, reason: 'the routing fix is in the directory now',
    }).expect(200)).body);
    expect(again.warnings).toEqual([expect.stringMatching(/^version 2 was rolled back for critical posture at .*activated again because: the routing fix is in the directory now$/)]);
    expect(again.gate?.steps.find((step) => step.id === 'reactivation')?.status).toBe('passed');
  });
});
