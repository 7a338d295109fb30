// HubSpot owners (users with their teams) as the core's directory. Pure: the mapping is tested without HubSpot.
import { normaliseEmail } from '../../src/directory/email.js';
import type { Directory, DirectoryUser } from '../../src/directory/schema.js';

export interface OwnerLike {
  id: string;
  email?: string;
  userId?: number;
  firstName?: string;
  lastName?: string;
  archived?: boolean;
  teams?: { name: string; primary: boolean }[];
}

/**
 * Owners without an email (queues, integration users) cannot approve and are left out; an email that appears on
 * two owners keeps the first. Sorted by email, as LocalCrm answers, so the same portal gives the same directory.
 */
export function mapOwnersToDirectory(owners: readonly OwnerLike[]): Directory {
  const byEmail = new Map<string, DirectoryUser>();
  for (const owner of owners) {
    if (!owner.email || owner.archived) continue;
    const email = normaliseEmail(owner.email);
    if (byEmail.has(email)) continue;
    const teams = (owner.teams ?? []).map((team) => team.name);
    const primary = owner.teams?.find((team) => team.primary)?.name ?? teams[0];
    const name = [owner.firstName, owner.lastName].map((part) => part?.trim()).filter(Boolean).join(' ');
    byEmail.set(email, {
      email,
      teams,
      ownerId: owner.id,
      ...(owner.userId !== undefined ? { userId: String(owner.userId) } : {}),
      ...(name ? { name } : {}),
      ...(primary ? { primaryTeam: primary } : {}),
    });
  }
  return { users: [...byEmail.values()].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0)) };
}
