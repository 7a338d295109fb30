// Away windows: an admin sets who acts for an approver and when; an approver may set their own window (from =
// themselves) without being an admin. Creating and revoking are traced; the resolver applies them one hop deep.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { DelegationWindow } from '../../../src/contract/card-api.js';
import { normaliseEmail } from '../../../src/directory/email.js';
import type { Directory } from '../../../src/directory/schema.js';
import { ENGINE_VERSION } from '../../../src/hash.js';
import type { DbTransaction } from '../../db/database.js';
import { AppError, type FieldProblem } from '../../errors.js';
import {
  findDelegation, insertDelegation, listDelegations, liveDelegations, overlappingDelegation, revokeDelegation, type StoredDelegation,
} from '../../store/delegations.js';
import { adminVersions, bumpDelegationsVersion, lockAdminVersions, type AdminVersions, type Portal } from '../../store/portals.js';
import { appendTrace } from '../../store/traces.js';
import { runAdminWrite, staleVersion, type AdminWriteGuard } from './admin-write.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';
import { loadPortalActor } from './admin-portal.js';

export type DelegationInput = z.output<typeof DelegationWindow>;

/** Who is acting: a signed-in user (admin or not), or the CLI run by an operator. */
export interface DelegationActor {
  email: string;
  admin: boolean;
}

export interface DelegationView {
  id: string;
  from: string;
  fromName: string | null;
  to: string;
  toName: string | null;
  startsAt: string;
  endsAt: string;
  status: 'upcoming' | 'active' | 'ended' | 'revoked';
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

async function actorIn(deps: ServiceDeps, viewer: Viewer): Promise<{ portal: Portal; actor: DelegationActor }> {
  const { portal, admin } = await loadPortalActor(deps, viewer);
  return { portal, actor: { email: normaliseEmail(viewer.email), admin } };
}

/** Admins see every window; anyone else sees the windows they are part of (away or acting). */
export async function listDelegationsFor(deps: ServiceDeps, viewer: Viewer, options: { all: boolean }) {
  const { portal, actor } = await actorIn(deps, viewer);
  return listPortalDelegations(deps, portal, actor, options);
}

export async function listPortalDelegations(deps: ServiceDeps, portal: Portal, actor: DelegationActor, options: { all: boolean }) {
  const now = isoNow(deps);
  const [rows, directory, versions] = await Promise.all([
    listDelegations(deps.db, portal.id, { now, includePast: options.all, ...(actor.admin ? {} : { involving: actor.email }) }),
    deps.crmFor(portal).getDirectory(portal.id),
    adminVersions(deps.db, portal.id),
  ]);
  return {
    scope: actor.admin ? 'portal' : 'mine',
    /** The version of the portal's delegations, which setting or revoking one names as `expectedVersion`. */
    version: versions?.delegationsVersion ?? 1,
    delegations: rows.map((row) => present(row, directory, now)),
  };
}

/** How a delegation write runs: in a transaction, with the portal's row locked. */
type WriteRunner = <T>(write: (trx: DbTransaction, versions: AdminVersions) => Promise<{ status: number; body: T }>) => Promise<{ status: number; body: T }>;

/** From the API: once per idempotency key, and only while the delegations are at the version the caller saw. */
function guarded(deps: ServiceDeps, portal: Portal, viewer: Viewer, guard: AdminWriteGuard<number>, operation: string, request: object): WriteRunner {
  return (write) => runAdminWrite(deps, portal, viewer, { idempotencyKey: guard.idempotencyKey, operation, request: { ...request, expectedVersion: guard.expectedVersion } }, async (trx, versions) => {
    if (versions.delegationsVersion !== guard.expectedVersion) throw staleVersion('the portal\'s set of delegations', versions.delegationsVersion, guard.expectedVersion);
    return write(trx, versions);
  });
}

/** From the command line: an operator at the database, neither replayed nor acting on a page read earlier. */
function unguarded(deps: ServiceDeps, portal: Portal): WriteRunner {
  return (write) => deps.db.transaction(async (trx) => {
    const versions = await lockAdminVersions(trx, portal.id);
    if (!versions) throw new AppError('not_found', 'approval-router is not installed in this portal');
    return write(trx, versions);
  });
}

export async function createDelegationFor(deps: ServiceDeps, viewer: Viewer, input: DelegationInput, guard: AdminWriteGuard<number>) {
  const { portal, actor } = await actorIn(deps, viewer);
  return createDelegation(deps, portal, actor, input, guarded(deps, portal, viewer, guard, 'admin.delegate', input));
}

export async function createDelegation(deps: ServiceDeps, portal: Portal, actor: DelegationActor, input: DelegationInput, run: WriteRunner = unguarded(deps, portal)) {
  if (!actor.admin && input.from !== actor.email) {
    throw new AppError('forbidden', 'you may set your own away window; only the portal\'s approval-router admins can set someone else\'s');
  }
  const now = isoNow(deps);
  const window = { from: input.from, to: input.to, startsAt: new Date(input.startsAt).toISOString(), endsAt: new Date(input.endsAt).toISOString() };
  const directory = await deps.crmFor(portal).getDirectory(portal.id);

  // The portal's row is locked (one writer per portal at a time), so two overlapping windows cannot both pass the
  // overlap check. The checks run inside, after a repeat of this request has been answered as the first was.
  return run(async (trx, versions) => {
    const problems = checkAgainstDirectory(window, directory, now);
    if (problems.length > 0) throw new AppError('bad_request', 'the delegation cannot be set', { details: problems });
    const existing = await overlappingDelegation(trx, portal.id, window.from, window.startsAt, window.endsAt);
    if (existing && existing.to === window.to && existing.startsAt === window.startsAt && existing.endsAt === window.endsAt) {
      return { status: 200, body: { delegation: present(existing, directory, now), created: false, warnings: [] as string[], version: versions.delegationsVersion } };
    }
    if (existing) {
      throw new AppError('conflict', `${window.from} already delegates to ${existing.to} from ${existing.startsAt} to ${existing.endsAt} (delegation ${existing.id}): revoke it first`);
    }
    const stored = await insertDelegation(trx, { id: randomUUID(), portalId: portal.id, ...window, createdBy: actor.email, createdAt: now });
    await appendTrace(trx, {
      portalId: portal.id, kind: 'delegation', input: { command: 'delegate', by: actor.email, ...window },
      output: { id: stored.id }, engineVersion: ENGINE_VERSION, occurredAt: now,
    });
    const version = await bumpDelegationsVersion(trx, portal.id);
    const warnings = oneHopWarnings(stored, await liveDelegations(trx, portal.id, now));
    return { status: 201, body: { delegation: present(stored, directory, now), created: true, warnings, version } };
  });
}

export async function revokeDelegationFor(deps: ServiceDeps, viewer: Viewer, id: string, guard: AdminWriteGuard<number>) {
  const { portal, actor } = await actorIn(deps, viewer);
  return revokePortalDelegation(deps, portal, actor, id, guarded(deps, portal, viewer, guard, 'admin.revoke_delegation', { id }));
}

export async function revokePortalDelegation(deps: ServiceDeps, portal: Portal, actor: DelegationActor, id: string, run: WriteRunner = unguarded(deps, portal)) {
  const now = isoNow(deps);
  const directory = await deps.crmFor(portal).getDirectory(portal.id);
  const answer = await run(async (trx, versions) => {
    const found = await findDelegation(trx, portal.id, id, { forUpdate: true });
    if (!found) throw new AppError('not_found', `delegation ${id} was not found in this portal`);
    if (!actor.admin && found.from !== actor.email) {
      throw new AppError('forbidden', 'you may revoke your own away window; only the portal\'s approval-router admins can revoke someone else\'s');
    }
    if (found.revokedAt !== null) return { status: 200, body: { delegation: present(found, directory, now), changed: false, version: versions.delegationsVersion } };
    const revoked = await revokeDelegation(trx, portal.id, id, actor.email, now);
    if (!revoked) throw new Error('the delegation vanished inside its own transaction');
    const version = await bumpDelegationsVersion(trx, portal.id);
    await appendTrace(trx, {
      portalId: portal.id, kind: 'delegation', input: { command: 'revoke', by: actor.email, id },
      output: { id, from: revoked.from, to: revoked.to }, engineVersion: ENGINE_VERSION, occurredAt: now,
    });
    return { status: 200, body: { delegation: present(revoked, directory, now), changed: true, version } };
  });
  return answer.body;
}

function checkAgainstDirectory(window: { from: string; to: string; endsAt: string }, directory: Directory, now: string): FieldProblem[] {
  const users = new Map(directory.users.map((user) => [normaliseEmail(user.email), user]));
  const problems: FieldProblem[] = [];
  if (!users.has(window.from)) problems.push({ path: 'body.from', message: `${window.from} is not a user in this portal's directory` });
  const to = users.get(window.to);
  if (!to) problems.push({ path: 'body.to', message: `${window.to} is not a user in this portal's directory` });
  else if (to.active === false) problems.push({ path: 'body.to', message: `${window.to} is deactivated and cannot act for anyone` });
  if (window.endsAt <= now) problems.push({ path: 'body.endsAt', message: 'the window has already ended' });
  return problems;
}

/** What the one-hop rule will do with this window beside the others: said at once, not discovered on a deal. */
function oneHopWarnings(created: StoredDelegation, live: StoredDelegation[]): string[] {
  const overlaps = (other: StoredDelegation) => other.id !== created.id && other.startsAt < created.endsAt && created.startsAt < other.endsAt;
  const warnings: string[] = [];
  for (const other of live.filter(overlaps)) {
    if (other.from === created.to) {
      warnings.push(`${created.to} is away too (delegates to ${other.to}) for part of this window; delegations go one hop, so ${created.to} still gets ${created.from}'s approvals`);
    }
    if (other.to === created.from) {
      warnings.push(`${other.from} delegates to ${created.from} for part of this window; delegations go one hop, so ${created.from} still gets ${other.from}'s approvals`);
    }
  }
  return warnings;
}

function present(row: StoredDelegation, directory: Directory, now: string): DelegationView {
  const names = new Map(directory.users.map((user) => [normaliseEmail(user.email), user.name ?? null]));
  const status = row.revokedAt !== null ? 'revoked' : row.endsAt <= now ? 'ended' : row.startsAt <= now ? 'active' : 'upcoming';
  return {
    id: row.id, from: row.from, fromName: names.get(row.from) ?? null, to: row.to, toName: names.get(row.to) ?? null,
    startsAt: row.startsAt, endsAt: row.endsAt, status, createdBy: row.createdBy, createdAt: row.createdAt,
    revokedAt: row.revokedAt, revokedBy: row.revokedBy,
  };
}
