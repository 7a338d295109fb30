// The timers of a step that starts: a reminder at three quarters of its SLA and the escalation at its due time, as
// jobs that sla-timers.ts runs.
import { z } from 'zod';
import type { ApprovalState } from '../../../src/lifecycle/types.js';
import type { NewJob } from '../../store/jobs.js';

/** What a step's timer carries (scheduled when the step starts). */
export const SlaTimerPayloadSchema = z.object({
  requestId: z.string(),
  stepIndex: z.number().int().min(0),
  timer: z.enum(['remind', 'escalate']),
});
export type SlaTimerPayload = z.infer<typeof SlaTimerPayloadSchema>;

/** When a step's reminder is due: at three quarters of its SLA. */
export function reminderAt(startedAt: string, dueAt: string): string {
  const started = Date.parse(startedAt);
  return new Date(started + (Date.parse(dueAt) - started) * 0.75).toISOString();
}

/** The timer jobs of the request's active step; none when it is closed or its step has no SLA. */
export function slaTimerJobs(portalId: string, requestId: string, lifecycle: ApprovalState): NewJob[] {
  if (lifecycle.state !== 'pending' || lifecycle.currentStep === null) return [];
  const step = lifecycle.steps[lifecycle.currentStep];
  if (!step?.startedAt || !step.dueAt) return [];
  const stepIndex = lifecycle.currentStep;
  return [
    { timer: 'remind' as const, runAt: reminderAt(step.startedAt, step.dueAt) },
    { timer: 'escalate' as const, runAt: step.dueAt },
  ].map(({ timer, runAt }) => {
    const payload: SlaTimerPayload = { requestId, stepIndex, timer };
    return { portalId, kind: 'sla_timer', key: `${requestId}:${stepIndex}:${timer}`, runAt, payload };
  });
}
