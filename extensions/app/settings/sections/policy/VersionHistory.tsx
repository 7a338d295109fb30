// Every saved version, newest first: who saved and activated it and when, its hash, and where it stands (active,
// in shadow, stable, rolled back and why). Any other version can be staged or activated from here.
import { Button, ButtonRow, Flex, Heading, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import { formatTime, shortHash } from '../../format.js';
import type { VersionSummary } from '../../settings-types.js';
import type { ActivationTarget } from './ActivationPanel.js';

export interface VersionHistoryProps {
  versions: VersionSummary[];
  timeZone: string;
  onActivate: (target: ActivationTarget) => void;
  onStage: (version: number) => void;
  busy: boolean;
}

export function VersionHistory({ versions, timeZone, onActivate, onStage, busy }: VersionHistoryProps) {
  if (versions.length === 0) return <Text testId="no-versions">No version has been saved yet.</Text>;
  return (
    <>
      <Heading>History</Heading>
      <Table testId="version-history" bordered>
        <TableHead>
          <TableRow>
            <TableHeader>Version</TableHeader><TableHeader>Hash</TableHeader><TableHeader>Saved</TableHeader>
            <TableHeader>Activated</TableHeader><TableHeader>Standing</TableHeader><TableHeader>Actions</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {versions.map((v) => (
            <TableRow key={v.version}>
              <TableCell>{`${v.version}: ${v.name}`}</TableCell>
              <TableCell>{shortHash(v.hash)}</TableCell>
              <TableCell>{`${formatTime(v.createdAt, timeZone)} by ${v.createdBy}`}</TableCell>
              <TableCell>{v.activatedAt ? `${formatTime(v.activatedAt, timeZone)} by ${v.activatedBy ?? 'unknown'}` : 'never'}</TableCell>
              <TableCell><Standing version={v} timeZone={timeZone} /></TableCell>
              <TableCell>
                {v.isActive ? null : (
                  <ButtonRow>
                    <Button testId={`activate-${v.version}`} size="xs" onClick={() => onActivate({ version: v.version, name: v.name, candidate: v.isCandidate })}>
                      Activate…
                    </Button>
                    {v.isCandidate ? null : (
                      <Button testId={`stage-${v.version}`} size="xs" disabled={busy} onClick={() => onStage(v.version)}>Stage</Button>
                    )}
                  </ButtonRow>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </>
  );
}

function Standing({ version: v, timeZone }: { version: VersionSummary; timeZone: string }) {
  if (v.isActive) return <StatusTag variant="success">Active</StatusTag>;
  if (v.isCandidate) return <StatusTag variant="info">In shadow</StatusTag>;
  if (v.rolledBackAt) {
    const by = v.rolledBackBy === 'posture' ? 'by posture' : v.rolledBackBy ? `by ${v.rolledBackBy}` : '';
    return (
      <Flex direction="column" gap="flush">
        <StatusTag variant="danger">Rolled back</StatusTag>
        <Text variant="microcopy">{`${formatTime(v.rolledBackAt, timeZone)} ${by}${v.rolledBackReason ? `: ${v.rolledBackReason}` : ''}`}</Text>
      </Flex>
    );
  }
  if (v.stableAt) return <StatusTag variant="default">Stable</StatusTag>;
  return null;
}
