// Lookup tables over a directory snapshot, built once per snapshot object and cached, so routing many
// deals against one directory does not rebuild them. Inputs are treated as immutable.
import { parseInstant } from '../time.js';
import { normaliseEmail } from './email.js';
import type { Directory, DirectoryUser } from './schema.js';

export interface DirectoryIndex {
  byEmail: ReadonlyMap<string, DirectoryUser>;
  byOwnerId: ReadonlyMap<string, DirectoryUser>;
  /** Active members of each team, sorted by email so the order never depends on the snapshot's. */
  teamMembers: ReadonlyMap<string, readonly string[]>;
  delegations: readonly { from: string; to: string; startsAt: number; endsAt: number }[];
}

const cache = new WeakMap<Directory, DirectoryIndex>();

export function indexDirectory(directory: Directory): DirectoryIndex {
  const cached = cache.get(directory);
  if (cached) return cached;
  const byEmail = new Map<string, DirectoryUser>();
  const byOwnerId = new Map<string, DirectoryUser>();
  const teams = new Map<string, string[]>();
  for (const user of directory.users) {
    const email = normaliseEmail(user.email);
    // The first entry for an email or owner id wins, as in the snapshot's own order.
    if (!byEmail.has(email)) byEmail.set(email, user);
    if (user.ownerId !== undefined && !byOwnerId.has(user.ownerId)) byOwnerId.set(user.ownerId, user);
    if (user.active === false) continue;
    for (const team of user.teams) {
      const members = teams.get(team) ?? [];
      if (!members.includes(email)) members.push(email);
      teams.set(team, members);
    }
  }
  for (const members of teams.values()) members.sort();
  const delegations = (directory.delegations ?? []).flatMap((d) => {
    const startsAt = parseInstant(d.startsAt);
    const endsAt = parseInstant(d.endsAt);
    return startsAt === null || endsAt === null ? [] : [{ from: normaliseEmail(d.from), to: normaliseEmail(d.to), startsAt, endsAt }];
  });
  const index: DirectoryIndex = { byEmail, byOwnerId, teamMembers: teams, delegations };
  cache.set(directory, index);
  return index;
}

export function primaryTeamOf(user: DirectoryUser): string | null {
  return user.primaryTeam ?? user.teams[0] ?? null;
}

/** Who acts for `email` at `at` (epoch millis): the delegate when a delegation is active, else null. */
export function delegateOf(index: DirectoryIndex, email: string, at: number | null): string | null {
  if (at === null) return null;
  for (const d of index.delegations) {
    if (d.from === email && d.startsAt <= at && at < d.endsAt) return d.to;
  }
  return null;
}
