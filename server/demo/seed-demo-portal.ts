// The local demo portal: a portal served by LocalCrm, seeded from the sales example (policy, users, deals),
// so `npm start` shows the whole product without a HubSpot account. Seeding is idempotent.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { normaliseEmail } from '../../src/directory/email.js';
import { DirectorySchema, type Directory } from '../../src/directory/schema.js';
import { DealSchema } from '../../src/deal.js';
import { parsePolicy } from '../../src/policy/parse-policy.js';
import type { Db } from '../db/database.js';
import { upsertLocalDeal, upsertLocalUser } from '../store/local-crm.js';
import { activatePolicyVersion, activePolicy, savePolicyVersion } from '../store/policies.js';
import { findPortal, upsertPortal } from '../store/portals.js';
import { markStable } from '../store/rollout-versions.js';

export const DEMO_PORTAL_ID = '1';
const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

export interface DemoUser { email: string; userId: string; name: string | null }

/** The demo's users with the HubSpot user ids the demo signs requests with (1001, 1002, … in directory order). */
export function demoDirectory(): { directory: Directory; users: DemoUser[] } {
  const raw = DirectorySchema.parse(parseYaml(readFileSync(path.join(EXAMPLES, 'sales-deal-desk/directory.yaml'), 'utf8')));
  const users = raw.users.map((user, index) => ({ ...user, email: normaliseEmail(user.email), userId: user.userId ?? String(1001 + index) }));
  return { directory: { ...raw, users }, users: users.map((user) => ({ email: user.email, userId: user.userId, name: user.name ?? null })) };
}

export function demoDeals() {
  const folder = path.join(EXAMPLES, 'sales-deal-desk/deals');
  return readdirSync(folder).filter((file) => file.endsWith('.json')).sort()
    .map((file) => DealSchema.parse(JSON.parse(readFileSync(path.join(folder, file), 'utf8'))));
}

export async function seedDemoPortal(db: Db, at: string): Promise<{ created: boolean }> {
  const existing = await findPortal(db, DEMO_PORTAL_ID);
  await upsertPortal(db, {
    id: DEMO_PORTAL_ID,
    name: 'Local demo portal (Acme)',
    installState: 'demo',
    featureFlag: existing?.featureFlag ?? 'on',
    installedByEmail: 'vp.sales@acme.example',
    settings: { admins: ['dealdesk@acme.example'] },
  }, at);

  if (!(await activePolicy(db, DEMO_PORTAL_ID))) {
    const source = readFileSync(path.join(EXAMPLES, 'policies/sales-deal-desk.yaml'), 'utf8');
    const parsed = parsePolicy(source);
    if (!parsed.ok) throw new Error(`the sample policy is invalid: ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    await db.transaction(async (trx) => {
      const { version } = await savePolicyVersion(trx, { portalId: DEMO_PORTAL_ID, source, document: parsed.policy, hash: parsed.hash, createdBy: 'seed', at });
      await activatePolicyVersion(trx, DEMO_PORTAL_ID, version.id, 'seed', at);
      // The sample policy is the demo portal's first stable version, as an install's default policy is.
      await markStable(trx, DEMO_PORTAL_ID, version.id, at);
    });
  }

  const { directory } = demoDirectory();
  for (const user of directory.users) await upsertLocalUser(db, DEMO_PORTAL_ID, user);
  if (!existing) for (const deal of demoDeals()) await upsertLocalDeal(db, DEMO_PORTAL_ID, { id: deal.id, properties: deal.properties }, at);
  return { created: !existing };
}
