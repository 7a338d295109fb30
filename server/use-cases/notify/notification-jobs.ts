// Telling people: a change of a request enqueues, with the change (use-cases/requests/apply-transition.ts), one job
// for each channel the portal uses that has something to tell of it. Each carries the lifecycle events the change
// added and is keyed by the request and its row version, so a channel's retries never repeat another's work and no
// change is told twice. Nothing is told in shadow mode: the jobs follow the portal's flag. Each channel's job reads
// the portal again as it runs, so a channel turned off meanwhile sends nothing.
import { z } from 'zod';
import type { ApprovalEvent, ApprovalState } from '../../../src/lifecycle/types.js';
import { enqueueJobs, type JobKind, type NewJob } from '../../store/jobs.js';
import { findPortal, type Portal } from '../../store/portals.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { channelsOf } from './channel-settings.js';

const EventSchema = z.object({
  type: z.string(),
  at: z.string(),
  actor: z.string().nullable(),
  stepId: z.string().nullable(),
  detail: z.string().nullable(),
});

/** What each channel's job carries (and a `notify` job, which fans out to them). */
export const NotificationPayloadSchema = z.object({
  requestId: z.string(),
  dealId: z.string(),
  /** The request's row version after the change. */
  version: z.number().int().min(1),
  /** The lifecycle events the change added, in order. */
  events: z.array(EventSchema).min(1),
});
export type NotificationPayload = Omit<z.infer<typeof NotificationPayloadSchema>, 'events'> & { events: ApprovalEvent[] };

/** The jobs that tell of a change from `before` (null for a new request) to `after`; none where nothing is told. */
export function notificationJobs(
  portal: Pick<Portal, 'id' | 'featureFlag' | 'settings'>,
  before: ApprovalState | null,
  after: { id: string; dealId: string; rowVersion: number; lifecycle: ApprovalState },
): NewJob[] {
  if (portal.featureFlag !== 'on') return [];
  const events = after.lifecycle.history.slice(before?.history.length ?? 0);
  if (events.length === 0) return [];
  return channelJobs(portal, { requestId: after.id, dealId: after.dealId, version: after.rowVersion, events });
}

/** A channel: the job kind that carries a change to it, whether a portal uses it, and whether a change concerns it. */
interface Channel {
  kind: JobKind;
  usedBy: (portal: Pick<Portal, 'settings'>) => boolean;
  tells: (events: readonly ApprovalEvent[]) => boolean;
}

/** The channels a change is told on, each a job kind with its own handler (server/jobs/handlers.ts). */
const CHANNELS: readonly Channel[] = [
  // Notes for every change; tasks opened as a step starts, completed as it closes.
  { kind: 'hubspot_notify', usedBy: (portal) => channelsOf(portal).tasks, tells: () => true },
  // An email asks the approvers of a step that starts.
  { kind: 'notify_email', usedBy: (portal) => channelsOf(portal).email, tells: (events) => events.some((event) => event.type === 'step_started') },
  // Messages to a starting step's approvers, and every change refreshes the messages posted. On where the portal
  // turned Slack on; the job finds nothing to do while no workspace is connected.
  { kind: 'notify_slack', usedBy: (portal) => channelsOf(portal).slack, tells: () => true },
];

function channelJobs(portal: Pick<Portal, 'id' | 'settings'>, payload: NotificationPayload): NewJob[] {
  return CHANNELS.filter((channel) => channel.usedBy(portal) && channel.tells(payload.events))
    .map((channel): NewJob => ({ portalId: portal.id, kind: channel.kind, key: `${payload.requestId}:${payload.version}`, payload }));
}

/** A `notify` job, the change's payload for the channels to fan out to as the portal stands now (see channelJobs). */
export async function fanOutNotification(deps: ServiceDeps, portalId: string, payload: NotificationPayload): Promise<void> {
  const portal = await findPortal(deps.db, portalId);
  if (!portal || portal.installState === 'uninstalled' || portal.featureFlag !== 'on') return;
  await enqueueJobs(deps.db, channelJobs(portal, payload), isoNow(deps));
}
