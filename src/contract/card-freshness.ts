// The card view's freshness hint: the deal's hs_lastmodifieddate as the card's CRM properties show it, in
// milliseconds since the epoch (13 digits, as the card sends it: extensions/app/cards/api.ts dealModifiedAtHint).
// A hint only, never data: it decides whether the service's copy of the deal may serve the view.
import { z } from 'zod';

export const CardViewQuery = z.looseObject({
  dealModifiedAt: z.string().regex(/^\d{13}$/, 'expected milliseconds since the epoch, 13 digits').optional(),
});
