// The email an approver gets when a step starts: what is asked and why, and the Approve and Reject links. HTML with
// inline styles (mail clients drop style sheets) and a plain-text twin; every value is escaped.
import { escapeHtml, formatInstant } from './html.js';
import type { Person, RequestBrief } from './request-brief.js';

export interface ApprovalEmailInput {
  brief: RequestBrief;
  approver: Person;
  approveUrl: string;
  rejectUrl: string;
  linksExpireAt: string;
  /** "No more approval emails" for this person in this portal. */
  optOutUrl: string;
}

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
}

export function composeApprovalEmail(input: ApprovalEmailInput): ComposedEmail {
  const { brief, approver } = input;
  const subject = `Approval needed: ${brief.dealName} (score ${brief.score})`;
  const asker = brief.requester.name ?? brief.requester.email;
  const due = brief.dueAt ? formatInstant(brief.dueAt) : null;
  const expires = formatInstant(input.linksExpireAt);
  const who = approver.name ? `${approver.name} (${approver.email})` : approver.email;
  const intro = `${asker} asks for your approval on ${brief.dealName}${brief.amount ? `, amount ${brief.amount}` : ''}.`;
  const stepLine = `${brief.routeLabel}, ${brief.stepPosition}: ${brief.stepLabel} (${brief.stepRule})${due ? `, due ${due}` : ''}.`;
  const safety = `These links decide as ${who}, once, until ${expires}. Anyone holding this email can use them: do not forward it.`;

  const text = [
    intro,
    '',
    `Score ${brief.score}/100${brief.reasons.length > 0 ? ', because:' : ''}`,
    ...brief.reasons.map((reason) => `  - ${reason}`),
    '',
    'Justification:',
    ...brief.justification.split('\n').map((line) => `  ${line}`),
    '',
    stepLine,
    '',
    `Approve: ${input.approveUrl}`,
    `Reject (with a comment): ${input.rejectUrl}`,
    '',
    'Each link opens a page to confirm; nothing is decided until you do.',
    safety,
    ...(brief.dealUrl ? [`Or decide on the deal in HubSpot: ${brief.dealUrl}`] : []),
    '',
    `approval-router, ${brief.portalName}. No more approval emails: ${input.optOutUrl}`,
  ].join('\n');

  const p = (content: string, style = '') => `<p style="margin:0 0 12px;${style}">${content}</p>`;
  const reasons = brief.reasons.length > 0
    ? `<ul style="margin:4px 0 12px;padding-left:20px">${brief.reasons.map((reason) => `<li style="margin:2px 0">${escapeHtml(reason)}</li>`).join('')}</ul>`
    : '';
  const button = (label: string, href: string, colour: string) =>
    `<a href="${escapeHtml(href)}" style="display:inline-block;padding:10px 22px;margin:0 8px 8px 0;border-radius:4px;background:${colour};color:#ffffff;font-weight:600;text-decoration:none">${escapeHtml(label)}</a>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f5f8fa;font:15px/1.5 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#213343">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #dfe3eb;border-radius:6px;padding:24px">
<h1 style="font-size:20px;margin:0 0 16px">Approval needed: ${escapeHtml(brief.dealName)}</h1>
${p(escapeHtml(intro))}
${p(`<strong>Score ${brief.score}/100</strong>${brief.reasons.length > 0 ? ', because:' : ''}`, 'margin-bottom:0')}
${reasons}
${p('<strong>Justification</strong>', 'margin-bottom:4px')}
<blockquote style="margin:0 0 12px;padding:8px 12px;border-left:3px solid #cbd6e2;background:#f5f8fa;white-space:pre-wrap">${escapeHtml(brief.justification)}</blockquote>
${p(escapeHtml(stepLine))}
<div style="margin:20px 0 12px">${button('Approve', input.approveUrl, '#00a38d')}${button('Reject', input.rejectUrl, '#d9363e')}</div>
${p('Each link opens a page to confirm; nothing is decided until you do.', 'font-size:13px;color:#516f90')}
${p(escapeHtml(safety), 'font-size:13px;color:#516f90')}
${brief.dealUrl ? p(`Or decide on the deal in HubSpot: <a href="${escapeHtml(brief.dealUrl)}" style="color:#0068b1">${escapeHtml(brief.dealName)}</a>`, 'font-size:13px;color:#516f90') : ''}
</div>
<p style="max-width:560px;margin:12px auto 0;font-size:12px;color:#7c98b6;text-align:center">approval-router, ${escapeHtml(brief.portalName)} · <a href="${escapeHtml(input.optOutUrl)}" style="color:#7c98b6">No more approval emails</a></p>
</body></html>`;
  return { subject, text, html };
}
