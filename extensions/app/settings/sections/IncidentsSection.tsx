// Incidents: SLA breaches, dead syncs, posture's rollbacks and alarms, gate overrides. List them (open first by
// default), open one's packet, resolve it with a note.
import { useState } from 'react';
import { Button, Flex, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text, ToggleGroup } from '@hubspot/ui-extensions';
import { Loaded } from '../components/Section.js';
import { formatTime } from '../format.js';
import { getIncidents } from '../settings-api.js';
import type { SectionProps } from '../settings-props.js';
import type { IncidentSummary } from '../settings-types.js';
import { useLoad } from '../use-load.js';
import { IncidentPacket } from './incidents/IncidentPacket.js';

type Filter = 'open' | 'resolved' | 'all';
const FILTERS: { value: Filter; label: string }[] = [{ value: 'open', label: 'Open' }, { value: 'resolved', label: 'Resolved' }, { value: 'all', label: 'All' }];

export function IncidentsSection(section: SectionProps) {
  const { identity, timeZone } = section;
  const [filter, setFilter] = useState<Filter>('open');
  const [opened, setOpened] = useState<string | null>(null);
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId, filter]);
  const { state, reload } = useLoad(key, () => getIncidents(identity, filter));

  return (
    <Flex testId="incidents" direction="column" gap="md">
      <ToggleGroup
        testId="incident-filter"
        toggleType="radioButtonList"
        name="incident-filter"
        label="Show"
        inline
        value={filter}
        onChange={(value: string) => setFilter(FILTERS.find((f) => f.value === value)?.value ?? 'open')}
        options={FILTERS}
      />
      {opened ? <IncidentPacket {...section} id={opened} onResolved={reload} onClose={() => setOpened(null)} /> : null}
      <Loaded state={state} what="the incidents" onRetry={reload} testId="retry-incidents">
        {({ incidents }) => incidents.length === 0
          ? <Text testId="no-incidents">{filter === 'open' ? 'No open incident.' : 'No incident.'}</Text>
          : <IncidentTable incidents={incidents} timeZone={timeZone} onOpen={setOpened} />}
      </Loaded>
    </Flex>
  );
}

function IncidentTable({ incidents, timeZone, onOpen }: { incidents: IncidentSummary[]; timeZone: string; onOpen: (id: string) => void }) {
  return (
    <Table testId="incident-table" bordered>
      <TableHead>
        <TableRow>
          <TableHeader>Opened</TableHeader><TableHeader>Kind</TableHeader><TableHeader>What happened</TableHeader>
          <TableHeader>Deal</TableHeader><TableHeader>Status</TableHeader><TableHeader> </TableHeader>
        </TableRow>
      </TableHead>
      <TableBody>
        {incidents.map((incident) => (
          <TableRow key={incident.id}>
            <TableCell>{formatTime(incident.createdAt, timeZone)}</TableCell>
            <TableCell>{incident.kind}</TableCell>
            <TableCell>{incident.summary}</TableCell>
            <TableCell>{incident.dealId ?? ''}</TableCell>
            <TableCell>
              {incident.resolvedAt ? <StatusTag variant="success">Resolved</StatusTag> : <StatusTag variant="warning">Open</StatusTag>}
            </TableCell>
            <TableCell><Button testId={`open-${incident.id}`} size="xs" onClick={() => onOpen(incident.id)}>Open</Button></TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
