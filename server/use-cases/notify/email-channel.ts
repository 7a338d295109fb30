// The email channel: when a step starts, each approver it waits on gets an email with the deal, its score and why,
// the justification, and one-click Approve and Reject links. A ballot (approver, step, request) is emailed at most
// once: its send is claimed in email_sends before the SMTP call and marked after it, so a job that runs again after
// a crash skips what went out, and one that finds a claim its worker never finished does not guess: it marks the
// ballot uncertain and sends nothing (the approver still has the card and the HubSpot task).
import { createHash, randomBytes } from 'node:crypto';
import { stepStatus, waitingOn } from '../../../src/lifecycle/waiting.js';
import type { Directory } from '../../../src/directory/schema.js';
import type { Policy } from '../../../src/policy/schema.js';
import type { Mailer } from '../../mail/mailer.js';
import { claimEmailSend, markEmailSent, markEmailUncertain, releaseEmailSend, type EmailBallot } from '../../store/email-sends.js';
import { findPortal, type Portal } from '../../store/portals.js';
import { findRequest, type StoredRequest } from '../../store/requests.js';
import type { ServiceDeps } from '../deps.js';
import { composeApprovalEmail } from '../email/approval-email.js';
import type { EmailDeps } from '../email/email-deps.js';
import { signLink, signOptOut } from '../email/link-token.js';
import { briefRequest, lookUpPerson } from '../email/request-brief.js';
import { channelsOf, emailOptedOut } from './channel-settings.js';
import type { NotificationPayload } from './notification-jobs.js';
import { policyDocument } from '../policy-document.js';

/** Links live as long as the step's SLA, and never longer than this. */
export const MAX_LINK_LIFETIME_HOURS = 7 * 24;

/** Where one-click links point; the token follows. */
export const EMAIL_DECISION_PATH = '/email/decide/';

/** Where the "no more approval emails" link points; the token follows. */
export const EMAIL_OPT_OUT_PATH = '/email/opt-out/';

export async function sendApprovalEmails(deps: ServiceDeps, portalId: string, payload: NotificationPayload): Promise<void> {
  const started = payload.events.filter((event) => event.type === 'step_started' && event.stepId !== null);
  if (started.length === 0) return;
  const email = deps.email;
  if (!email?.mailer) {
    deps.logger.info({ requestId: payload.requestId }, 'no approval email sent: this server has no mailer (set SMTP_HOST)');
    return;
  }
  // The portal as it is now: a channel turned off, or the portal out of `on`, since the change was queued sends nothing.
  const portal = await findPortal(deps.db, portalId);
  if (!portal || portal.installState === 'uninstalled' || portal.featureFlag !== 'on' || !channelsOf(portal).email) return;
  const request = await findRequest(deps.db, portalId, payload.requestId);
  if (!request) return;
  const policy = await policyDocument(deps, deps.db, portalId, request.policyVersionId);
  if (!policy) throw new Error(`policy version ${request.policyVersionId} is missing`);
  const directory = await deps.crmFor(portal).getDirectory(portal.id);

  for (const event of started) {
    const stepIndex = request.lifecycle.steps.findIndex((step) => step.id === event.stepId);
    const step = request.lifecycle.steps[stepIndex];
    // A step that closed before its email went out would only get links that refuse: nobody is emailed for it.
    if (!step || request.lifecycle.currentStep !== stepIndex || stepStatus(request.lifecycle, step) !== 'active') continue;
    const expiresAt = linksExpireAt(step.dueAt, deps.now());
    if (expiresAt.getTime() <= deps.now().getTime()) continue;
    for (const approver of waitingOn(request.lifecycle, step)) {
      if (emailOptedOut(portal, approver)) continue;
      await sendBallot(deps, email, email.mailer, { portal, request, policy, directory }, {
        portalId, requestId: request.id, stepIndex, approverEmail: approver,
      }, payload.version, expiresAt);
    }
  }
}

/** The step's due time, or seven days from now if that comes first. */
export function linksExpireAt(dueAt: string | null, now: Date): Date {
  const cap = now.getTime() + MAX_LINK_LIFETIME_HOURS * 3_600_000;
  return new Date(dueAt === null ? cap : Math.min(new Date(dueAt).getTime(), cap));
}

interface Facts { portal: Portal; request: StoredRequest; policy: Policy; directory: Directory }

async function sendBallot(deps: ServiceDeps, email: EmailDeps, mailer: Mailer, facts: Facts, ballot: EmailBallot, rowVersion: number, expiresAt: Date): Promise<void> {
  const at = deps.now();
  const linkId = randomBytes(16).toString('base64url');
  const messageId = ballotMessageId(ballot);
  const earlier = await claimEmailSend(deps.db, { ...ballot, linkId, rowVersion, messageId, linksExpireAt: expiresAt.toISOString() }, at.toISOString());
  if (earlier === 'sending') {
    await markEmailUncertain(deps.db, ballot);
    deps.logger.warn({ requestId: ballot.requestId, step: ballot.stepIndex }, 'an earlier attempt died while emailing an approver: not sent again, so it is never sent twice');
    return;
  }
  if (earlier !== null) return;

  const approver = lookUpPerson(facts.directory, ballot.approverEmail);
  const link = (verdict: 'approve' | 'reject') => `${email.baseUrl}${EMAIL_DECISION_PATH}${signLink(email.linkKeys, {
    linkId, portalId: ballot.portalId, requestId: ballot.requestId, stepIndex: ballot.stepIndex, approver: ballot.approverEmail,
    rowVersion, verdict, expiresAt: Math.floor(expiresAt.getTime() / 1000),
  })}`;
  const optOutUrl = `${email.baseUrl}${EMAIL_OPT_OUT_PATH}${signOptOut(email.linkKeys, { portalId: ballot.portalId, email: ballot.approverEmail })}`;
  const composed = composeApprovalEmail({
    brief: briefRequest(facts.portal, facts.request, facts.policy, facts.directory, ballot.stepIndex),
    approver, approveUrl: link('approve'), rejectUrl: link('reject'), linksExpireAt: expiresAt.toISOString(), optOutUrl,
  });
  try {
    await mailer.send({
      to: { name: approver.name, address: approver.email },
      ...composed,
      messageId,
      date: at,
      // An automatic message (RFC 3834): out-of-office replies stay away.
      headers: {
        'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All',
        // One-click unsubscribe in the mail client (RFC 8058), which bulk senders are now required to offer.
        'List-Unsubscribe': `<${optOutUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    });
  } catch (error) {
    // Refused before the server took it: nothing went out, so the job's retry may send it.
    await releaseEmailSend(deps.db, ballot);
    throw error;
  }
  await markEmailSent(deps.db, ballot, deps.now().toISOString());
}

/** The same for a ballot however often its message is built: a copy that did slip through is recognisably one. */
function ballotMessageId(ballot: EmailBallot): string {
  const approver = createHash('sha256').update(ballot.approverEmail).digest('base64url').slice(0, 16);
  return `<approval.${ballot.requestId}.${ballot.stepIndex}.${approver}@approval-router>`;
}
