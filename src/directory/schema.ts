// The directory snapshot the resolver works over: who exists, their teams, managers and delegations.
// The service takes it from HubSpot's owners and teams; the core only reads it.
import { z } from 'zod';
import { EmailAddress } from './email.js';

export const DirectoryUserSchema = z.object({
  email: EmailAddress,
  /** HubSpot owner id: matches a deal's hubspot_owner_id. */
  ownerId: z.string().optional(),
  userId: z.string().optional(),
  name: z.string().optional(),
  teams: z.array(z.string()),
  /** The team roles resolve by; the first of `teams` when absent. */
  primaryTeam: z.string().optional(),
  managerEmail: EmailAddress.optional(),
  /** Deactivated users never approve; absent means active. */
  active: z.boolean().optional(),
});

/** While active, `from`'s approvals go to `to` (one hop: `to`'s own delegation is not followed). */
export const DelegationSchema = z.object({
  from: EmailAddress,
  to: EmailAddress,
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
});

export const DirectorySchema = z.object({
  users: z.array(DirectoryUserSchema),
  delegations: z.array(DelegationSchema).optional(),
});

export type DirectoryUser = z.infer<typeof DirectoryUserSchema>;
export type Delegation = z.infer<typeof DelegationSchema>;
export type Directory = z.infer<typeof DirectorySchema>;
