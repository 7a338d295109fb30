import { Client } from '@hubspot/api-client';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClientFactory } from '../../../server/hubspot/hubspot-client.js';
import { HubSpotCrm } from '../../../server/hubspot/hubspot-crm.js';
import { HubSpotApiError } from '../../../server/hubspot/hubspot-errors.js';
import { TokenCipher } from '../../../server/hubspot/token-crypto.js';
import { PortalUninstalledError, TokenStore } from '../../../server/hubspot/token-store.js';
import { upsertPortal } from '../../../server/store/portals.js';
import { useTestDatabase } from '../../support/db.js';
import { CLIENT_ID, CLIENT_SECRET, closeNetwork, dealAnswer, HUBSPOT_API, KEYS, ownerAnswer } from '../../support/hubspot.js';
import { describeCrmContract, type CrmWorld } from '../crm-contract.js';

const database = useTestDatabase();
const TOKEN = 'CJSP-portal-access-token';
const bearer = { reqheaders: { authorization: `Bearer ${TOKEN}` } };
const clientFor = () => Promise.resolve(new Client({ accessToken: TOKEN }));
/** The instant a note written without one of its own is placed at. */
const NOTE_CLOCK = () => new Date('2026-11-27T09:00:00.000Z');

beforeAll(closeNetwork);
afterEach(() => { nock.cleanAll(); });
afterAll(() => { nock.enableNetConnect(); });

// nock 15 calls a reply function with the fetch Request (and a two-parameter function as callback style).

/** HubSpot's side of the contract world, answered by nock: deals, owners over two pages, notes on deals. */
function serveWorld(world: CrmWorld) {
  const notes = new Map<string, string[]>();
  const defined = new Set(world.deals.flatMap((deal) => Object.keys(deal.properties)));
  nock(HUBSPOT_API, bearer).persist()
    .get(/^\/crm\/v3\/objects\/deals\/[^/?]+/).query(true)
    .reply((req: Request) => {
      const url = new URL(req.url);
      const deal = world.deals.find((d) => url.pathname.endsWith(`/${d.id}`));
      if (!deal) return [404, { status: 'error', message: 'Object not found', category: 'OBJECT_NOT_FOUND' }];
      // HubSpot answers every requested property the portal defines, null when the deal has no value, and leaves
      // out a name it does not know.
      const asked = Object.fromEntries(url.searchParams.getAll('properties').filter((name) => defined.has(name))
        .map((name) => [name, Object.hasOwn(deal.properties, name) ? deal.properties[name] ?? null : null]));
      return [200, dealAnswer(deal.id, asked)];
    })
    .get('/crm/v3/owners/').query(true)
    .reply((req: Request) => {
      const after = new URL(req.url).searchParams.get('after');
      const owners = world.owners.map((o) => ownerAnswer({ id: o.ownerId, userId: Number(o.userId), email: o.email, firstName: o.firstName, lastName: o.lastName, teams: o.teams }));
      return after === null
        ? [200, { results: owners.slice(0, 2), paging: { next: { after: '2', link: '?after=2' } } }]
        : [200, { results: owners.slice(Number(after)) }];
    })
    .post('/crm/v3/objects/notes')
    .reply(async (req: Request) => {
      const { properties, associations } = await req.json() as { properties: Record<string, string>; associations: { to: { id: string }; types: { associationCategory: string; associationTypeId: number }[] }[] };
      const association = associations[0];
      if (association?.types[0]?.associationTypeId !== 214 || association.types[0].associationCategory !== 'HUBSPOT_DEFINED' || !properties.hs_timestamp) {
        return [400, { status: 'error', message: 'bad association', category: 'VALIDATION_ERROR' }];
      }
      notes.set(association.to.id, [...(notes.get(association.to.id) ?? []), properties.hs_note_body!]);
      return [201, { id: '555', properties, createdAt: '2026-11-27T09:00:00Z', updatedAt: '2026-11-27T09:00:00Z', archived: false }];
    });
  return notes;
}

describeCrmContract('HubSpotCrm (api-client on nock)', (world) => {
  const notes = serveWorld(world);
  return Promise.resolve({ crm: new HubSpotCrm({ clientFor, now: NOTE_CLOCK }), notesOn: (dealId) => notes.get(dealId) ?? [], teardown: () => { nock.cleanAll(); } });
});

describe('HubSpotCrm beyond the contract', () => {
  it('surfaces a failed deal read as a typed error with HubSpot\'s status, never as a missing deal', async () => {
    nock(HUBSPOT_API).get('/crm/v3/objects/deals/1').query(true).reply(429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', category: 'RATE_LIMITS', policyName: 'TEN_SECONDLY_ROLLING' }, { 'Retry-After': '2' });
    const error = await new HubSpotCrm({ clientFor, now: NOTE_CLOCK }).getDeal('1', '1', ['amount']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubSpotApiError);
    expect(error).toMatchObject({ hubspotStatus: 429, hubspotCategory: 'RATE_LIMITS', retryable: true, retryAfterSeconds: 2 });
  });

  it('writes deal properties 100 deals a call and reports per-deal failures', async () => {
    const updates = Array.from({ length: 250 }, (_, i) => ({ id: String(10_000 + i), properties: { approval_router_status: 'pending' } }));
    const sizes: number[] = [];
    nock(HUBSPOT_API, bearer).post('/crm/v3/objects/deals/batch/update').times(3).reply(async (req: Request) => {
      const { inputs } = await req.json() as { inputs: { id: string }[] };
      sizes.push(inputs.length);
      const gone = inputs.find((input) => input.id === '10200');
      const results = inputs.filter((input) => input !== gone).map((input) => dealAnswer(input.id, {}));
      return gone
        ? [207, { status: 'COMPLETE', results, numErrors: 1, errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'deal 10200 not found', context: { ids: ['10200'] }, links: {}, errors: [] }], startedAt: '2026-11-27T09:00:00Z', completedAt: '2026-11-27T09:00:01Z' }]
        : [200, { status: 'COMPLETE', results, startedAt: '2026-11-27T09:00:00Z', completedAt: '2026-11-27T09:00:01Z' }];
    });

    const result = await new HubSpotCrm({ clientFor, now: NOTE_CLOCK }).updateDeals('1', updates);

    expect(sizes).toEqual([100, 100, 50]);
    expect(result.calls).toBe(3);
    expect(result.updated).toHaveLength(249);
    expect(result.failed).toEqual([{ ids: ['10200'], category: 'OBJECT_NOT_FOUND', message: 'deal 10200 not found' }]);
  });

  it('creates a task on the deal for its owner', async () => {
    const task = nock(HUBSPOT_API, bearer).post('/crm/v3/objects/tasks', {
      properties: { hs_task_subject: 'Re-approve Globex', hs_task_body: 'Stage rolled back', hs_timestamp: '2026-11-28T09:00:00.000Z', hs_task_status: 'NOT_STARTED', hubspot_owner_id: '71' },
      associations: [{ to: { id: '9001' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 216 }] }],
    }).once().reply(201, { id: '777', properties: {}, createdAt: '2026-11-27T09:00:00Z', updatedAt: '2026-11-27T09:00:00Z', archived: false });
    const id = await new HubSpotCrm({ clientFor, now: NOTE_CLOCK }).addTask('1', '9001', { subject: 'Re-approve Globex', body: 'Stage rolled back', dueAt: new Date('2026-11-28T09:00:00.000Z'), ownerId: '71' });
    expect(id).toBe('777');
    expect(task.isDone()).toBe(true);
  });

  it('calls HubSpot with the portal\'s own token from the token store, and stops for an uninstalled portal', async () => {
    const { db } = database();
    const now = () => new Date();
    const tokens = new TokenStore({ db, cipher: TokenCipher.fromSpec(KEYS.current), app: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: 'https://x.example/oauth/callback', scopes: [] }, now });
    await upsertPortal(db, { id: '3131', name: 'Acme', installState: 'installed', featureFlag: 'on', installedByEmail: null }, now().toISOString());
    await tokens.save(db, '3131', { accessToken: 'token-of-3131', refreshToken: 'r', expiresInSeconds: 1800 }, { scopes: [], hubDomain: null });
    const crm = new HubSpotCrm({ clientFor: createClientFactory(tokens), now });
    nock(HUBSPOT_API, { reqheaders: { authorization: 'Bearer token-of-3131' } })
      .get('/crm/v3/objects/deals/5').query({ properties: ['amount', 'dealstage'] }).once()
      .reply(200, dealAnswer('5', { amount: '10', dealstage: 'closedwon' }));

    expect(await crm.getDeal('3131', '5', ['amount', 'dealstage'])).toEqual({ id: '5', properties: { amount: '10', dealstage: 'closedwon' } });

    await db('portals').where({ id: '3131' }).update({ install_state: 'uninstalled' });
    await expect(crm.getDeal('3131', '5', ['amount'])).rejects.toBeInstanceOf(PortalUninstalledError);
  });
});
