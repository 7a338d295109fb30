// Stage gates: which stages a policy closes to unapproved deals, what counts as a valid approval, and the words
// the rep reads on the deal when a gate moved it back.
import type { Policy } from '../../../src/policy/schema.js';
import type { ApprovalState } from '../../../src/lifecycle/types.js';

export function gatedStages(policy: Policy | null | undefined, pipeline: string | null): Set<string> {
  const stages = new Set<string>();
  if (!policy || pipeline === null) return stages;
  for (const gate of policy.gates ?? []) if (gate.pipeline === pipeline) for (const stage of gate.stages) stages.add(stage);
  return stages;
}

export function isGated(policy: Policy | null | undefined, pipeline: string | null, stage: string | null): boolean {
  return stage !== null && gatedStages(policy, pipeline).has(stage);
}

/** A deal may stand in a gated stage only while its latest request is approved. */
export function isValidApproval(state: ApprovalState['state'] | null | undefined): boolean {
  return state === 'approved' || state === 'auto_approved';
}

// HubSpot's default sales pipeline; custom pipelines use numeric stage ids, shown as they are.
const DEFAULT_STAGE_LABELS: Record<string, string> = {
  appointmentscheduled: 'Appointment scheduled',
  qualifiedtobuy: 'Qualified to buy',
  presentationscheduled: 'Presentation scheduled',
  decisionmakerboughtin: 'Decision maker bought-in',
  contractsent: 'Contract sent',
  closedwon: 'Closed won',
  closedlost: 'Closed lost',
};

export const stageLabel = (stage: string): string => DEFAULT_STAGE_LABELS[stage] ?? `stage ${stage}`;

export interface GateNoteInput {
  from: string;
  /** The stage written back, or null when no earlier stage is known and the deal was left where it is. */
  to: string | null;
  /** The route a request would take now, by label. */
  route: string;
  /** The deal's latest request, when it has one. */
  requestState: ApprovalState['state'] | null;
}

export function gateNote({ from, to, route, requestState }: GateNoteInput): string {
  const what = to === null
    ? `Entered ${stageLabel(from)} without approval; its previous stage is unknown, so it was left there`
    : `Moved back from ${stageLabel(from)} to ${stageLabel(to)}`;
  const why = requestState === 'pending'
    ? `its approval request (route ${route}) is still waiting for approvers; move it on once it is approved`
    : `this deal needs approval (route ${route}); request it from the approval card${requestState && requestState !== 'approved' && requestState !== 'auto_approved' ? ` (the last request was ${requestState.replace('_', ' ')})` : ''}`;
  return `${what}: ${why}. (approval-router stage gate)`;
}

/**
 * Where a rollback sends the deal: the newest stage we saw it in that is open to it now (same pipeline, not
 * gated, not the stage it is leaving), else the stage its latest request was made in. Null when neither is known.
 */
export function previousAllowedStage(input: {
  history: readonly { stage: string; pipeline: string | null; source: string }[];
  pipeline: string | null;
  current: string;
  gated: ReadonlySet<string>;
  requestSnapshot?: { stage: string | null; pipeline: string | null } | null;
}): string | null {
  const open = (stage: string | null, pipeline: string | null): stage is string =>
    stage !== null && stage !== input.current && !input.gated.has(stage) && (pipeline === null || pipeline === input.pipeline);
  for (const row of input.history) {
    // Blocked and flagged rows are gated stages by definition; everything else the deal really stood in.
    if (row.source === 'blocked' || row.source === 'flagged') continue;
    if (open(row.stage, row.pipeline)) return row.stage;
  }
  const snapshot = input.requestSnapshot;
  return snapshot && open(snapshot.stage, snapshot.pipeline) ? snapshot.stage : null;
}
