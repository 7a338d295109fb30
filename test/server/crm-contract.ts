// The behaviour every Crm must show, whatever stands behind it: LocalCrm over Postgres, HubSpotCrm over HubSpot.
// Each implementation's test file calls `describeCrmContract` with a setup that loads CONTRACT_WORLD into it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Crm } from '../../server/crm/crm.js';
import { readProperty } from '../../src/deal.js';

export interface WorldOwner {
  ownerId: string;
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  teams: { name: string; primary: boolean }[];
}

export interface CrmWorld {
  portalId: string;
  deals: { id: string; properties: Record<string, string> }[];
  owners: WorldOwner[];
}

export interface CrmHarness {
  crm: Crm;
  /** The bodies of the notes the CRM now holds on this deal, oldest first. */
  notesOn: (dealId: string) => string[] | Promise<string[]>;
  teardown?: () => void | Promise<void>;
}

export const CONTRACT_WORLD: CrmWorld = {
  portalId: '424242',
  deals: [
    { id: '9001', properties: { dealname: 'Globex renewal', amount: '120000.50', discount_percent: '22', hubspot_owner_id: '71', pipeline: 'default', dealstage: 'qualifiedtobuy' } },
    { id: '9002', properties: { dealname: 'Initech pilot', amount: '9000', hubspot_owner_id: '72', pipeline: 'default', dealstage: 'appointmentscheduled' } },
  ],
  owners: [
    { ownerId: '72', userId: '5002', email: 'ben.ng@acme.example', firstName: 'Ben', lastName: 'Ng', teams: [{ name: 'NA', primary: true }] },
    // Mixed-case email and a secondary team listed first: the directory lower-cases and keeps the primary flag.
    { ownerId: '71', userId: '5001', email: 'Anna.Berg@Acme.example', firstName: 'Anna', lastName: 'Berg', teams: [{ name: 'Deal desk', primary: false }, { name: 'EMEA', primary: true }] },
    { ownerId: '73', userId: '5003', email: 'cfo@acme.example', firstName: 'Chris', lastName: 'Fo', teams: [] },
  ],
};

export function describeCrmContract(label: string, setup: (world: CrmWorld) => Promise<CrmHarness>): void {
  describe(`${label} honours the Crm contract`, () => {
    let harness: CrmHarness;
    const portal = CONTRACT_WORLD.portalId;

    beforeEach(async () => { harness = await setup(CONTRACT_WORLD); });
    afterEach(async () => { await harness.teardown?.(); });

    it('reads a deal with exactly the properties asked for, as HubSpot\'s strings', async () => {
      const deal = await harness.crm.getDeal(portal, '9001', ['dealname', 'amount', 'discount_percent', 'dealstage']);
      expect(deal).toEqual({ id: '9001', properties: { dealname: 'Globex renewal', amount: '120000.50', discount_percent: '22', dealstage: 'qualifiedtobuy' } });
    });

    it('reads a property the deal does not have as no value, never as a guess', async () => {
      const deal = await harness.crm.getDeal(portal, '9002', ['amount', 'discount_percent']);
      expect(deal).not.toBeNull();
      expect(readProperty(deal!, 'amount')).toBe('9000');
      expect(readProperty(deal!, 'discount_percent')).toBeNull();
    });

    it('reads a property named like an object member (constructor, toString) as no value when the deal lacks it', async () => {
      const deal = await harness.crm.getDeal(portal, '9002', ['amount', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']);
      expect(deal).toEqual({ id: '9002', properties: { amount: '9000' } });
    });

    it('answers null for a deal the portal does not have', async () => {
      expect(await harness.crm.getDeal(portal, '404404', ['dealname'])).toBeNull();
    });

    it('lists the directory: lower-cased emails sorted, owner and user ids, names, teams and the primary team', async () => {
      const directory = await harness.crm.getDirectory(portal);
      expect(directory.users).toEqual([
        { email: 'anna.berg@acme.example', ownerId: '71', userId: '5001', name: 'Anna Berg', teams: ['Deal desk', 'EMEA'], primaryTeam: 'EMEA' },
        { email: 'ben.ng@acme.example', ownerId: '72', userId: '5002', name: 'Ben Ng', teams: ['NA'], primaryTeam: 'NA' },
        { email: 'cfo@acme.example', ownerId: '73', userId: '5003', name: 'Chris Fo', teams: [] },
      ]);
    });

    it('puts a note on the deal\'s timeline', async () => {
      await harness.crm.addNote(portal, '9001', 'Moved back to "Qualified": contract sent without approval.');
      expect(await harness.notesOn('9001')).toContain('Moved back to "Qualified": contract sent without approval.');
    });
  });
}
