// One incident opened: what happened, its packet, the follow-up task, and resolving it with a note.
import { useState } from 'react';
import {
  Button, DescriptionList, DescriptionListItem, Flex, Heading, LoadingButton, StatusTag, Table, TableBody, TableCell, TableRow, Text, TextArea,
} from '@hubspot/ui-extensions';
import { ActionError } from '../../components/ActionError.js';
import { Loaded } from '../../components/Section.js';
import { problemFor } from '../../field-problems.js';
import { formatTime } from '../../format.js';
import { getIncident, resolveIncident } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import type { IncidentPacketAnswer } from '../../settings-types.js';
import { useLoad } from '../../use-load.js';
import { useSubmit } from '../../use-submit.js';
import { packetLines } from './packet-lines.js';

export interface IncidentPacketProps extends SectionProps {
  id: string;
  onResolved: () => void;
  onClose: () => void;
}

export function IncidentPacket({ id, onResolved, onClose, ...section }: IncidentPacketProps) {
  const { identity } = section;
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId, id]);
  const { state, reload } = useLoad(key, () => getIncident(identity, id));
  return (
    <Flex testId="incident-packet" direction="column" gap="sm">
      <Loaded state={state} what={`incident ${id}`} onRetry={reload} testId="retry-incident">
        {(incident) => (
          <>
            <IncidentFacts incident={incident} timeZone={section.timeZone} />
            <Packet packet={incident.packet} />
            {incident.resolvedAt === null
              ? <ResolveForm {...section} id={id} onResolved={() => { reload(); onResolved(); }} />
              : null}
          </>
        )}
      </Loaded>
      <Button testId="close-incident" variant="secondary" onClick={onClose}>Close</Button>
    </Flex>
  );
}

function IncidentFacts({ incident, timeZone }: { incident: IncidentPacketAnswer; timeZone: string }) {
  return (
    <>
      <Heading>{`Incident ${incident.id}: ${incident.kind}`}</Heading>
      <Text>{incident.summary}</Text>
      <DescriptionList direction="row">
        <DescriptionListItem label="Opened">{formatTime(incident.createdAt, timeZone)}</DescriptionListItem>
        <DescriptionListItem label="Deal">{incident.dealId ?? 'none'}</DescriptionListItem>
        <DescriptionListItem label="Request">{incident.requestId ?? 'none'}</DescriptionListItem>
        <DescriptionListItem label="Status">
          {incident.resolvedAt
            ? <StatusTag variant="success">{`Resolved ${formatTime(incident.resolvedAt, timeZone)} by ${incident.resolvedBy ?? 'unknown'}`}</StatusTag>
            : <StatusTag variant="warning">Open</StatusTag>}
        </DescriptionListItem>
      </DescriptionList>
      {incident.resolutionNote ? <Text testId="resolution-note">{`Note: ${incident.resolutionNote}`}</Text> : null}
      {incident.followUp ? (
        <Text testId="follow-up">
          {incident.followUp.taskId
            ? `Follow-up task ${incident.followUp.taskId} for ${incident.followUp.assignedTo ?? 'the deal owner'}, queued ${formatTime(incident.followUp.queuedAt, timeZone)}${incident.followUp.doneAt ? ', done' : ''}.`
            : `Follow-up queued ${formatTime(incident.followUp.queuedAt, timeZone)}${incident.followUp.note ? `: ${incident.followUp.note}` : '.'}`}
        </Text>
      ) : null}
    </>
  );
}

function Packet({ packet }: { packet: unknown }) {
  const { lines, omitted } = packetLines(packet);
  return (
    <>
      <Heading>Packet</Heading>
      <Table testId="packet" bordered flush>
        <TableBody>
          {lines.map((line) => (
            <TableRow key={line.path}><TableCell>{line.path}</TableCell><TableCell>{line.value}</TableCell></TableRow>
          ))}
        </TableBody>
      </Table>
      {omitted > 0 ? <Text variant="microcopy">{`${omitted} more lines are in the packet; the CLI prints it whole (approval-router incidents).`}</Text> : null}
    </>
  );
}

function ResolveForm({ identity, notify, id, onResolved }: SectionProps & { id: string; onResolved: () => void }) {
  const [note, setNote] = useState('');
  const { busy, error, submit } = useSubmit();
  const text = note.trim();

  async function resolve() {
    const answer = await submit('resolve', { id, note: text }, (idempotencyKey) => resolveIncident(identity, id, { note: text, idempotencyKey }));
    if (!answer) return;
    notify({ type: 'success', title: `Incident ${id} resolved`, message: answer.changed ? 'Your note is kept with it.' : 'It was already resolved.' });
    setNote('');
    onResolved();
  }

  return (
    <Flex direction="column" gap="xs">
      <TextArea
        testId="resolve-note"
        label="Resolve with a note"
        name="resolve-note"
        description="What was done about it. Kept with the incident."
        required
        maxLength={2000}
        value={note}
        onChange={setNote}
        error={problemFor(error, 'note') !== null}
        validationMessage={problemFor(error, 'note') ?? undefined}
      />
      {error ? <ActionError testId="resolve-error" error={error} onReload={onResolved} /> : null}
      <LoadingButton testId="resolve" variant="primary" loading={busy === 'resolve'} disabled={text === ''} onClick={() => void resolve()}>
        Resolve
      </LoadingButton>
    </Flex>
  );
}
