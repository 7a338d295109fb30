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

/**
 * HubSpot clears a property to "" or null; both mean "no value" here. Only the deal's own properties count:
 * a property named like an object member (constructor, toString) is no value unless the deal has it.
 */
export function readProperty(deal: Deal, name: string): string | null {
  const value = Object.hasOwn(deal.properties, name) ? deal.properties[name] : undefined;
  return value === undefined || value === null || value === '' ? null : value;
}
