import { describe, expect, it } from 'vitest';
import { LocalCrm } from '../../../server/crm/local-crm.js';
import { DEMO_PORTAL_ID, demoDirectory, seedDemoPortal } from '../../../server/demo/seed-demo-portal.js';
import { buildTestApp, callApi } from '../../support/app.js';
import { useTestDatabase } from '../../support/db.js';
import { seedDeal, seedPortal } from '../../support/factories.js';

const database = useTestDatabase();

describe('the directory LocalCrm keeps', () => {
  it('answers the demo seed\'s people as the example directory has them, a deactivated user deactivated', async () => {
    const { db } = database();
    await seedDemoPortal(db, '2026-11-01T00:00:00.000Z');
    const { users } = await new LocalCrm({ db, now: () => new Date('2026-11-01T00:00:00.000Z') }).getDirectory(DEMO_PORTAL_ID);
    expect(users.find((user) => user.email === 'felix.old@acme.example')).toMatchObject({ active: false });
    expect(users.filter((user) => user.active === false).map((user) => user.email)).toEqual(['felix.old@acme.example']);
    const byEmail = (a: { email: string }, b: { email: string }) => a.email.localeCompare(b.email);
    expect([...users].sort(byEmail)).toEqual([...demoDirectory().directory.users].sort(byEmail));
  });

  it('never offers a deactivated user as an approver', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { app, clock } = buildTestApp(db);
    const dealId = await seedDeal(portal, { amount: '600000' }); // the executive route, with its Finance quorum
    const card = await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
    const finance = (card.body.preview.steps as { id: string; approvers: { email: string }[]; notes: string[] }[]).find((step) => step.id === 'finance');
    expect(finance?.approvers.map((approver) => approver.email)).not.toContain('felix.old@acme.example');
    expect(finance?.approvers.length).toBeGreaterThan(0);
  });
});
