// A HubSpot deal as the CRM API returns it: every property is a string (or null when unset).
import { z } from 'zod';

export const DealSchema = z.object({
  id: z.string().min(1),
  properties: z.record(z.string(), z.string().nullable()),
});

export type Deal = {
  id: string;
  properties: Record<string, string | null | undefined>;
};

export const OWNER_PROPERTY = 'hubspot_owner_id';
export const PIPELINE_PROPERTY = 'pipeline';
export const STAGE_PROPERTY = 'dealstage';

/** HubSpot clears a property to "" or null; both mean "no value" here. */
export function readProperty(deal: Deal, name: string): string | null {
  const value = deal.properties[name];
  return value === undefined || value === null || value === '' ? null : value;
}
