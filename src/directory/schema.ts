// The directory snapshot the resolver works over: who exists, their teams, managers and delegations.
// The service takes it from HubSpot's owners and teams; the core only reads it.
import { z } from 'zod';

export const DirectoryUserSchema = z.object({
  email: z.email(),
  /** HubSpot owner id: matches a deal's hubspot_owner_id. */
  ownerId: z.string().optional(),
  userId: z.string().optional(),
  name: z.string().optional(),
  teams: z.array(z.string()),
  /** The team roles resolve by; the first of `teams` when absent. */
  primaryTeam: z.string().optional(),
  managerEmail: z.email().optional(),
  /** Deactivated users never approve; absent means active. */
  active: z.boolean().optional(),
});

/** While active, `from`'s approvals go to `to` (one hop: `to`'s own delegation is not followed). */
export const DelegationSchema = z.object({
  from: z.email(),
  to: z.email(),
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

/** Approvers are identified by lower-cased email everywhere. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
