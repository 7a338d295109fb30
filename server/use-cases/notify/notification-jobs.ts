// Telling people: every change of a request is one `notify` job, enqueued with the change (use-cases/requests/
// apply-transition.ts). It carries the lifecycle events the change added, and fans out to one job per channel the
// portal uses, each keyed by the request and its row version, so a channel's retries never repeat another's work
// and no change is told twice. Nothing is told in shadow mode: the jobs follow the portal's flag.
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

/** What a `notify` job and each channel's job carry. */
export const NotificationPayloadSchema = z.object({
  requestId: z.string(),
  dealId: z.string(),
  /** The request's row version after the change. */
  version: z.number().int().min(1),
  /** The lifecycle events the change added, in order. */
  events: z.array(EventSchema).min(1),
});
export type NotificationPayload = Omit<z.infer<typeof NotificationPayloadSchema>, 'events'> & { events: ApprovalEvent[] };

/** The `notify` job of a change from `before` (null for a new request) to `after`; null where nothing is told. */
export function notificationJob(
  portal: Pick<Portal, 'id' | 'featureFlag'>,
  before: ApprovalState | null,
  after: { id: string; dealId: string; rowVersion: number; lifecycle: ApprovalState },
): NewJob | null {
  if (portal.featureFlag !== 'on') return null;
  const events = after.lifecycle.history.slice(before?.history.length ?? 0);
  if (events.length === 0) return null;
  const payload: NotificationPayload = { requestId: after.id, dealId: after.dealId, version: after.rowVersion, events };
  return { portalId: portal.id, kind: 'notify', key: `${after.id}:${after.rowVersion}`, payload };
}

/** A channel: the job kind that carries a change to it, and whether a portal uses it. */
interface Channel {
  kind: JobKind;
  usedBy: (portal: Portal) => boolean;
}

/** The channels a change is told on, each a job kind with its own handler (server/jobs/handlers.ts). */
const CHANNELS: readonly Channel[] = [
  { kind: 'hubspot_notify', usedBy: (portal) => channelsOf(portal).tasks },
  { kind: 'notify_email', usedBy: (portal) => channelsOf(portal).email },
  // On where the portal turned Slack on; the job finds nothing to do while no workspace is connected.
  { kind: 'notify_slack', usedBy: (portal) => channelsOf(portal).slack },
];

/** The `notify` job: one job for each channel the portal uses now, the change's payload unchanged. */
export async function fanOutNotification(deps: ServiceDeps, portalId: string, payload: NotificationPayload): Promise<void> {
  const portal = await findPortal(deps.db, portalId);
  if (!portal || portal.installState === 'uninstalled' || portal.featureFlag !== 'on') return;
  const jobs = CHANNELS.filter((channel) => channel.usedBy(portal))
    .map((channel): NewJob => ({ portalId, kind: channel.kind, key: `${payload.requestId}:${payload.version}`, payload }));
  await enqueueJobs(deps.db, jobs, isoNow(deps));
}
