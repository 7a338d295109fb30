// Resolves a step's approvers over the directory snapshot, tier by tier (source, role fallback,
// step fallback), skipping the requester, the deal owner and inactive users, and saying why for each.
import { delegateOf, primaryTeamOf, type DirectoryIndex } from '../directory/index-directory.js';
import { normaliseEmail } from '../directory/email.js';
import type { DirectoryUser } from '../directory/schema.js';
import type { Policy, Step } from '../policy/schema.js';
import type { ResolutionEntry, ResolutionTier, ResolvedStep } from './types.js';

export interface ResolveContext {
  index: DirectoryIndex;
  owner: DirectoryUser | null;
  ownerEmail: string | null;
  requester: string | null;
  /** Epoch millis for delegations, or null. */
  at: number | null;
}

interface Tier {
  tier: ResolutionTier;
  /** Candidates (normalised) and where they came from; `note` explains an empty tier. */
  candidates: (ctx: ResolveContext) => { via: string; emails: readonly string[]; note: string | null };
}

export type StepResolver = (ctx: ResolveContext) => { step: ResolvedStep; problem: string | null };

export function compileStepResolver(step: Step, roles: Policy['roles']): StepResolver {
  const tiers = compileTiers(step, roles);
  const label = step.label ?? null;
  return (ctx) => {
    // `all` needs every resolved approver, so one is enough to make the step routable.
    const needed = step.mode === 'quorum' ? step.quorum ?? 1 : 1;
    const approvers: string[] = [];
    const resolution: ResolutionEntry[] = [];
    for (const tier of tiers) {
      if (approvers.length >= needed) break;
      const { via, emails, note } = tier.candidates(ctx);
      const reason = resolution.length === 0 ? null : `earlier sources left ${approvers.length} of ${needed} needed`;
      if (emails.length === 0) {
        resolution.push({ tier: tier.tier, via, email: null, status: 'none', delegatedFrom: null, note: note ?? reason });
        continue;
      }
      for (const email of emails) {
        const entry = judge(email, ctx, approvers);
        resolution.push({ tier: tier.tier, via, ...entry, note: entry.note ?? reason });
        if (entry.status === 'approver') approvers.push(entry.email);
      }
    }
    const required = step.mode === 'all' ? approvers.length : needed;
    const resolved: ResolvedStep = { id: step.id, label, mode: step.mode, required, slaHours: step.slaHours, approvers, resolution };
    const problem = approvers.length >= needed && approvers.length > 0 ? null
      : `step "${step.id}" needs ${needed} eligible approver${needed === 1 ? '' : 's'} and found ${approvers.length}${passedOver(resolution)}`;
    return { step: resolved, problem };
  };
}

/** Who was passed over and why, for the unroutable reason: " (passed over: a@x as requester, ...)". */
function passedOver(resolution: readonly ResolutionEntry[]): string {
  const why = { excluded_requester: 'requester', excluded_owner: 'owner', inactive: 'inactive' } as const;
  const skipped = resolution.flatMap((r) => (r.email !== null && r.status in why ? [`${r.email} as ${why[r.status as keyof typeof why]}`] : []));
  return skipped.length ? ` (passed over: ${skipped.join(', ')})` : '';
}

function judge(original: string, ctx: ResolveContext, chosen: readonly string[]) {
  // Separation of duties holds for the original approver too: a delegate never approves for the
  // requester or the owner, which would be approving one's own request by proxy.
  const own = excluded(original, ctx, null);
  if (own) return own;
  const delegate = delegateOf(ctx.index, original, ctx.at);
  if (delegate === null) return eligible(original, null, chosen, null);
  return excluded(delegate, ctx, original) ?? eligible(delegate, original, chosen, `acting for ${original} (delegation)`);
}

function excluded(email: string, ctx: ResolveContext, delegatedFrom: string | null) {
  const base = { email, delegatedFrom };
  const proxy = delegatedFrom === null ? '' : ` (delegate of ${delegatedFrom})`;
  if (ctx.requester !== null && email === ctx.requester) {
    return { ...base, status: 'excluded_requester' as const, note: `requested this approval, so may not approve it${proxy}` };
  }
  if (ctx.ownerEmail !== null && email === ctx.ownerEmail) {
    return { ...base, status: 'excluded_owner' as const, note: `owns the deal, so may not approve it${proxy}` };
  }
  if (ctx.index.byEmail.get(email)?.active === false) {
    return { ...base, status: 'inactive' as const, note: `deactivated in the directory${proxy}` };
  }
  return null;
}

function eligible(email: string, delegatedFrom: string | null, chosen: readonly string[], note: string | null) {
  if (chosen.includes(email)) return { email, delegatedFrom, status: 'duplicate' as const, note: 'already an approver of this step' };
  return { email, delegatedFrom, status: 'approver' as const, note };
}

// The policy's own addresses are normalised here, once, rather than for every deal routed.
function compileTiers(step: Step, roles: Policy['roles']): Tier[] {
  const source = step.approvers;
  const tiers: Tier[] = [];
  if ('users' in source) {
    const users = source.users.map(normaliseEmail);
    tiers.push({ tier: 'primary', candidates: () => ({ via: 'users', emails: users, note: null }) });
  } else if ('team' in source) {
    const via = `team ${source.team}`;
    tiers.push({
      tier: 'primary',
      candidates: (ctx) => {
        const emails = ctx.index.teamMembers.get(source.team) ?? [];
        return { via, emails, note: emails.length === 0 ? 'no active member in the directory' : null };
      },
    });
  } else if ('role' in source) {
    const role = roles !== undefined && Object.hasOwn(roles, source.role) ? roles[source.role] : undefined;
    const byTeam = role?.byTeam === undefined ? undefined : new Map(Object.entries(role.byTeam).map(([team, emails]) => [team, emails.map(normaliseEmail)]));
    tiers.push({ tier: 'primary', candidates: (ctx) => roleByTeam(source.role, byTeam, ctx.owner) });
    const roleFallback = (role?.fallback ?? []).map(normaliseEmail);
    tiers.push({ tier: 'role_fallback', candidates: () => ({ via: `role ${source.role} fallback`, emails: roleFallback, note: roleFallback.length ? null : 'the role has no fallback' }) });
  } else {
    tiers.push({
      tier: 'primary',
      candidates: (ctx) => {
        const manager = ctx.owner?.managerEmail;
        const via = 'manager of the deal owner';
        if (ctx.owner === null) return { via, emails: [], note: 'the deal owner is not in the directory' };
        return manager === undefined ? { via, emails: [], note: 'the directory knows no manager for the owner' } : { via, emails: [normaliseEmail(manager)], note: null };
      },
    });
  }
  const fallback = (source.fallback ?? []).map(normaliseEmail);
  if (fallback.length > 0) tiers.push({ tier: 'fallback', candidates: () => ({ via: 'step fallback', emails: fallback, note: null }) });
  return tiers;
}

function roleByTeam(roleId: string, byTeam: ReadonlyMap<string, readonly string[]> | undefined, owner: DirectoryUser | null) {
  if (owner === null) return { via: `role ${roleId}`, emails: [], note: 'the deal owner is not in the directory, so no primary team' };
  const team = primaryTeamOf(owner);
  if (team === null) return { via: `role ${roleId}`, emails: [], note: 'the deal owner has no team' };
  const via = `role ${roleId} for team ${team}`;
  const emails = byTeam?.get(team) ?? [];
  return { via, emails, note: emails.length ? null : `the role names nobody for team ${team}` };
}
