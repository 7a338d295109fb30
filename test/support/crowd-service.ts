// A crowd for the tests that drive a spawned service (spawn-service.ts) over HTTP: the demo portal's policy replaced
// by one step that waits on all of 30 approvers, twenty requests opened through the card API, and every approver's
// approval of them sent at once. Rows written beside the service are stamped by the wall clock, as it runs on it.
import type { Knex } from 'knex';
import { DEMO_PORTAL_ID } from '../../server/demo/seed-demo-portal.js';
import { signRequest, withCardIdentity } from '../../server/http/sign-request.js';
import { parsePolicy } from '../../src/policy/parse-policy.js';
import { crowdPolicy, idempotencyKey } from './factories.js';
import type { SpawnedService } from './spawn-service.js';

export interface CrowdUser { email: string; userId: string }

export type CardCall = (target: SpawnedService, user: CrowdUser, method: 'GET' | 'POST', path: string, body?: unknown) => Promise<{ status: number; body: Record<string, unknown> }>;

/** A call to the card API as HubSpot's proxy signs it, for a user of the demo portal. */
export function cardCaller(secret: string): CardCall {
  return async (target, user, method, path, body) => {
    const pathAndQuery = withCardIdentity(path, { portalId: DEMO_PORTAL_ID, ...user });
    const signed = signRequest({ secret, method, url: `${target.signedBaseUrl}${pathAndQuery}`, body, timestampMs: Date.now() });
    const response = await fetch(`${target.url}${pathAndQuery}`, { method, headers: signed.headers, ...(body === undefined ? {} : { body: signed.rawBody }) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
}

/** Twenty requests on deals `firstDealId` onwards, each waiting on all of 30 approvers; their ids and the approvers. */
export async function openCrowdRequests(db: Knex, call: CardCall, target: SpawnedService, firstDealId: number): Promise<{ requestIds: string[]; approvers: CrowdUser[] }> {
  const { source, users } = crowdPolicy(30, 'all');
  const parsed = parsePolicy(source);
  if (!parsed.ok) throw new Error('crowd policy invalid');
  const at = new Date().toISOString();
  await db('policy_versions').where({ portal_id: DEMO_PORTAL_ID }).update({ is_active: false });
  await db('policy_versions').insert({ portal_id: DEMO_PORTAL_ID, version: 99, name: 'Crowd', source, document: JSON.stringify(parsed.policy), hash: parsed.hash, created_by: 'test', created_at: at, is_active: true });
  for (const user of users) {
    await db('local_users').insert({ portal_id: DEMO_PORTAL_ID, email: user.email, owner_id: user.ownerId ?? null, user_id: user.userId, name: user.name, teams: user.teams }).onConflict(['portal_id', 'email']).merge();
  }
  const rep = { email: 'rep@crowd.example', userId: '9000' };
  const requestIds: string[] = [];
  for (let i = 0; i < 20; i++) {
    const dealId = String(firstDealId + i);
    await db('local_deals').insert({ portal_id: DEMO_PORTAL_ID, id: dealId, updated_at: at, properties: JSON.stringify({ dealname: `Crash ${i}`, hubspot_owner_id: '900', pipeline: 'default', dealstage: 'qualifiedtobuy' }) });
    const opened = await call(target, rep, 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'crash test', idempotencyKey: idempotencyKey() });
    if (opened.status !== 201) throw new Error(`opening a crowd request answered ${opened.status}: ${JSON.stringify(opened.body)}`);
    requestIds.push((opened.body.request as { id: string }).id);
  }
  return { requestIds, approvers: users.slice(1).map((user) => ({ email: user.email, userId: user.userId! })) };
}

/** Each approver's approval of each request, sent at once; the 2xx answers are pushed to `accepted` as they come. */
export function pourDecisions(
  call: CardCall, target: SpawnedService, requestIds: readonly string[], approvers: readonly CrowdUser[], accepted: { requestId: string; approver: string }[],
): Promise<void> {
  return Promise.all(requestIds.flatMap((requestId) => approvers.map(async (approver) => {
    try {
      const answer = await call(target, approver, 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: `${requestId}-${approver.userId}` });
      if (answer.status === 200) accepted.push({ requestId, approver: approver.email });
    } catch { /* the connection died with the process or its database */ }
  }))).then(() => undefined);
}
