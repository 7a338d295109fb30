// The pages an email's link opens: confirm, done, and one per reason a link decides nothing. Plain server-rendered
// HTML: every value escaped, no script, no external asset, one style sheet allowed by its hash.
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import type { ConfirmNotice } from '../use-cases/email/decide-by-link.js';
import { COMMENT_MAX_LENGTH } from '../use-cases/email/decide-by-link.js';
import { escapeHtml, formatInstant } from '../use-cases/email/html.js';
import type { LinkRefusal, OpenLink } from '../use-cases/email/open-link.js';
import type { OptOutFinding } from '../use-cases/email/opt-out.js';
import type { Person, RequestBrief } from '../use-cases/email/request-brief.js';

export interface Page {
  status: number;
  title: string;
  body: string;
}

const STYLE = [
  'body{margin:0;padding:24px 16px;background:#f5f8fa;font:16px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#213343}',
  'main{max-width:36rem;margin:0 auto;background:#fff;border:1px solid #dfe3eb;border-radius:6px;padding:24px}',
  'h1{font-size:1.35rem;margin:0 0 12px}',
  'p{margin:0 0 12px}',
  'dl{margin:16px 0;display:grid;grid-template-columns:max-content 1fr;gap:6px 16px}',
  'dt{color:#516f90}dd{margin:0}',
  'ul{margin:4px 0 0;padding-left:20px}',
  'blockquote{margin:0;padding:6px 10px;border-left:3px solid #cbd6e2;background:#f5f8fa;white-space:pre-wrap}',
  '.as{padding:10px 12px;background:#eaf0f6;border-radius:4px}',
  '.notice{padding:10px 12px;background:#fef8f0;border:1px solid #f5c26b;border-radius:4px}',
  '.ok{color:#00a38d}.no{color:#d9363e}',
  'label{display:block;font-weight:600;margin:16px 0 4px}',
  'textarea{box-sizing:border-box;width:100%;min-height:6rem;padding:8px;font:inherit;border:1px solid #cbd6e2;border-radius:4px}',
  'button{margin-top:16px;padding:10px 24px;border:0;border-radius:4px;color:#fff;font:inherit;font-weight:600;cursor:pointer}',
  'button.approve{background:#00a38d}button.reject{background:#d9363e}',
  '.small{font-size:.85rem;color:#516f90}',
  'a{color:#0068b1}',
].join('');

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** The pages load nothing, run nothing, frame in nothing, and post only to themselves. */
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

export function sendPage(res: Response, page: Page): void {
  res.status(page.status).set({
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': PAGE_CSP,
    'Cache-Control': 'no-store',
    // The URL carries the link's token: never sent to another site. Not `no-referrer`: under it browsers send
    // `Origin: null` with the page's own form, which the POST's origin check must then refuse.
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  }).send(renderPage(page));
}

export function renderPage(page: Page): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(page.title)} · approval-router</title>
<style>${STYLE}</style>
</head><body><main>
${page.body}
</main></body></html>`;
}

const verdictWord = (verdict: 'approve' | 'reject') => (verdict === 'approve' ? 'Approve' : 'Reject');
const personName = (person: Person) => (person.name ? `${person.name} (${person.email})` : person.email);

export function confirmPage(input: { link: OpenLink; formToken: string; notice: ConfirmNotice | null; comment: string }): Page {
  const { link } = input;
  const { brief, claims } = link;
  const verdict = claims.verdict;
  const notice = input.notice === 'changed'
    ? '<p class="notice">This request changed since the page was shown (another approver may have decided). Review it again and confirm.</p>'
    : input.notice === 'comment_required' ? '<p class="notice">A rejection needs a comment that says why.</p>' : '';
  const commentLabel = verdict === 'reject' ? 'Why do you reject it? (required)' : 'Comment (optional)';
  const body = `<h1>${verdictWord(verdict)} ${escapeHtml(brief.dealName)}?</h1>
<p class="as">You are deciding as <strong>${escapeHtml(personName(link.approver))}</strong>. This link was sent to them and decides for no one else: if that is not you, close this page.</p>
${notice}
${briefList(brief)}
<form method="post">
<input type="hidden" name="csrf" value="${escapeHtml(input.formToken)}">
<input type="hidden" name="version" value="${brief.version}">
<label for="comment">${commentLabel}</label>
<textarea id="comment" name="comment" maxlength="${COMMENT_MAX_LENGTH}"${verdict === 'reject' ? ' required' : ''}>${escapeHtml(input.comment)}</textarea>
<button type="submit" class="${verdict}">${verdictWord(verdict)}</button>
</form>
<p class="small">Nothing is decided until you press ${verdictWord(verdict)}. The link works once, until ${escapeHtml(formatInstant(new Date(claims.expiresAt * 1000).toISOString()))}.${hubspotLink(brief)}</p>`;
  const status = input.notice === 'changed' ? 409 : input.notice === 'comment_required' ? 400 : 200;
  return { status, title: `${verdictWord(verdict)} ${brief.dealName}?`, body };
}

export function donePage(input: { link: OpenLink; state: string }): Page {
  const { brief, claims } = input.link;
  const word = claims.verdict === 'approve' ? 'approved' : 'rejected';
  const next = input.state === 'pending' ? 'The request waits on its other approvers or its next step.' : `The request is now ${input.state.replace('_', '-')}.`;
  const body = `<h1 class="${claims.verdict === 'approve' ? 'ok' : 'no'}">You ${word} ${escapeHtml(brief.dealName)}</h1>
<p>Your decision is recorded as ${escapeHtml(personName(input.link.approver))}. ${escapeHtml(next)}</p>
<p>The requester and the deal's card in HubSpot see it. You can close this page.${hubspotLink(brief)}</p>`;
  return { status: 200, title: `You ${word} ${brief.dealName}`, body };
}

export function refusalPage(refusal: LinkRefusal): Page {
  const nothing = '<p><strong>Nothing was decided.</strong></p>';
  switch (refusal.kind) {
    case 'invalid':
      return page(400, 'This link is not valid', `${nothing}<p>It was changed or cut short, or this service did not make it. Open the link straight from the email (a copied link must be whole), or decide on the deal's Approvals card in HubSpot.</p>`);
    case 'expired':
      return page(410, 'This link has expired', `${nothing}<p>Email links work until the step is due, and at most seven days. This one expired on ${escapeHtml(formatInstant(refusal.expiredAt))}. Decide on the deal's Approvals card in HubSpot.</p>`);
    case 'used': {
      const word = refusal.use.verdict === 'approve' ? 'approval' : 'rejection';
      const deal = refusal.brief ? ` of ${escapeHtml(refusal.brief.dealName)}` : '';
      return page(410, 'This link was already used', `<p>It recorded the ${word}${deal} by ${escapeHtml(refusal.use.approverEmail)} on ${escapeHtml(formatInstant(refusal.use.usedAt))}. A link decides once: nothing more was decided.</p>${refusal.brief ? hubspotParagraph(refusal.brief) : ''}`);
    }
    case 'decided': {
      const word = refusal.decision.verdict === 'approve' ? 'approved' : 'rejected';
      return page(409, 'This was already decided', `${nothing}<p>${escapeHtml(refusal.decision.approver)} ${word} ${escapeHtml(refusal.brief.dealName)} on ${escapeHtml(formatInstant(refusal.decision.at))}, outside this link. Each approver decides once on a step.</p>${hubspotParagraph(refusal.brief)}`);
    }
    case 'stale':
      return page(409, 'This request has moved on', `${nothing}<p>${escapeHtml(refusal.reason)}${refusal.brief ? ` (${escapeHtml(refusal.brief.dealName)})` : ''}</p>${refusal.brief ? hubspotParagraph(refusal.brief) : ''}`);
    case 'unavailable':
      return page(404, 'This link cannot be used now', `${nothing}<p>${escapeHtml(refusal.reason)}</p>`);
    case 'form':
      return page(403, 'This confirmation could not be checked', `${nothing}<p>The form did not come from the page this service showed for your link, or your browser did not send its cookie for this site. Open the link from the email again and confirm on that page.</p>`);
    case 'refused':
      return page(403, 'This decision is not allowed', `${nothing}<p>${escapeHtml(refusal.reason)}</p>${refusal.brief ? hubspotParagraph(refusal.brief) : ''}`);
  }
}

export function errorPage(status: number, message: string): Page {
  return page(status, status === 503 ? 'Try again in a moment' : 'Something went wrong', `<p>${escapeHtml(message)}</p><p>If you had confirmed, check the deal's Approvals card in HubSpot before trying again.</p>`);
}

function page(status: number, title: string, body: string): Page {
  return { status, title, body: `<h1>${escapeHtml(title)}</h1>\n${body}` };
}

function briefList(brief: RequestBrief): string {
  const reasons = brief.reasons.length > 0 ? `<ul>${brief.reasons.map((reason) => `<li>${escapeHtml(reason)}</li>`).join('')}</ul>` : '';
  const row = (term: string, value: string) => `<dt>${term}</dt><dd>${value}</dd>`;
  return `<dl>
${row('Deal', `${escapeHtml(brief.dealName)}${brief.amount ? `, amount ${escapeHtml(brief.amount)}` : ''}`)}
${row('Requested by', escapeHtml(personName(brief.requester)))}
${row('Score', `<strong>${brief.score}/100</strong>${reasons}`)}
${row('Justification', `<blockquote>${escapeHtml(brief.justification)}</blockquote>`)}
${row('Step', escapeHtml(`${brief.routeLabel}, ${brief.stepPosition}: ${brief.stepLabel} (${brief.stepRule})`))}
${brief.dueAt ? row('Due', escapeHtml(formatInstant(brief.dueAt))) : ''}
</dl>`;
}

function hubspotLink(brief: RequestBrief): string {
  return brief.dealUrl ? ` Or decide in HubSpot: <a href="${escapeHtml(brief.dealUrl)}">${escapeHtml(brief.dealName)}</a>.` : '';
}

function hubspotParagraph(brief: RequestBrief): string {
  return brief.dealUrl ? `<p class="small">The deal in HubSpot: <a href="${escapeHtml(brief.dealUrl)}">${escapeHtml(brief.dealName)}</a>.</p>` : '';
}

/** The opt-out link's page: before (a button to confirm) and after. */
export function optOutPage(found: OptOutFinding, state: 'confirm' | 'done'): Page {
  if (!found.ok) {
    return found.reason === 'invalid'
      ? page(400, 'This link is not valid', '<p>Nothing was changed. It was changed or cut short, or this service did not make it: open it straight from the email.</p>')
      : page(404, 'This link cannot be used now', '<p>Nothing was changed: approval-router is no longer installed in this HubSpot portal.</p>');
  }
  const who = escapeHtml(found.email);
  const where = escapeHtml(found.portalName);
  if (state === 'done' || found.alreadyOptedOut) {
    return page(200, 'No more approval emails', `<p>${who} gets no approval email from approval-router in ${where}. What waits on you still shows on the deal's Approvals card in HubSpot.</p>`);
  }
  return page(200, 'Stop approval emails?', `<p>${who} will get no more approval emails from approval-router in ${where}. Requests still wait on you on the deal's Approvals card in HubSpot.</p>
<form method="post"><button type="submit" class="reject">Stop approval emails</button></form>`);
}
