// Delegations go one hop: when an approver's delegate is away too, the step stays with the delegate. The resolver
// does that silently; this says so for the explanation and the trace, from the same directory and instant.
import type { RouteResult } from '../routing/types.js';
import { parseInstant } from '../time.js';
import { delegateOf, indexDirectory } from './index-directory.js';
import type { Directory } from './schema.js';

export interface StoppedDelegation {
  stepId: string;
  /** Who the step went to, acting for `delegatedFrom`. */
  approver: string;
  delegatedFrom: string;
  /** The approver's own delegate, not followed. */
  notFollowed: string;
  reason: string;
}

export function stoppedDelegations(route: RouteResult, directory: Directory, at: string | null): StoppedDelegation[] {
  const instant = at === null ? null : parseInstant(at);
  if (instant === null || route.outcome.kind === 'auto_approved') return [];
  const index = indexDirectory(directory);
  const stopped: StoppedDelegation[] = [];
  for (const step of route.outcome.steps) {
    for (const entry of step.resolution) {
      if (entry.status !== 'approver' || entry.email === null || entry.delegatedFrom === null) continue;
      const next = delegateOf(index, entry.email, instant);
      if (next === null) continue;
      stopped.push({
        stepId: step.id, approver: entry.email, delegatedFrom: entry.delegatedFrom, notFollowed: next,
        reason: `${entry.email} has delegated to ${next} as well, but delegations go one hop: ${entry.email} acts for ${entry.delegatedFrom}`,
      });
    }
  }
  return stopped;
}
