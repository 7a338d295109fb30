// Test data builders: portals with a policy and a directory, deals, and the people who act on them.
import { readFileSync } from 'node:fs';
import type { Knex } from 'knex';
import { stringify } from 'yaml';
import type { DirectoryUser } from '../../src/directory/schema.js';
import { parsePolicy } from '../../src/policy/parse-policy.js';
import type { Policy } from '../../src/policy/schema.js';
import { LocalCrm } from '../../server/crm/local-crm.js';
import { demoDirectory } from '../../server/demo/seed-demo-portal.js';
import { activatePolicyVersion, savePolicyVersion } from '../../server/store/policies.js';
import { upsertPortal, type FeatureFlag } from '../../server/store/portals.js';
import type { Caller } from './app.js';

export const SALES_POLICY_SOURCE = readFileSync('examples/policies/sales-deal-desk.yaml', 'utf8');

/** When seedPortal's rows are written, unless a test passes its own clock: a fixed instant, as every time in a test is. */
export const SEEDED_AT = '2026-11-01T00:00:00.000Z';

let nextPortal = 70_000_000 + Math.floor(Math.random() * 1_000_000) * 10;
export const newPortalId = () => String(nextPortal++);

export interface SeededPortal {
  portalId: string;
  crm: LocalCrm;
  /** A caller for a directory user, by the start of their email (`as('noah')`). */
  as: (emailPrefix: string) => Caller;
  users: DirectoryUser[];
}

/** `now` is the clock the portal's LocalCrm stamps its writes with (the test app's, say); SEEDED_AT without one. */
export async function seedPortal(db: Knex, options: {
  portalId?: string; flag?: FeatureFlag; policySource?: string; users?: DirectoryUser[]; admins?: string[]; now?: () => Date;
} = {}): Promise<SeededPortal> {
  const portalId = options.portalId ?? newPortalId();
  await upsertPortal(db, {
    id: portalId, name: `Test portal ${portalId}`, installState: 'installed', featureFlag: options.flag ?? 'on',
    installedByEmail: 'vp.sales@acme.example', settings: { admins: options.admins ?? ['dealdesk@acme.example'] },
  }, SEEDED_AT);
  await db('portals').where({ id: portalId }).update({ feature_flag: options.flag ?? 'on', settings: JSON.stringify({ admins: options.admins ?? ['dealdesk@acme.example'] }) });
  const parsed = parsePolicy(options.policySource ?? SALES_POLICY_SOURCE);
  if (!parsed.ok) throw new Error(`test policy invalid: ${JSON.stringify(parsed.problems)}`);
  await db.transaction(async (trx) => {
    const { version } = await savePolicyVersion(trx, { portalId, source: options.policySource ?? SALES_POLICY_SOURCE, document: parsed.policy, hash: parsed.hash, createdBy: 'test', at: SEEDED_AT });
    await activatePolicyVersion(trx, portalId, version.id, 'test', SEEDED_AT);
  });
  const crm = new LocalCrm({ db, now: options.now ?? (() => new Date(SEEDED_AT)) });
  const users = options.users ?? demoDirectory().directory.users;
  for (const user of users) await crm.upsertUser(portalId, user);
  const as = (prefix: string): Caller => {
    const user = users.find((u) => u.email.startsWith(prefix));
    if (!user?.userId) throw new Error(`no test user ${prefix} with a user id`);
    return { portalId, userId: user.userId, email: user.email };
  };
  return { portalId, crm, as, users };
}

let nextDeal = 500_000;

/** A deal owned by Noah King (NA team) unless told otherwise; properties are HubSpot strings. */
export async function seedDeal(portal: SeededPortal, properties: Record<string, string | null> = {}, id = String(nextDeal++)): Promise<string> {
  await portal.crm.upsertDeal(portal.portalId, {
    id,
    properties: {
      dealname: `Deal ${id}`, amount: '50000', discount_percent: '0', payment_terms: 'net_30', contract_term_months: '12',
      hubspot_owner_id: '102', pipeline: 'default', dealstage: 'qualifiedtobuy', ...properties,
    },
  });
  return id;
}

/** A policy whose one route sends every deal to a step of `count` listed approvers. */
export function crowdPolicy(count: number, mode: 'any' | 'all' | 'quorum', quorum?: number): { source: string; users: DirectoryUser[]; policy: Policy } {
  const emails = Array.from({ length: count }, (_, i) => `approver${i}@crowd.example`);
  const policy = {
    name: 'Crowd',
    scoring: { factors: [] },
    routes: [{ id: 'crowd', when: { always: true }, steps: [{ id: 'crowd', approvers: { users: emails }, mode, ...(mode === 'quorum' ? { quorum } : {}), slaHours: 24 }] }],
  } as unknown as Policy;
  const users: DirectoryUser[] = [
    { email: 'rep@crowd.example', ownerId: '900', userId: '9000', name: 'Rep', teams: ['Sales'] },
    ...emails.map((email, i) => ({ email, userId: String(9001 + i), name: `Approver ${i}`, teams: ['Crowd'] })),
  ];
  return { source: stringify(policy), users, policy };
}

let keySeq = 0;
export const idempotencyKey = () => `test-key-${Date.now()}-${keySeq++}`;
