// The version in force: who activated it and when, its hash, and whether posture has found it stable yet.
import { DescriptionList, DescriptionListItem, EmptyState, StatusTag, Text, Tile } from '@hubspot/ui-extensions';
import { formatTime, shortHash } from '../../format.js';
import type { PolicyOverview } from '../../settings-types.js';

export function ActiveVersion({ active, timeZone }: { active: PolicyOverview['active']; timeZone: string }) {
  if (!active) {
    return (
      <EmptyState testId="no-active-policy" title="No policy is active" layout="horizontal" imageName="building" flush>
        <Text>Requests cannot be routed until a version is active. Write one below, save it and activate it.</Text>
      </EmptyState>
    );
  }
  return (
    <Tile testId="active-version" compact>
      <DescriptionList direction="row">
        <DescriptionListItem label="Active version">{`${active.version}: ${active.name}`}</DescriptionListItem>
        <DescriptionListItem label="Hash">{shortHash(active.hash)}</DescriptionListItem>
        <DescriptionListItem label="Activated">
          {active.activatedAt ? `${formatTime(active.activatedAt, timeZone)} by ${active.activatedBy ?? 'unknown'}` : 'not recorded'}
        </DescriptionListItem>
        <DescriptionListItem label="Standing">
          {active.stableAt
            ? <StatusTag variant="success">{`Stable since ${formatTime(active.stableAt, timeZone)}`}</StatusTag>
            : <StatusTag variant="warning">On probation</StatusTag>}
        </DescriptionListItem>
      </DescriptionList>
    </Tile>
  );
}
