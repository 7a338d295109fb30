// The deal's request history as the card shows it: every request, its steps, decisions and comments, newest first.
import { z } from 'zod';
import { RequestView } from './card-api.js';

/** How many requests one answer holds at most (the newest); a deal with more says so with `more`. */
export const HISTORY_LIMIT = 50;

export const RequestHistory = z.object({
  dealId: z.string(),
  requests: z.array(RequestView),
  /** True when the deal has older requests than the ones listed. */
  more: z.boolean(),
});
export type RequestHistory = z.infer<typeof RequestHistory>;
