// What an email's link finds when it is opened: the request waiting on the approver it names, ready to confirm, or
// the reason it can decide nothing. Opening a link never decides: mail scanners and previews open links too.
//
// A link is a bearer credential, bound to one ballot (approver, request, step) and the request's row version when the
// step started. It decides only while that very step is the request's active step and still waits on that approver:
// once the approver has decided (through the link, the card or another channel), or the step or the request moved
// on, every copy of the link refuses. Without a login, a copy forwarded to someone else before the approver decides
// cannot be told from the approver's own: it decides as the approver it names and no one else, and the page says so.
import { normaliseEmail } from '../../../src/directory/email.js';
import type { Decision } from '../../../src/lifecycle/types.js';
import { waitingOn } from '../../../src/lifecycle/waiting.js';
import { findEmailLinkUse, type EmailLinkUse } from '../../store/email-link-uses.js';
import { findPortal } from '../../store/portals.js';
import { findRequest, type StoredRequest } from '../../store/requests.js';
import type { ServiceDeps } from '../deps.js';
import type { EmailDeps } from './email-deps.js';
import { formToken, readLink, type LinkClaims } from './link-token.js';
import { briefRequest, lookUpPerson, type Person, type RequestBrief } from './request-brief.js';
import { policyDocument } from '../policy-document.js';

export type LinkRefusal =
  /** The token is not one this server signed, or was changed: tampered, cut short, or signed with a retired key. */
  | { kind: 'invalid' }
  | { kind: 'expired'; expiredAt: string }
  /** This link (or its twin: Approve and Reject share one use) already decided. */
  | { kind: 'used'; use: EmailLinkUse; brief: RequestBrief | null }
  /** The approver already decided on this step some other way (the card, another channel). */
  | { kind: 'decided'; decision: Decision; brief: RequestBrief }
  /** The request moved on: closed, or its active step is another one, or the step no longer waits on this approver. */
  | { kind: 'stale'; reason: string; brief: RequestBrief | null }
  /** The portal uninstalled the app, turned it off, or the request is gone. */
  | { kind: 'unavailable'; reason: string }
  /** The form did not come from the page this server served for this link (cross-site, or a stale page). */
  | { kind: 'form' }
  /** The core refused the decision (separation of duties and the like), with its reason. */
  | { kind: 'refused'; reason: string; brief: RequestBrief | null };

export interface OpenLink {
  claims: LinkClaims;
  request: StoredRequest;
  brief: RequestBrief;
  approver: Person;
}

export type LinkFinding = { ok: true; link: OpenLink } | { ok: false; refusal: LinkRefusal };

/** The link's state as of now; with `browserNonce`, the token its confirmation form must carry. */
export async function openLink(deps: ServiceDeps, token: string): Promise<LinkFinding> {
  const email = requireEmail(deps);
  const read = readLink(email.linkKeys, token);
  if (!read.ok) return refuse({ kind: 'invalid' });
  const { claims } = read;

  const portal = await findPortal(deps.db, claims.portalId);
  if (!portal || portal.installState === 'uninstalled') return refuse({ kind: 'unavailable', reason: 'approval-router is no longer installed in this HubSpot portal.' });
  const request = await findRequest(deps.db, portal.id, claims.requestId);
  // A signed link to a request that is not there: only a retired database or a leaked key could make one.
  if (!request || request.rowVersion < claims.rowVersion) return refuse({ kind: 'invalid' });
  const policy = await policyDocument(deps, deps.db, portal.id, request.policyVersionId);
  if (!policy) throw new Error(`policy version ${request.policyVersionId} is missing`);
  const directory = await deps.crmFor(portal).getDirectory(portal.id);
  const brief = briefRequest(portal, request, policy, directory, claims.stepIndex);

  const use = await findEmailLinkUse(deps.db, claims.linkId);
  if (use) return refuse({ kind: 'used', use, brief });
  const now = deps.now();
  if (claims.expiresAt * 1000 <= now.getTime()) return refuse({ kind: 'expired', expiredAt: new Date(claims.expiresAt * 1000).toISOString() });
  if (portal.featureFlag === 'off') return refuse({ kind: 'unavailable', reason: 'approval-router is turned off for this HubSpot portal.' });

  const approver = normaliseEmail(claims.approver);
  const step = request.lifecycle.steps[claims.stepIndex];
  const decision = step?.decisions.find((candidate) => candidate.approver === approver);
  if (step && decision) return refuse({ kind: 'decided', decision, brief });
  const moved = movedOn(request, claims.stepIndex, approver);
  if (moved) return refuse({ kind: 'stale', reason: moved, brief });
  return { ok: true, link: { claims, request, brief, approver: lookUpPerson(directory, approver) } };
}

/** The token the confirmation form carries for this link and this browser. */
export function confirmationToken(deps: ServiceDeps, link: OpenLink, browserNonce: string): string {
  return formToken(requireEmail(deps).linkKeys, link.claims.linkId, browserNonce);
}

/** Why the link's step no longer waits on its approver, or null while it does. */
function movedOn(request: StoredRequest, stepIndex: number, approver: string): string | null {
  const { lifecycle } = request;
  if (lifecycle.state !== 'pending') return `The request is ${lifecycle.state.replace('_', '-')}: it no longer waits on anyone.`;
  const step = lifecycle.steps[stepIndex];
  if (!step) return 'The request has no such step.';
  if (lifecycle.currentStep !== stepIndex) return 'The request has moved on to another step.';
  if (!waitingOn(lifecycle, step).includes(approver)) return 'This step no longer waits on you.';
  return null;
}

function refuse(refusal: LinkRefusal): LinkFinding {
  return { ok: false, refusal };
}

export function requireEmail(deps: ServiceDeps): EmailDeps {
  if (!deps.email) throw new Error('the email channel is not configured');
  return deps.email;
}
