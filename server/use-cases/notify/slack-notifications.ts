// The Slack channel's job (`notify_slack`): when a step starts, each approver it waits on gets a direct message with
// the deal summary and Approve / Reject buttons; after any change, every message posted for the request that no
// longer shows the request as it stands is updated (a decision here or on the card or by email, a step that
// closes, a request that ends). A message is claimed before it is posted and never posted twice.
import { hashJson } from '../../../src/hash.js';
import { waitingOn } from '../../../src/lifecycle/waiting.js';
import type { Policy } from '../../../src/policy/schema.js';
import { RetryLaterError } from '../../errors.js';
import { approvalBlocks, approvalText } from '../../slack/approval-blocks.js';
import { DEAD_TOKEN_CODES, SlackCallError, type SlackWorkspace } from '../../slack/slack-api.js';
import { findPortal, type Portal } from '../../store/portals.js';
import { findRequest, type StoredRequest } from '../../store/requests.js';
import {
  claimSlackMessage, lockSlackMessage, markSlackMessageGone, postedSlackMessages, recordSlackMessagePosted, recordSlackMessageRendered,
  releaseSlackMessage, type SlackMessageKey,
} from '../../store/slack-messages.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { namesFrom } from '../present.js';
import { approvalMessageView } from '../slack/approval-message-view.js';
import { openSlackConnection, type SlackConnection } from '../slack/slack-connection.js';
import { slackRecipientOf } from '../slack/slack-directory.js';
import type { NotificationPayload } from './notification-jobs.js';
import { policyDocument } from '../policy-document.js';

/** Slack's answers to chat.update that mean the message is gone for good. */
const GONE_CODES = new Set(['message_not_found', 'channel_not_found', 'cant_update_message', 'is_archived', 'edit_window_closed']);

interface Context {
  deps: ServiceDeps;
  portal: Portal;
  connection: SlackConnection;
  workspace: SlackWorkspace;
  policy: Policy;
  names: ReturnType<typeof namesFrom>;
}

export async function notifySlack(deps: ServiceDeps, portalId: string, payload: NotificationPayload): Promise<void> {
  const portal = await findPortal(deps.db, portalId);
  if (!portal || portal.installState === 'uninstalled' || portal.featureFlag !== 'on') return;
  const connection = await openSlackConnection(deps, portalId);
  if (!connection || !deps.slack) return;
  const request = await findRequest(deps.db, portalId, payload.requestId);
  if (!request) return;
  const policy = await policyDocument(deps, deps.db, portalId, request.policyVersionId);
  if (!policy) throw new Error(`policy version ${request.policyVersionId} is missing`);
  const names = namesFrom(await deps.crmFor(portal).getDirectory(portal.id));
  const context: Context = { deps, portal, connection, workspace: deps.slack.api.forToken(connection.botToken), policy, names };
  try {
    await postToWaitingApprovers(context, request, payload);
    await refreshPostedMessages(context, request.id);
  } catch (error) {
    if (error instanceof SlackCallError && error.kind === 'rate_limited') {
      throw new RetryLaterError(error.message, error.retryAfterSeconds ?? 30, { countsAsAttempt: false });
    }
    if (error instanceof SlackCallError && DEAD_TOKEN_CODES.has(error.code)) {
      // Retrying cannot help until an admin connects Slack again; the other channels carry on.
      deps.logger.warn({ portalId, code: error.code }, 'Slack refused the portal\'s bot token: connect Slack again (approval-router slack connect)');
      return;
    }
    throw error;
  }
}

/** A step this change started, still active: a message to each approver it waits on who has none yet. */
async function postToWaitingApprovers(context: Context, request: StoredRequest, payload: NotificationPayload): Promise<void> {
  const lifecycle = request.lifecycle;
  const index = lifecycle.state === 'pending' ? lifecycle.currentStep : null;
  const step = index === null ? undefined : lifecycle.steps[index];
  if (index === null || !step) return;
  if (!payload.events.some((event) => event.type === 'step_started' && event.stepId === step.id)) return;
  for (const approver of waitingOn(lifecycle, step)) await postTo(context, request, index, approver);
}

async function postTo(context: Context, request: StoredRequest, stepIndex: number, approver: string): Promise<void> {
  const { deps, connection, workspace } = context;
  const key: SlackMessageKey = { portalId: connection.portalId, requestId: request.id, stepIndex, approverEmail: approver };
  const log = { portalId: connection.portalId, requestId: request.id, stepIndex, approver };
  const recipient = await slackRecipientOf(deps, connection, workspace, approver);
  if (!recipient) {
    deps.logger.info(log, 'no Slack user has this approver\'s email: no Slack message');
    return;
  }
  const claim = await claimSlackMessage(deps.db, key, connection.teamId, isoNow(deps));
  if (!claim.claimed) return;
  const message = render(context, request, stepIndex, approver);
  let posted: { channel: string; ts: string };
  try {
    posted = await workspace.postMessage({ channel: recipient.channelId, text: message.text, blocks: message.blocks });
  } catch (error) {
    if (!(error instanceof SlackCallError) || error.kind === 'unknown') {
      // Slack may have posted it: the claim stays, so it is never posted a second time.
      deps.logger.warn({ ...log, err: error }, 'Slack did not answer a post; it may have been posted and is not posted again');
      return;
    }
    await releaseSlackMessage(deps.db, key);
    if (error.kind === 'refused' && !DEAD_TOKEN_CODES.has(error.code)) {
      deps.logger.warn({ ...log, code: error.code }, 'Slack refused the message to this approver');
      return;
    }
    throw error;
  }
  await recordSlackMessagePosted(deps.db, key, { channelId: posted.channel, messageTs: posted.ts, renderedHash: message.hash }, isoNow(deps));
}

/**
 * Every message posted for the request, brought up to date: each under its row lock, from the request as it is
 * then, so two jobs never leave a message showing an older state than the other wrote.
 */
async function refreshPostedMessages(context: Context, requestId: string): Promise<void> {
  const { deps, connection, workspace } = context;
  for (const posted of await postedSlackMessages(deps.db, connection.portalId, requestId, connection.teamId)) {
    await deps.db.transaction(async (trx) => {
      const message = await lockSlackMessage(trx, posted);
      if (!message || message.state !== 'posted' || !message.channelId || !message.messageTs) return;
      const request = await findRequest(trx, connection.portalId, requestId);
      if (!request) return;
      const next = render(context, request, message.stepIndex, message.approverEmail);
      if (next.hash === message.renderedHash) return;
      try {
        await workspace.updateMessage({ channel: message.channelId, ts: message.messageTs, text: next.text, blocks: next.blocks });
      } catch (error) {
        if (error instanceof SlackCallError && error.kind === 'refused' && GONE_CODES.has(error.code)) {
          await markSlackMessageGone(trx, message, isoNow(deps));
          return;
        }
        throw error;
      }
      await recordSlackMessageRendered(trx, message, next.hash, isoNow(deps));
    });
  }
}

function render(context: Context, request: StoredRequest, stepIndex: number, approver: string) {
  const view = approvalMessageView(context.portal, request, context.policy, context.names, stepIndex, approver);
  const text = approvalText(view);
  const blocks = approvalBlocks(view);
  return { text, blocks, hash: hashJson({ text, blocks }) };
}
