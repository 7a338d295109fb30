// The staged candidate running in shadow beside the active version: how many deals it has seen, where the two
// disagree, and the latest disagreements deal by deal.
import { Button, Flex, Heading, Statistics, StatisticsItem, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import { Loaded } from '../../components/Section.js';
import { formatShare, formatTime, plural } from '../../format.js';
import { getCandidate } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import type { CandidateSummary, EvaluationSummary } from '../../settings-types.js';
import { useLoad } from '../../use-load.js';

export interface CandidatePanelProps extends Pick<SectionProps, 'identity' | 'timeZone'> {
  /** The staged version, so a new one loads afresh. */
  version: number;
  onActivate: (summary: CandidateSummary) => void;
}

export function CandidatePanel({ identity, timeZone, version, onActivate }: CandidatePanelProps) {
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId, version]);
  const { state, reload } = useLoad(key, () => getCandidate(identity));
  return (
    <Flex testId="candidate" direction="column" gap="sm">
      <Heading>{`In shadow: version ${version}`}</Heading>
      <Loaded state={state} what="the shadow run" onRetry={reload} testId="retry-candidate">
        {(summary) => (
          <>
            <Text>
              {`Staged ${summary.candidate.stagedAt ? formatTime(summary.candidate.stagedAt, timeZone) : ''} by ${summary.candidate.stagedBy ?? 'unknown'}. `
                + 'Every card view and request evaluates it beside the active version; what it would do differently is listed here.'}
            </Text>
            <Statistics>
              <StatisticsItem label="Deals evaluated" number={summary.evaluatedDeals} />
              <StatisticsItem label="Deals that disagree" number={summary.disagreements.deals} />
              <StatisticsItem label="Agreement" number={formatShare(summary.agreementRate)} />
            </Statistics>
            <Text variant="microcopy">
              {`Route ${summary.disagreements.byKind.route} · approvers ${summary.disagreements.byKind.approvers} · score ${summary.disagreements.byKind.score} · errors ${summary.disagreements.byKind.error} (deals)`}
            </Text>
            {summary.examples.length === 0
              ? <Text testId="no-disagreements">{summary.evaluatedDeals === 0 ? 'No deal has been evaluated since it was staged.' : 'No disagreement so far.'}</Text>
              : <Disagreements summary={summary} timeZone={timeZone} />}
            <Button testId="activate-candidate" onClick={() => onActivate(summary)}>{`Activate version ${version}…`}</Button>
          </>
        )}
      </Loaded>
    </Flex>
  );
}

function Disagreements({ summary, timeZone }: { summary: CandidateSummary; timeZone: string }) {
  return (
    <Table testId="disagreements" bordered>
      <TableHead>
        <TableRow>
          <TableHeader>Deal</TableHeader><TableHeader>Differs on</TableHeader><TableHeader>Active version</TableHeader>
          <TableHeader>Candidate</TableHeader><TableHeader>Last seen</TableHeader>
        </TableRow>
      </TableHead>
      <TableBody>
        {summary.examples.map((example) => (
          <TableRow key={`${example.dealId}:${example.kinds.join(',')}`}>
            <TableCell>{example.dealId}</TableCell>
            <TableCell>{example.kinds.join(', ')}</TableCell>
            <TableCell>{describe(example.before)}</TableCell>
            <TableCell>{describe(example.after)}</TableCell>
            <TableCell>{typeof example.lastAt === 'string' ? `${formatTime(example.lastAt, timeZone)} (${plural(Number(example.seen ?? 1), 'view')})` : ''}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** One side of a disagreement in a line: the route (or outcome), the score, the approvers of each step. */
function describe(side: unknown): string {
  if (!isEvaluation(side)) return '';
  const where = side.outcome === 'routed' ? `route ${side.routeId ?? '?'}` : side.outcome === 'auto_approved' ? 'auto-approved' : `unroutable${side.reason ? `: ${side.reason}` : ''}`;
  const steps = side.steps.map((step) => `${step.id}: ${step.approvers.join(', ') || 'nobody'}`).join('; ');
  return `${where} · score ${side.score}${steps ? ` · ${steps}` : ''}`;
}

function isEvaluation(value: unknown): value is EvaluationSummary {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.score === 'number' && typeof v.outcome === 'string' && Array.isArray(v.steps);
}
