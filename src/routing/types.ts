// What routing returns: the chosen route, every route tried, and each step's approvers with how
// each one was found (or why they were passed over).
import type { ConditionTrace } from './condition-trace.js';

export type StepMode = 'any' | 'all' | 'quorum';

export type ResolutionTier =
  /** The step's own source: users, team, role by the owner's primary team, owner's manager. */
  | 'primary'
  /** The role's `fallback` list. */
  | 'role_fallback'
  /** The step source's `fallback` list. */
  | 'fallback';

export type ResolutionStatus =
  | 'approver'
  /** Separation of duties: nobody approves their own request. */
  | 'excluded_requester'
  | 'excluded_owner'
  | 'inactive'
  | 'duplicate'
  /** The tier produced nobody; `note` says why. */
  | 'none';

export interface ResolutionEntry {
  tier: ResolutionTier;
  /** Where the candidate came from, e.g. "role sales_manager for team EMEA". */
  via: string;
  email: string | null;
  status: ResolutionStatus;
  /** The original approver when an active delegation sent the step to `email`. */
  delegatedFrom: string | null;
  note: string | null;
}

export interface ResolvedStep {
  id: string;
  label: string | null;
  mode: StepMode;
  /** Approvals the step needs: 1 for any, every approver for all, the quorum for quorum. */
  required: number;
  slaHours: number;
  approvers: string[];
  resolution: ResolutionEntry[];
}

export interface RouteTrial {
  routeId: string;
  matched: boolean;
  condition: ConditionTrace;
}

export interface OwnerTrace {
  ownerId: string | null;
  email: string | null;
  primaryTeam: string | null;
  note: string | null;
}

export type RouteOutcome =
  | { kind: 'routed'; steps: ResolvedStep[] }
  | { kind: 'auto_approved' }
  | { kind: 'unroutable'; reason: string; stepId: string | null; steps: ResolvedStep[] };

export interface RouteResult {
  routeId: string | null;
  outcome: RouteOutcome;
  /** Routes in policy order up to and including the one that matched. */
  tried: RouteTrial[];
  owner: OwnerTrace;
  requester: string | null;
}

export interface RouteOptions {
  /** Who asks for the approval (lower-cased email); they never approve it themselves. */
  requester?: string | null;
  /** The instant routing happens (ISO 8601), for delegations; without it no delegation applies. */
  at?: string | null;
}
