// Pending requests for a benchmark to decide on, made as a portal would make them. The demo portal's policy gets one
// more route, first: deals in the `bench-crowd` pipeline go to one step that needs every one of its approvers (the
// crowd of test/support's crowdPolicy), so each request takes many decisions before it closes. The policy is saved
// and activated through the admin API and the requests opened through the card API; only the CRM's side (the crowd's
// users and deals, which HubSpot would hold) is written with SQL. Every other deal routes as the sales example says.
import { readFileSync } from 'node:fs';
import type { Knex } from 'knex';
import { isSeq, parseDocument } from 'yaml';
import { DEMO_PORTAL_ID, demoDirectory } from '../../server/demo/seed-demo-portal.js';
import { crowdPolicy } from '../../test/support/factories.js';
import type { Outgoing } from './open-loop.js';
import { callCard, cardRequest, type CardUser } from './signed-requests.js';

export const CROWD_PIPELINE = 'bench-crowd';

export interface Crowd {
  approvers: CardUser[];
  /** The crowd's deals, with the amount each holds in the CRM. */
  deals: { id: string; amount: string }[];
  requestIds: string[];
  /** The next decision: each approver of each request approves once, taking the requests in turn, so concurrent
   * decisions rarely wait on one request's row lock. */
  nextDecision: (target: string) => Outgoing;
  /** The next card view of a deal under decision, as one of its approvers opens it. */
  nextCardView: (target: string) => Outgoing;
  /** Whether every decision the service accepted is stored exactly once; as a line to print. */
  checkDecisions: (db: Knex) => Promise<string>;
}

export interface CrowdOptions {
  db: Knex;
  secret: string;
  /** The service that sets the crowd up. */
  base: string;
  /** Decisions the run will make: the crowd gets enough pending requests for them. */
  decisions: number;
  approversPerRequest: number;
  firstDealId: number;
}

export async function prepareCrowd({ db, secret, base, decisions, approversPerRequest, firstDealId }: CrowdOptions): Promise<Crowd> {
  const crowd = crowdPolicy(approversPerRequest, 'all');
  const [rep, ...approverUsers] = crowd.users.map((user) => ({ email: user.email, userId: user.userId! }));
  for (const user of crowd.users) {
    await db('local_users').insert({ portal_id: DEMO_PORTAL_ID, email: user.email, owner_id: user.ownerId ?? null, user_id: user.userId, name: user.name, teams: user.teams })
      .onConflict(['portal_id', 'email']).merge();
  }

  const admin = demoDirectory().users.find((user) => user.email === 'dealdesk@acme.example')!;
  const source = withCrowdRoute(readFileSync(new URL('../../examples/policies/sales-deal-desk.yaml', import.meta.url), 'utf8'), crowd.policy.routes[0]!.steps);
  // Admin writes carry an idempotency key and the version they were made against, as the API requires.
  const overview = await callCard(secret, base, 'GET', '/api/v1/admin/policy', admin);
  const expectedActiveVersion = (JSON.parse(overview.body) as { active: { version: number } | null }).active?.version ?? null;
  const saved = await callCard(secret, base, 'POST', '/api/v1/admin/policy/versions', admin, { source, idempotencyKey: 'bench-crowd-save', expectedActiveVersion });
  const { version } = (JSON.parse(saved.body) as { version: { version: number } }).version;
  // A seeded portal has no history for the promotion gate to judge: the admin overrides it, with the reason traced.
  await callCard(secret, base, 'POST', `/api/v1/admin/policy/versions/${version}/activate`, admin, {
    idempotencyKey: 'bench-crowd-activate', expectedActiveVersion, override: true, reason: 'bench: a seeded portal with no deal history to simulate',
  });

  const count = Math.ceil(decisions / approversPerRequest) + 1;
  const deals = Array.from({ length: count }, (_, i) => ({ id: String(firstDealId + i), amount: String(1000 * i) }));
  // Stamped by this process's clock, the wall clock the service it drives reads too.
  const at = new Date().toISOString();
  await db('local_deals').insert(deals.map(({ id, amount }, i) => ({
    portal_id: DEMO_PORTAL_ID, id, updated_at: at,
    properties: JSON.stringify({
      dealname: `Crowd deal ${i}`, amount, discount_percent: '0', payment_terms: 'net_30', contract_term_months: '12',
      hubspot_owner_id: crowd.users[0]!.ownerId, pipeline: CROWD_PIPELINE, dealstage: 'qualifiedtobuy',
    }),
  })));
  const requestIds: string[] = [];
  for (let i = 0; i < count; i += 20) {
    const opened = await Promise.all(deals.slice(i, i + 20).map(({ id }) => callCard(secret, base, 'POST', `/api/v1/deals/${id}/requests`, rep!, { justification: 'bench', idempotencyKey: `bench-open-${id}` })));
    requestIds.push(...opened.map((answer) => (JSON.parse(answer.body) as { request: { id: string } }).request.id));
  }

  const accepted = new Set<string>();
  let decided = 0;
  let viewed = 0;
  return {
    approvers: approverUsers,
    deals,
    requestIds,
    nextDecision: (target) => {
      const i = decided++;
      if (i >= count * approversPerRequest) throw new Error('every pending request is decided: the crowd was too small for the run');
      const requestId = requestIds[i % count]!;
      const approver = approverUsers[Math.floor(i / count)]!;
      return {
        request: cardRequest(secret, target, 'POST', `/api/v1/requests/${requestId}/decisions`, approver, { verdict: 'approve', idempotencyKey: `bench-decision-${i}` }),
        onAnswer: (answer) => {
          if (answer && answer.status >= 200 && answer.status <= 299) accepted.add(`${requestId} ${approver.email}`);
        },
      };
    },
    nextCardView: (target) => {
      const k = viewed++;
      return { request: cardRequest(secret, target, 'GET', `/api/v1/deals/${deals[k % count]!.id}/card`, approverUsers[Math.floor(k / count) % approversPerRequest]!) };
    },
    checkDecisions: async (db) => {
      const { rows } = await db.raw<{ rows: { request_id: string; approver_email: string; n: number }[] }>(
        'SELECT request_id, approver_email, count(*)::int AS n FROM decisions WHERE request_id = ANY(?::uuid[]) GROUP BY 1, 2', [requestIds]);
      const stored = new Map(rows.map((row) => [`${row.request_id} ${row.approver_email}`, row.n]));
      const lost = [...accepted].filter((key) => !stored.has(key)).length;
      const duplicated = [...stored.values()].filter((n) => n > 1).length;
      const unconfirmed = [...stored.keys()].filter((key) => !accepted.has(key)).length;
      const verdict = lost === 0 && duplicated === 0 ? 'each stored exactly once' : 'NOT each stored exactly once';
      return `decisions accepted (2xx): ${accepted.size}; ${verdict}: lost ${lost}, stored more than once ${duplicated}`
        + `; stored without a 2xx reaching the driver (an error or timeout after the service decided): ${unconfirmed}`;
    },
  };
}

/** The policy source with the crowd's route put first, the rest of the document (comments too) as it was. */
function withCrowdRoute(source: string, steps: unknown): string {
  const document = parseDocument(source);
  const routes = document.get('routes');
  if (!isSeq(routes)) throw new Error('the sales example policy has no list of routes');
  routes.items.unshift(document.createNode({ id: 'bench-crowd', label: 'Benchmark crowd', when: { property: 'pipeline', equals: CROWD_PIPELINE }, steps }));
  return document.toString();
}
