// A portal's configuration as the card view reads it: the portal, its active policy, the rollout state and the
// delegations not yet ended. It changes rarely and is read on every view, so each service process keeps the copy it
// last loaded, with the configuration version it was loaded at (the number of rows in config_changes, which
// triggers append to on every write; migrations/20261127001000). The caller learns the current version in a
// statement it sends anyway (see requests.ts `latestRequestForView`) and reloads when the numbers differ, so a
// change made anywhere is seen by the next view, and an unchanged portal costs no round trip of its own.
import type { Knex } from 'knex';
import { liveDelegations, type StoredDelegation } from './delegations.js';
import { portalWithActivePolicy, toVersion, type PolicyVersion } from './policies.js';
import { toPortal, type Portal } from './portals.js';
import { rolloutState, type RolloutState } from './rollout-versions.js';

export interface PortalConfig {
  /** The configuration version this copy was loaded at. */
  version: number;
  portal: Portal;
  policy: PolicyVersion | null;
  rollout: RolloutState;
  /** Delegations neither revoked nor ended at `loadedAt`; `liveAt` narrows them to a later instant. */
  delegations: StoredDelegation[];
  /** The instant (ISO) the delegations were read for. */
  loadedAt: string;
}

/** The SQL expression for a portal's configuration version, to put beside data a statement reads anyway. */
export const CONFIG_VERSION_SQL = '(SELECT count(*) FROM config_changes WHERE portal_id = ?)';

export async function configVersion(db: Knex, portalId: string): Promise<number> {
  const { rows } = await db.raw<{ rows: { version: string }[] }>(`SELECT ${CONFIG_VERSION_SQL} AS version`, [portalId]);
  return Number(rows[0]?.version ?? 0);
}

/**
 * Reads the configuration fresh. The version is read first: a change committed between the two reads makes the
 * copy newer than its version says, which costs one extra reload later and is never stale.
 */
export async function loadPortalConfig(db: Knex, portalId: string, now: string): Promise<PortalConfig | null> {
  const version = await configVersion(db, portalId);
  const [found, rollout, delegations] = await Promise.all([portalWithActivePolicy(db, portalId), rolloutState(db, portalId), liveDelegations(db, portalId, now)]);
  if (!found) return null;
  return { version, portal: toPortal(found.portal), policy: found.policy ? toVersion(found.policy) : null, rollout, delegations, loadedAt: now };
}

/** Whether this copy can answer for `now`: windows only end as time passes, so not for an instant before it was read. */
export function answersFor(config: PortalConfig, now: string): boolean {
  return now >= config.loadedAt;
}

/** The delegations of a loaded configuration still live at `now` (not before `loadedAt`; see answersFor). */
export function liveAt(config: PortalConfig, now: string): StoredDelegation[] {
  return config.delegations.every((d) => d.endsAt > now) ? config.delegations : config.delegations.filter((d) => d.endsAt > now);
}

/** One process's copies, by portal. Bounded: past the limit the oldest copy is dropped (and reloaded when asked). */
export class PortalConfigCache {
  readonly #copies = new Map<string, PortalConfig>();

  constructor(private readonly limit = 10_000) {}

  get(portalId: string): PortalConfig | undefined {
    return this.#copies.get(portalId);
  }

  /** Loads fresh, keeps the copy, and returns it (null when the portal does not exist). */
  async load(db: Knex, portalId: string, now: string): Promise<PortalConfig | null> {
    const config = await loadPortalConfig(db, portalId, now);
    this.#copies.delete(portalId);
    if (!config) return null;
    if (this.#copies.size >= this.limit) this.#copies.delete(this.#copies.keys().next().value as string);
    this.#copies.set(portalId, config);
    return config;
  }
}
