// Whatever `policy check` and the validate endpoint accept must run: fast-check generates valid policies (fractional
// SLAs, properties and teams named like object members, every condition, approver source and step mode), and each is
// saved and activated through the admin API, then drives a card view, a request and a decision through HTTP.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CardView, RequestAnswer } from '../../src/contract/card-api.js';
import { parsePolicy } from '../../src/policy/parse-policy.js';
import { buildTestApp, callApi, type Caller } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';
import { POLICY_PROPERTIES, POLICY_VALUES, validPolicySource } from './support/policy-sources.js';

const database = useTestDatabase();

/** A few dozen policies: each run is a handful of HTTP calls against one Postgres, on a machine that may be shared. */
const RUNS = Number(process.env.VALID_POLICY_RUNS ?? 30);

/** The deal's properties: numbers, listed values, blanks, and names an object has as members. */
const dealProperties = fc.record({
  values: fc.dictionary(fc.constantFrom(...POLICY_PROPERTIES), fc.oneof(
    fc.constantFrom('0', '15', '25.5', '-3', '600000', '1e3', '', 'net_60'),
    fc.constantFrom(...POLICY_VALUES),
    fc.constant(null),
  )),
  owner: fc.constantFrom('102', '101', '104', '999'),
});

describe('every valid policy runs', () => {
  it('saves, activates, and serves a card view, a request and a decision without a 5xx', async () => {
    const { db } = database();
    const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
    const { app, clock } = buildTestApp(db);
    const owners = new Map([['102', 'noah'], ['101', 'ava'], ['104', 'liam']]);
    const byEmail = new Map(portal.users.map((user) => [user.email, user]));
    const call = (who: Caller, method: 'GET' | 'POST', path: string, body?: unknown) => callApi(app, clock, who, method, path, body);
    const admin = portal.as('dealdesk');

    await fc.assert(fc.asyncProperty(validPolicySource, dealProperties, async (source, { values, owner }) => {
      const validated = await call(admin, 'POST', '/api/v1/admin/policy/validate', { source });
      expect(validated.status, validated.text).toBe(200);
      expect(validated.body).toMatchObject({ valid: true, hash: (parsePolicy(source) as { hash: string }).hash });
      const overview = await call(admin, 'GET', '/api/v1/admin/policy');
      const expectedActiveVersion = (overview.body as { active: { version: number } | null }).active?.version ?? null;
      const saved = await call(admin, 'POST', '/api/v1/admin/policy/versions', { source, idempotencyKey: idempotencyKey(), expectedActiveVersion });
      expect([200, 201], saved.text).toContain(saved.status);
      const version = (saved.body as { version: { version: number } }).version.version;
      const activated = await call(admin, 'POST', `/api/v1/admin/policy/versions/${version}/activate`, { idempotencyKey: idempotencyKey(), expectedActiveVersion });
      expect(activated.status, activated.text).toBe(200);

      const dealId = await seedDeal(portal, { ...values, hubspot_owner_id: owner });
      const rep = portal.as(owners.get(owner) ?? 'noah');
      const card = await call(rep, 'GET', `/api/v1/deals/${dealId}/card`);
      expect(card.status, card.text).toBe(200);
      const preview = CardView.parse(card.body).preview;

      const opened = await call(rep, 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'property test', idempotencyKey: idempotencyKey() });
      expect(opened.status, opened.text).toBe(preview?.outcome === 'unroutable' ? 409 : 201);
      if (opened.status !== 201) return;
      const { request } = RequestAnswer.parse(opened.body);
      if (request.state !== 'pending') return;

      const step = request.steps.find((s) => s.status === 'active');
      const approver = byEmail.get(step?.waitingOn[0] ?? '');
      expect(approver?.userId, `an approver who can sign in: ${stringify(step)}`).toBeDefined();
      const who = { portalId: portal.portalId, userId: approver!.userId!, email: approver!.email };
      const decided = await call(who, 'POST', `/api/v1/requests/${request.id}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() });
      expect(decided.status, decided.text).toBe(200);
      const seen = await call(who, 'GET', `/api/v1/deals/${dealId}/card`);
      expect(seen.status, seen.text).toBe(200);
    }), { numRuns: RUNS, endOnFailure: true });
  }, 120_000);
});
