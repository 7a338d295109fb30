// The deal's score and where each point came from (each factor's input, status and points).
import { Heading, Statistics, StatisticsItem, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Tag, Text } from '@hubspot/ui-extensions';
import type { FactorView, ScoreView } from '../api-types.js';

const STATUS_TAG: Record<FactorView['status'], { label: string; variant: 'default' | 'warning' | 'info' }> = {
  scored: { label: 'scored', variant: 'default' },
  unmatched: { label: 'no band', variant: 'info' },
  missing: { label: 'missing', variant: 'warning' },
  unparsable: { label: 'unreadable', variant: 'warning' },
};

export function ScoreSummary({ score, preview }: { score: ScoreView; preview: boolean }) {
  return (
    <>
      <Statistics>
        <StatisticsItem testId="score" label={preview ? 'Approval score (preview)' : 'Approval score'} number={score.value}>
          <Text>out of 100</Text>
        </StatisticsItem>
      </Statistics>
      <Heading>Why this score</Heading>
      <Table testId="score-factors" bordered density="condensed">
        <TableHead>
          <TableRow>
            <TableHeader>Factor</TableHeader>
            <TableHeader>Value</TableHeader>
            <TableHeader>Points</TableHeader>
            <TableHeader>Detail</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {score.factors.map((factor) => (
            <TableRow key={factor.id}>
              <TableCell>{factor.label}</TableCell>
              <TableCell>
                {factor.value ?? '—'} <Tag variant={STATUS_TAG[factor.status].variant}>{STATUS_TAG[factor.status].label}</Tag>
              </TableCell>
              <TableCell>{factor.points}</TableCell>
              <TableCell>{factor.detail}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {score.notes.map((note) => <Text key={note} variant="microcopy">{note}</Text>)}
    </>
  );
}
