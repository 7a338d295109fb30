// The `Crm` port: where deal facts and the directory come from. Deal facts never come from a request body.
// LocalCrm serves the demo portal from Postgres; the HubSpot adapter serves installed portals.
import type { Deal } from '../../src/deal.js';
import type { Directory } from '../../src/directory/schema.js';

export interface Crm {
  /** The deal with the named properties (and the owner, pipeline and stage), or null when the portal has no such deal. */
  getDeal(portalId: string, dealId: string, properties: readonly string[]): Promise<Deal | null>;
  /** Users with their teams and managers: what approver resolution works over. */
  getDirectory(portalId: string): Promise<Directory>;
  /** A note on the deal's timeline. */
  addNote(portalId: string, dealId: string, body: string): Promise<void>;
}

/** The properties every evaluation reads, besides those the policy names. */
export const BASE_DEAL_PROPERTIES = ['dealname', 'amount', 'hubspot_owner_id', 'pipeline', 'dealstage'] as const;
