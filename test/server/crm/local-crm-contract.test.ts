import { LocalCrm } from '../../../server/crm/local-crm.js';
import { upsertPortal } from '../../../server/store/portals.js';
import { useTestDatabase } from '../../support/db.js';
import { describeCrmContract } from '../crm-contract.js';

const database = useTestDatabase();
const AT = '2026-11-27T09:00:00.000Z';

describeCrmContract('LocalCrm (Postgres)', async (world) => {
  const { db } = database();
  const crm = new LocalCrm({ db, now: () => new Date(AT) });
  await upsertPortal(db, { id: world.portalId, name: 'Contract portal', installState: 'demo', featureFlag: 'on', installedByEmail: null }, AT);
  for (const deal of world.deals) await crm.upsertDeal(world.portalId, deal);
  for (const owner of world.owners) {
    const primary = owner.teams.find((team) => team.primary)?.name;
    await crm.upsertUser(world.portalId, {
      email: owner.email,
      ownerId: owner.ownerId,
      userId: owner.userId,
      name: `${owner.firstName} ${owner.lastName}`,
      teams: owner.teams.map((team) => team.name),
      ...(primary ? { primaryTeam: primary } : {}),
    });
  }
  return { crm, notesOn: (dealId) => crm.notes(world.portalId, dealId) };
});
