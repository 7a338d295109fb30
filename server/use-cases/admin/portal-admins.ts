// Who administers the app in a portal: the user who installed it, the admins its settings name, and the portal's
// HubSpot super admins, read through the Crm port and kept for a few minutes in the database (stamped with the
// service's clock, shared by every process). A failed read is kept for a minute, answered with the last good list
// while that is under an hour old, else with nobody: a HubSpot outage never makes anyone an admin.
import { normaliseEmail } from '../../../src/directory/email.js';
import { isAdmin, type Portal } from '../../store/portals.js';
import { readSuperAdmins, saveSuperAdmins, type SuperAdminsRead } from '../../store/super-admins.js';
import type { ServiceDeps } from '../deps.js';

export const SUPER_ADMINS_TTL_MS = 5 * 60_000;
const FAILED_READ_TTL_MS = 60_000;
const LAST_GOOD_READ_MS = 60 * 60_000;

/** The kept list when the caller read it already (null: none is kept), to save reading it again. */
interface KeptSuperAdmins { kept?: SuperAdminsRead | null }

/** Whether this email may administer the app in the portal; HubSpot is asked only about someone the portal does not list. */
export async function isPortalAdmin(deps: ServiceDeps, portal: Portal, email: string, options: KeptSuperAdmins = {}): Promise<boolean> {
  if (isAdmin(portal, email)) return true;
  const { emails } = await superAdminsOf(deps, portal, options);
  return emails.includes(normaliseEmail(email));
}

/** The portal's super admins, as kept, or read again from HubSpot when the copy is too old. */
export async function superAdminsOf(deps: ServiceDeps, portal: Portal, options: KeptSuperAdmins = {}): Promise<SuperAdminsRead> {
  const now = deps.now();
  const kept = options.kept !== undefined ? options.kept : await readSuperAdmins(deps.db, portal.id);
  const age = kept ? now.getTime() - Date.parse(kept.readAt) : Number.POSITIVE_INFINITY;
  if (kept && age >= 0 && age < (kept.error === null ? SUPER_ADMINS_TTL_MS : FAILED_READ_TTL_MS)) return kept;
  try {
    const read = { emails: await deps.crmFor(portal).getSuperAdmins(portal.id), readAt: now.toISOString(), error: null };
    await saveSuperAdmins(deps.db, portal.id, read);
    return read;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    deps.logger.warn({ portalId: portal.id, reason }, 'could not read the portal\'s HubSpot super admins');
    if (kept && kept.error === null && age >= 0 && age < LAST_GOOD_READ_MS) return kept;
    const failed = { emails: [], readAt: now.toISOString(), error: reason };
    await saveSuperAdmins(deps.db, portal.id, failed);
    return failed;
  }
}

/** Everyone who administers the app in the portal, by where they come from. */
export async function listPortalAdmins(deps: ServiceDeps, portal: Portal) {
  const read = await superAdminsOf(deps, portal);
  return {
    installedBy: portal.installedByEmail === null ? null : normaliseEmail(portal.installedByEmail),
    listed: (portal.settings.admins ?? []).map(normaliseEmail),
    superAdmins: read.emails,
    superAdminsReadAt: read.readAt,
    superAdminsError: read.error,
  };
}
