// The minute's housekeeping: posture for every portal (a failing version in probation rolls back), the prunes of
// finished jobs and processed webhook events past their retention, and the follow-ups of incidents left open. Every
// worker offers to run it about once a minute; one of them takes each minute's turn, so a deployment of many workers
// does the work once, not once per worker.
import { pruneWebhookEvents } from '../../store/inbox.js';
import { takeHousekeepingTurn } from '../../store/housekeeping.js';
import { pruneFinishedJobs } from '../../store/jobs.js';
import { applyPostureToAllPortals } from '../rollout/posture.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { queueIncidentFollowUps } from './incident-follow-ups.js';

/** The least time between the starts of two turns: a minute, less the drift of each worker's own pacing. */
const TURN_SECONDS = 50;

export interface HousekeepingSettings {
  jobRetentionDays: number;
  webhookRetentionDays: number;
  incidentFollowUpHours: number;
}

export interface HousekeepingDone {
  prunedJobs: number;
  prunedWebhookEvents: { events: number; quarantined: number };
  followUps: number;
}

/** Runs the minute's housekeeping when this worker takes the turn; answers null when another worker has it. */
export async function runMinuteHousekeeping(deps: ServiceDeps, workerId: string, settings: HousekeepingSettings): Promise<HousekeepingDone | null> {
  if (!(await takeHousekeepingTurn(deps.db, 'minute', { workerId, now: isoNow(deps), everySeconds: TURN_SECONDS }))) return null;
  await applyPostureToAllPortals(deps.db, deps.now(), { logger: deps.logger });
  const prunedJobs = await pruneFinishedJobs(deps.db, settings.jobRetentionDays, deps.now());
  const prunedWebhookEvents = await pruneWebhookEvents(deps.db, settings.webhookRetentionDays, deps.now());
  const followUps = await queueIncidentFollowUps(deps, settings.incidentFollowUpHours);
  return { prunedJobs, prunedWebhookEvents, followUps };
}
