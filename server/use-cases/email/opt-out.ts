// "No more approval emails": the link at the foot of every approval email (and its List-Unsubscribe header). Opening
// it changes nothing; confirming it (the page's button, or a mail client's RFC 8058 one-click POST) adds the person
// to the portal's email opt-outs. The signed token is the whole credential: it can do nothing but this.
import { findPortal } from '../../store/portals.js';
import { addEmailOptOut } from '../../store/email-opt-outs.js';
import type { ServiceDeps } from '../deps.js';
import { emailOptedOut } from '../notify/channel-settings.js';
import { readOptOut } from './link-token.js';
import { requireEmail } from './open-link.js';

export type OptOutFinding =
  | { ok: true; portalName: string; email: string; alreadyOptedOut: boolean }
  | { ok: false; reason: 'invalid' | 'unavailable' };

export async function openOptOut(deps: ServiceDeps, token: string): Promise<OptOutFinding> {
  const claims = readOptOut(requireEmail(deps).linkKeys, token);
  if (!claims) return { ok: false, reason: 'invalid' };
  const portal = await findPortal(deps.db, claims.portalId);
  if (!portal || portal.installState === 'uninstalled') return { ok: false, reason: 'unavailable' };
  return { ok: true, portalName: portal.name, email: claims.email, alreadyOptedOut: emailOptedOut(portal, claims.email) };
}

export async function optOutOfEmail(deps: ServiceDeps, token: string): Promise<OptOutFinding> {
  const found = await openOptOut(deps, token);
  if (!found.ok || found.alreadyOptedOut) return found;
  const claims = readOptOut(requireEmail(deps).linkKeys, token);
  if (claims) await addEmailOptOut(deps.db, claims.portalId, claims.email);
  deps.logger.info({ portalId: claims?.portalId }, 'a person opted out of approval emails');
  return found;
}
