// A portal's configuration as the card reads it: the portal, its active policy, the staged candidate, the last
// rollback and the delegations not yet ended, with the configuration version it was read at. Triggers move
// `portals.config_version` on every write to those rows (migrations/20261203102000), so a copy whose version is
// still the portal's is still the configuration; server/cache/portal-configs.ts keeps such copies.
import type { Knex } from 'knex';
import { liveDelegations, type StoredDelegation } from './delegations.js';
import { portalWithActivePolicy, toVersion, type PolicyVersion } from './policies.js';
import { toPortal, type Portal } from './portals.js';
import { rolloutState, type RolloutVersion } from './rollout-versions.js';

export interface PortalConfig {
  /** The portal's config_version when this copy was read. */
  version: string;
  portal: Portal;
  /** The active version, or null when none is active. */
  policy: PolicyVersion | null;
  /** The staged candidate (never the active version itself), run in shadow beside the active one. */
  candidate: PolicyVersion | null;
  /** The version posture rolled back most recently, if any. */
  lastRolledBack: Pick<RolloutVersion, 'id' | 'version' | 'rolledBackAt' | 'rolledBackReason'> | null;
  /** Delegations neither revoked nor ended at `readAt`; `liveAt` narrows them to a later instant. */
  delegations: StoredDelegation[];
  /** The instant (ISO) the delegations were read for. */
  readAt: string;
}

/** The portal's configuration version, or null when there is no such portal. One read by primary key. */
export async function configVersion(db: Knex, portalId: string): Promise<string | null> {
  const row = await db('portals').where({ id: portalId }).first<{ config_version: string } | undefined>('config_version');
  return row ? String(row.config_version) : null;
}

/**
 * Reads the configuration. The version comes with the portal row, before the rest: a change committed between the
 * reads makes the copy newer than its version says, which costs one more read later and is never stale.
 */
export async function readPortalConfig(db: Knex, portalId: string, now: string): Promise<PortalConfig | null> {
  const found = await portalWithActivePolicy(db, portalId);
  if (!found) return null;
  const [rollout, delegations] = await Promise.all([rolloutState(db, portalId), liveDelegations(db, portalId, now)]);
  const policy = found.policy ? toVersion(found.policy) : null;
  const last = rollout.lastRolledBack;
  return {
    version: String(found.portal.config_version),
    portal: toPortal(found.portal),
    policy,
    candidate: rollout.candidate && rollout.candidate.id !== policy?.id ? rollout.candidate : null,
    lastRolledBack: last ? { id: last.id, version: last.version, rolledBackAt: last.rolledBackAt, rolledBackReason: last.rolledBackReason } : null,
    delegations,
    readAt: now,
  };
}

/** The delegations of a configuration still live at `now` (an instant not before `readAt`). */
export function liveAt(config: PortalConfig, now: string): StoredDelegation[] {
  return config.delegations.every((d) => d.endsAt > now) ? config.delegations : config.delegations.filter((d) => d.endsAt > now);
}
