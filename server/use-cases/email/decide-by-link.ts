// A decision from an email's confirmation page: the link must still be good, the form must be the one this server
// served for it (its token, bound to the link and the browser's cookie), and the request must be at the row version
// the page showed. Then it is the card's decision (decideOnRequest): separation of duties, delegation, idempotency
// (the link's use is the key), the trace (channel `email`), with the link's use recorded in the same transaction.
import { AppError } from '../../errors.js';
import { recordEmailLinkUse } from '../../store/email-link-uses.js';
import type { ServiceDeps } from '../deps.js';
import { decideOnRequest } from '../requests/act-on-request.js';
import { checkFormToken } from './link-token.js';
import { openLink, requireEmail, type LinkRefusal, type OpenLink } from './open-link.js';

export interface LinkForm {
  token: string;
  /** The value in the browser's form cookie, if it sent one. */
  browserNonce: string | null;
  formToken: string;
  /** The request's row version the page showed. */
  version: number;
  comment: string;
}

export type ConfirmNotice =
  /** The request changed between showing the page and the confirmation (another approver decided, say). */
  | 'changed'
  | 'comment_required';

export type LinkDecision =
  | { kind: 'done'; link: OpenLink; state: string }
  | { kind: 'confirm'; link: OpenLink; notice: ConfirmNotice; comment: string }
  | { kind: 'refused'; refusal: LinkRefusal };

export const COMMENT_MAX_LENGTH = 2000;

export async function decideByLink(deps: ServiceDeps, form: LinkForm): Promise<LinkDecision> {
  const found = await openLink(deps, form.token);
  if (!found.ok) return { kind: 'refused', refusal: found.refusal };
  const { link } = found;
  const { claims } = link;
  if (form.browserNonce === null || !checkFormToken(requireEmail(deps).linkKeys, claims.linkId, form.browserNonce, form.formToken)) {
    return { kind: 'refused', refusal: { kind: 'form' } };
  }
  const comment = form.comment.trim().slice(0, COMMENT_MAX_LENGTH);
  if (link.request.rowVersion !== form.version) return { kind: 'confirm', link, notice: 'changed', comment };
  if (claims.verdict === 'reject' && comment === '') return { kind: 'confirm', link, notice: 'comment_required', comment };

  const viewer = { portalId: claims.portalId, userId: link.approver.userId ?? `email:${claims.approver}`, email: claims.approver };
  try {
    const answer = await decideOnRequest(deps, viewer, {
      requestId: claims.requestId,
      verdict: claims.verdict,
      comment: comment === '' ? undefined : comment,
      idempotencyKey: `email-link:${claims.linkId}`,
      expectedVersion: form.version,
      channel: 'email',
      alsoSave: (trx) => recordEmailLinkUse(trx, {
        linkId: claims.linkId, portalId: claims.portalId, requestId: claims.requestId, stepIndex: claims.stepIndex,
        approverEmail: claims.approver, verdict: claims.verdict, usedAt: deps.now().toISOString(),
      }),
    });
    // A second submission that waited on the first one's key: the link decided once, and this is not it.
    if (answer.replayed) return refusedAsItIsNow(deps, form.token);
    return { kind: 'done', link, state: answer.body.request.state };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    // Changed under us (another decision took the row first, or this link's twin used the key): as things are now.
    if (error.code === 'conflict') {
      const again = await openLink(deps, form.token);
      return again.ok ? { kind: 'confirm', link: again.link, notice: 'changed', comment } : { kind: 'refused', refusal: again.refusal };
    }
    if (error.code === 'forbidden' || error.code === 'bad_request') return { kind: 'refused', refusal: { kind: 'refused', reason: error.message, brief: link.brief } };
    if (error.code === 'not_found') return { kind: 'refused', refusal: { kind: 'unavailable', reason: error.message } };
    throw error;
  }
}

async function refusedAsItIsNow(deps: ServiceDeps, token: string): Promise<LinkDecision> {
  const now = await openLink(deps, token);
  if (!now.ok) return { kind: 'refused', refusal: now.refusal };
  throw new Error('a replayed link decision left its link unused');
}
