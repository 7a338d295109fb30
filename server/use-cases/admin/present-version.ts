// A policy version as the settings page lists it: who saved and activated it, its rollout state and when it last
// validated (src/contract/settings-api.ts VersionSummary).
import type { VersionSummary } from '../../../src/contract/settings-api.js';
import type { Db } from '../../db/database.js';
import { versionChecks, versionChecksFor, type VersionChecks } from '../../store/rollout-gate.js';
import type { RolloutVersion } from '../../store/rollout-versions.js';

export function summariseVersion(version: RolloutVersion, checks: VersionChecks | undefined): VersionSummary {
  return {
    version: version.version, name: version.name, hash: version.hash, isActive: version.isActive,
    createdBy: version.createdBy, createdAt: version.createdAt, activatedBy: version.activatedBy, activatedAt: version.activatedAt,
    isCandidate: version.isCandidate, stableAt: version.stableAt,
    rolledBackAt: version.rolledBackAt, rolledBackReason: version.rolledBackReason, rolledBackBy: version.rolledBackBy,
    validatedAt: checks?.validatedAt ?? null,
  };
}

export async function presentVersion(db: Db, portalId: string, version: RolloutVersion): Promise<VersionSummary> {
  return summariseVersion(version, await versionChecks(db, portalId, version.id));
}

export async function presentVersions(db: Db, portalId: string, versions: readonly RolloutVersion[]): Promise<VersionSummary[]> {
  const checks = await versionChecksFor(db, portalId, versions.map((version) => version.id));
  return versions.map((version) => summariseVersion(version, checks.get(version.id)));
}
