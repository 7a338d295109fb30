// The Block Kit of an approval message and of the reject modal. Pure: the same view gives the same blocks, so a
// hash of them says whether a posted message needs updating. Text people typed is escaped (Slack reads `&`, `<`
// and `>` as markup) and cut to Slack's limits.
import type { SlackBlocks, SlackView } from './slack-api.js';

export const APPROVE_ACTION = 'approve';
export const REJECT_ACTION = 'reject';
export const REJECT_CALLBACK = 'reject_request';
export const COMMENT_BLOCK = 'comment';
export const COMMENT_MAX = 2000;

export interface OutcomeLine {
  tone: 'approved' | 'rejected' | 'closed' | 'waiting';
  text: string;
  /** When it happened, shown in each reader's time zone. */
  at: string | null;
}

export interface ApprovalMessageView {
  requestId: string;
  stepIndex: number;
  dealName: string;
  dealUrl: string | null;
  requester: string;
  stepLabel: string;
  stepCount: number;
  score: number;
  /** Why the score, in one line ("Discount 25 (+35), Payment terms net_60 (+10)"). */
  scoreWhy: string;
  routeLabel: string;
  justification: string;
  dueAt: string | null;
  /** Awaiting: the approver can act (buttons); else what became of it. */
  status: { kind: 'awaiting'; escalatedAt: string | null } | { kind: 'closed'; lines: OutcomeLine[] };
}

/** The message's buttons carry the request and the step they were sent for. */
export function decisionValue(requestId: string, stepIndex: number): string {
  return `${requestId}:${stepIndex}`;
}

export function parseDecisionValue(value: string): { requestId: string; stepIndex: number } | null {
  const match = /^([0-9a-f-]{36}):(\d{1,3})$/i.exec(value);
  return match ? { requestId: match[1]!.toLowerCase(), stepIndex: Number(match[2]) } : null;
}

export function approvalText(view: ApprovalMessageView): string {
  const head = view.status.kind === 'awaiting' ? 'Approval needed' : 'Approval request';
  return cut(`${head}: ${view.dealName} (score ${view.score}, ${view.routeLabel})${view.dueAt ? `, due ${view.dueAt}` : ''}`, 300);
}

export function approvalBlocks(view: ApprovalMessageView): SlackBlocks {
  const step = view.stepCount > 1 ? ` · step *${escape(view.stepLabel)}* (${view.stepIndex + 1} of ${view.stepCount})` : '';
  const deal = view.dealUrl ? `<${view.dealUrl}|${escape(cut(view.dealName, 500))}>` : `*${escape(cut(view.dealName, 500))}*`;
  const blocks: SlackBlocks = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${view.status.kind === 'awaiting' ? 'Approval needed' : 'Approval request'}: ${view.dealName}`, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(`${deal}\n${escape(view.requester)} asks for approval${step}`, 3000) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: cut(`*Score*\n${view.score}: ${escape(view.scoreWhy)}`, 2000) },
        { type: 'mrkdwn', text: cut(`*Route*\n${escape(view.routeLabel)}`, 2000) },
        { type: 'mrkdwn', text: `*Due*\n${view.dueAt ? slackDate(view.dueAt) : 'no due time'}` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: cut(`*Justification*\n${quote(view.justification)}`, 3000) } },
  ];
  if (view.status.kind === 'awaiting') {
    if (view.status.escalatedAt) {
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:warning: Past due: escalated ${slackDate(view.status.escalatedAt)}` }] });
    }
    const value = decisionValue(view.requestId, view.stepIndex);
    blocks.push({
      type: 'actions', block_id: 'decision',
      elements: [
        { type: 'button', action_id: APPROVE_ACTION, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
        { type: 'button', action_id: REJECT_ACTION, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
      ],
    });
  } else {
    const icon = { approved: ':white_check_mark:', rejected: ':x:', closed: ':no_entry_sign:', waiting: ':hourglass_flowing_sand:' };
    const text = view.status.lines.map((line) => `${icon[line.tone]} ${escape(line.text)}${line.at ? ` · ${slackDate(line.at)}` : ''}`).join('\n');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(text, 3000) } });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `approval-router · request ${view.requestId.slice(0, 8)}` }] });
  return blocks;
}

/** The modal Reject opens: the comment is required (Slack refuses an empty one; the service refuses a blank one). */
export function rejectModal(input: { requestId: string; stepIndex: number; dealName: string; channelId: string | null }): SlackView {
  return {
    type: 'modal',
    callback_id: REJECT_CALLBACK,
    private_metadata: JSON.stringify({ requestId: input.requestId, stepIndex: input.stepIndex, channelId: input.channelId }),
    title: { type: 'plain_text', text: 'Reject request' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: cut(`Rejecting the request for *${escape(input.dealName)}* ends it. Say why: the rep sees your comment.`, 3000) } },
      {
        type: 'input', block_id: COMMENT_BLOCK, label: { type: 'plain_text', text: 'Comment' },
        element: { type: 'plain_text_input', action_id: COMMENT_BLOCK, multiline: true, max_length: COMMENT_MAX },
      },
    ],
  };
}

/** An instant each reader sees in their own time zone, with the UTC time where Slack cannot render it. */
function slackDate(iso: string): string {
  const seconds = Math.floor(new Date(iso).getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${iso.slice(0, 16).replace('T', ' ')} UTC>`;
}

function quote(text: string): string {
  return text.trim() === '' ? '_none given_' : cut(text, 2800).split('\n').map((line) => `>${escape(line)}`).join('\n');
}

export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
