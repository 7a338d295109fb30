// The HubSpot account's own settings, read once at install: its time zone, at whose midnight HubSpot's daily API
// limit (and our daily budget) turns. The api-client has no method for the 2026-03 account-info API: its generic
// request carries the portal's token like any other call, through the portal's budget.
import { z } from 'zod';
import { readJsonAnswer } from './hubspot-errors.js';
import type { PortalCalls } from './portal-calls.js';

export const ACCOUNT_DETAILS_PATH = '/account-info/2026-03/details';

const AccountDetails = z.object({
  portalId: z.number().int().positive(),
  timeZone: z.string().trim().max(100).optional(),
});

/** The account's time zone as HubSpot names it (e.g. "US/Eastern", "Europe/Berlin"), or null when it names none. */
export async function readAccountTimeZone(calls: PortalCalls, portalId: string): Promise<string | null> {
  const body = await calls.run(portalId, 'account details read', async (client) =>
    readJsonAnswer('account details read', await client.apiRequest({ method: 'GET', path: ACCOUNT_DETAILS_PATH })));
  const details = AccountDetails.safeParse(body);
  if (!details.success || String(details.data.portalId) !== portalId) return null;
  return details.data.timeZone || null;
}
