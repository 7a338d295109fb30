// What Slack's interactivity requests do. Each is matched to a portal by its workspace (the team id) and verified
// with that portal's signing secret; then Approve decides, Reject opens a modal whose required comment decides, as
// the approver the Slack user was found as, through the card's use case (separation of duties, delegation,
// idempotency by the interaction's trigger, the trace records `channel: 'slack'`). Slack waits 3 s for an answer:
// an act that takes longer is answered at once and finishes after, telling the approver if it fails.
import {
  interactionTeam, SlackBlockActions, SlackOtherInteraction, SlackViewSubmission,
} from '../../../src/contract/slack.js';
import { isStorableText } from '../../../src/contract/card-api.js';
import { normaliseEmail } from '../../../src/directory/email.js';
import { hasDecided } from '../../../src/lifecycle/waiting.js';
import { AppError } from '../../errors.js';
import {
  APPROVE_ACTION, COMMENT_BLOCK, COMMENT_MAX, parseDecisionValue, REJECT_ACTION, REJECT_CALLBACK, rejectModal,
} from '../../slack/approval-blocks.js';
import { checkSlackTimestamp, isSlackSignatureValid } from '../../slack/verify-signature.js';
import { findRequest } from '../../store/requests.js';
import type { ServiceDeps } from '../deps.js';
import { loadPortal, type Viewer } from '../load-facts.js';
import { decideOnRequest } from '../requests/act-on-request.js';
import { dealNameOf } from './approval-message-view.js';
import { openSlackConnectionOfTeam, type SlackConnection } from './slack-connection.js';
import { approverOfSlackUser } from './slack-directory.js';

export interface SlackDelivery {
  /** The form field `payload`, JSON-parsed by the route; checked here once the request is verified. */
  payload: unknown;
  rawBody: Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** Slack's answer: an empty 200 acknowledges; a view submission may carry `response_action`. */
export type SlackAnswer = { response_action: 'errors'; errors: Record<string, string> } | null;

/** Verifies the delivery as coming from the workspace it names, then acts; resolves with the answer for Slack. */
export async function receiveSlackInteraction(deps: ServiceDeps, delivery: SlackDelivery): Promise<SlackAnswer> {
  const connection = await authenticate(deps, delivery);
  const type = (delivery.payload as { type?: unknown }).type;
  if (type === 'block_actions') return answerInTime(deps, connection, onBlockActions(deps, connection, parse(SlackBlockActions, delivery.payload)));
  if (type === 'view_submission') {
    const submission = parse(SlackViewSubmission, delivery.payload);
    if (submission.view.callback_id !== REJECT_CALLBACK) return null;
    return answerInTime(deps, connection, onRejectSubmitted(deps, connection, submission));
  }
  return null;
}

async function authenticate(deps: ServiceDeps, delivery: SlackDelivery): Promise<SlackConnection> {
  const timestamp = checkSlackTimestamp(delivery.timestamp, deps.now().getTime());
  if (!timestamp.ok) throw new AppError('unauthorized', timestamp.reason === 'stale_timestamp' ? 'the Slack request timestamp is outside the 5-minute window' : 'missing Slack signature headers');
  const envelope = SlackOtherInteraction.safeParse(delivery.payload);
  const team = envelope.success ? interactionTeam(envelope.data) : null;
  const connection = team === null ? null : await openSlackConnectionOfTeam(deps, team);
  if (!connection) throw new AppError('unauthorized', 'no portal has connected this Slack workspace');
  if (!isSlackSignatureValid(connection.signingSecret, delivery.timestamp!, delivery.rawBody, delivery.signature)) {
    throw new AppError('unauthorized', 'invalid Slack signature');
  }
  return connection;
}

function parse<T>(schema: { safeParse: (value: unknown) => { success: true; data: T } | { success: false } }, payload: unknown): T {
  const result = schema.safeParse(payload);
  if (!result.success) throw new AppError('bad_request', 'this Slack interaction is not one approval-router sent');
  return result.data;
}

/** What an act reports: the answer for Slack, and what to tell the approver if Slack was answered before it ended. */
interface Outcome {
  answer: SlackAnswer;
  lateNotice: { channel: string | null; user: string; text: string } | null;
}

/** Answers within the deadline Slack allows; an act still running then carries on and tells the approver its failure. */
async function answerInTime(deps: ServiceDeps, connection: SlackConnection, act: Promise<Outcome>): Promise<SlackAnswer> {
  const late = Symbol('late');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof late>((resolve) => { timer = setTimeout(() => resolve(late), deps.slack?.answerWithinMs ?? 2_500); });
  const first = await Promise.race([act, deadline]).finally(() => clearTimeout(timer));
  if (first !== late) return first.answer;
  void act.then(async ({ lateNotice }) => {
    if (lateNotice?.channel) await tell(deps, connection, { ...lateNotice, channel: lateNotice.channel });
  }).catch((error: unknown) => deps.logger.warn({ err: error, portalId: connection.portalId }, 'a Slack interaction failed after Slack was answered'));
  return null;
}

async function onBlockActions(deps: ServiceDeps, connection: SlackConnection, payload: SlackBlockActions): Promise<Outcome> {
  const action = payload.actions[0]!;
  const channel = payload.channel?.id ?? payload.container?.channel_id ?? null;
  const notice = (text: string): Outcome => ({ answer: null, lateNotice: { channel, user: payload.user.id, text } });
  const asked = action.value === undefined ? null : parseDecisionValue(action.value);
  if ((action.action_id !== APPROVE_ACTION && action.action_id !== REJECT_ACTION) || !asked) return { answer: null, lateNotice: null };
  const viewer = await viewerFor(deps, connection, payload.user.id);
  if (!viewer) return told(deps, connection, notice('approval-router does not know you as an approver in this HubSpot portal.'));

  if (action.action_id === REJECT_ACTION) {
    const request = await findRequest(deps.db, connection.portalId, asked.requestId);
    const step = request?.lifecycle.state === 'pending' && request.lifecycle.currentStep === asked.stepIndex ? request.lifecycle.steps[asked.stepIndex] : undefined;
    if (!request || !step || !step.approvers.includes(viewer.email) || hasDecided(step, viewer.email)) {
      return told(deps, connection, notice('This step is no longer waiting on your decision.'));
    }
    const modal = rejectModal({ requestId: asked.requestId, stepIndex: asked.stepIndex, dealName: dealNameOf(request), channelId: channel });
    await deps.slack!.api.forToken(connection.botToken, { interactive: true }).openView(payload.trigger_id, modal);
    return { answer: null, lateNotice: null };
  }

  try {
    await decideOnRequest(deps, viewer, {
      requestId: asked.requestId, verdict: 'approve', idempotencyKey: `slack:${payload.trigger_id}`, expectedStep: asked.stepIndex, channel: 'slack',
    });
    return { answer: null, lateNotice: null };
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    return told(deps, connection, notice(`Your approval was not recorded: ${error.message}.`));
  }
}

async function onRejectSubmitted(deps: ServiceDeps, connection: SlackConnection, payload: SlackViewSubmission): Promise<Outcome> {
  const meta = parseMetadata(payload.view.private_metadata);
  if (!meta) throw new AppError('bad_request', 'this Slack modal is not one approval-router opened');
  const refuse = (message: string): Outcome => ({
    answer: { response_action: 'errors', errors: { [COMMENT_BLOCK]: message.slice(0, 150) } },
    lateNotice: { channel: meta.channelId, user: payload.user.id, text: `Your rejection was not recorded: ${message}.` },
  });
  const comment = (payload.view.state?.values[COMMENT_BLOCK]?.[COMMENT_BLOCK]?.value ?? '').trim();
  if (comment === '') return refuse('Say why you reject: the rep sees your comment');
  if (comment.length > COMMENT_MAX || !isStorableText(comment)) return refuse(`Keep the comment to ${COMMENT_MAX} characters of plain text`);
  const viewer = await viewerFor(deps, connection, payload.user.id);
  if (!viewer) return refuse('approval-router does not know you as an approver in this HubSpot portal');
  try {
    await decideOnRequest(deps, viewer, {
      requestId: meta.requestId, verdict: 'reject', comment, expectedStep: meta.stepIndex, channel: 'slack',
      idempotencyKey: `slack:${payload.trigger_id ?? `${payload.view.id}:${payload.view.hash ?? ''}`}`,
    });
    return { answer: null, lateNotice: null };
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    return refuse(error.message);
  }
}

/** The approver a Slack user is: the email they were found by, with their HubSpot user id from the directory. */
async function viewerFor(deps: ServiceDeps, connection: SlackConnection, slackUserId: string): Promise<Viewer | null> {
  const email = await approverOfSlackUser(deps, connection, slackUserId);
  if (!email) return null;
  const portal = await loadPortal(deps, connection.portalId);
  const directory = await deps.crmFor(portal).getDirectory(portal.id);
  const user = directory.users.find((candidate) => normaliseEmail(candidate.email) === email);
  return { portalId: connection.portalId, userId: user?.userId ?? `slack:${slackUserId}`, email };
}

function parseMetadata(text: string | undefined): { requestId: string; stepIndex: number; channelId: string | null } | null {
  try {
    const meta = JSON.parse(text ?? '') as { requestId?: unknown; stepIndex?: unknown; channelId?: unknown };
    const asked = typeof meta.requestId === 'string' && typeof meta.stepIndex === 'number' ? parseDecisionValue(`${meta.requestId}:${meta.stepIndex}`) : null;
    return asked ? { ...asked, channelId: typeof meta.channelId === 'string' ? meta.channelId : null } : null;
  } catch {
    return null;
  }
}

/** Tells the approver now (a message only they see), and answers Slack with nothing more. */
async function told(deps: ServiceDeps, connection: SlackConnection, outcome: Outcome): Promise<Outcome> {
  if (outcome.lateNotice?.channel) await tell(deps, connection, { ...outcome.lateNotice, channel: outcome.lateNotice.channel });
  return { answer: outcome.answer, lateNotice: null };
}

async function tell(deps: ServiceDeps, connection: SlackConnection, notice: { channel: string; user: string; text: string }): Promise<void> {
  try {
    await deps.slack!.api.forToken(connection.botToken, { interactive: true }).postEphemeral(notice);
  } catch (error) {
    deps.logger.warn({ err: error, portalId: connection.portalId }, 'could not tell a Slack user what became of their action');
  }
}
