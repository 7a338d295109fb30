// Which version is in force and why, for the card: when a version was rolled back (by posture, or by an admin) and
// nobody has activated another since, the card says so beside the version it shows.
import type { PortalConfig } from '../../store/portal-config.js';
import type { PolicyVersion } from '../../store/policies.js';

export interface RolledBackFrom {
  version: number;
  at: string;
  reason: string;
}

export function rolledBackFrom(last: PortalConfig['lastRolledBack'], active: PolicyVersion): RolledBackFrom | null {
  if (!last?.rolledBackAt || last.id === active.id) return null;
  // The rollback activated `active` at the same instant; any later activation replaced the rollback's choice.
  if (active.activatedAt === null || active.activatedAt > last.rolledBackAt) return null;
  return { version: last.version, at: last.rolledBackAt, reason: last.rolledBackReason ?? 'rolled back automatically' };
}

export function rollbackNotice(policy: PolicyVersion, from: RolledBackFrom): string {
  // Posture's reasons start so; an admin's rollback names who did it in its reason.
  const how = from.reason.startsWith('posture critical') ? 'rolled back automatically' : 'rolled back';
  return `policy version ${policy.version} is in force: version ${from.version} was ${how} at ${from.at} (${from.reason})`;
}
