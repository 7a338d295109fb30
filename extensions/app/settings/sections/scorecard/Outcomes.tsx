// Each outcome figure of the period against the portal's baseline and target: its status (met, missed with the
// reason posture reports, too few samples to judge, no target) and its trend per day or week as a row of bars, folded
// away so a portal with many routes keeps the table in view.
import {
  Accordion, Flex, Heading, ProgressBar, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text,
} from '@hubspot/ui-extensions';
import { formatHours, formatShare, formatTime, plural } from '../../format.js';
import type { Baseline, OutcomeMetric, Outcomes as OutcomesAnswer, ScorecardRollback } from '../../settings-types.js';

const STATUS: Record<OutcomeMetric['status'], { label: string; variant: 'success' | 'danger' | 'info' | 'default' }> = {
  met: { label: 'Met', variant: 'success' },
  missed: { label: 'Missed', variant: 'danger' },
  too_few_samples: { label: 'Too few samples', variant: 'info' },
  no_target: { label: 'No target', variant: 'default' },
};

export function formatFigure(unit: OutcomeMetric['unit'], value: number | null): string {
  return unit === 'hours' ? formatHours(value) : formatShare(value);
}

/** A target's bounds as a person reads them ("at most 24 h", "50% to 80%"), and where it comes from. */
export function formatTarget(metric: Pick<OutcomeMetric, 'unit' | 'target'>): string {
  const { target, unit } = metric;
  if (target === null || (target.min === null && target.max === null)) return 'none';
  const bound = (value: number) => formatFigure(unit, value);
  const range = target.min !== null && target.max !== null ? `${bound(target.min)} to ${bound(target.max)}`
    : target.min !== null ? `at least ${bound(target.min)}`
    : `at most ${bound(target.max ?? 0)}`;
  const source = target.source === 'sla' ? ' (from the SLAs)' : target.source === 'default' ? ' (default)' : '';
  return `${range}${source}`;
}

export function Outcomes({ outcomes, rollbacks, timeZone }: { outcomes: OutcomesAnswer; rollbacks: ScorecardRollback[]; timeZone: string }) {
  const { targets } = outcomes;
  return (
    <Flex testId="outcomes" direction="column" gap="sm">
      <Heading>Against baseline and targets</Heading>
      <Text>{baselineLine(outcomes.baseline, timeZone)}</Text>
      <Text variant="microcopy">
        {`${targets.isDefault ? 'Default targets' : `Targets version ${targets.version}`}; a figure from fewer than ${plural(targets.targets.minSamples, 'sample')} is shown, not judged.`}
      </Text>
      {outcomes.metrics.length === 0 ? <Text>No figure to judge in this period.</Text> : (
        <Table testId="outcome-metrics" bordered>
          <TableHead>
            <TableRow>
              <TableHeader>Metric</TableHeader><TableHeader>Now</TableHeader><TableHeader>Baseline</TableHeader>
              <TableHeader>Target</TableHeader><TableHeader>Status</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {outcomes.metrics.map((metric) => <MetricRow key={`${metric.id}:${metric.routeId ?? ''}`} metric={metric} />)}
          </TableBody>
        </Table>
      )}
      {outcomes.metrics.length > 0 ? (
        <Accordion testId="trends" title={`Trends, by ${outcomes.bucket}`} size="sm">
          <Flex direction="column" gap="sm">
            {outcomes.metrics.map((metric) => <Trend key={`${metric.id}:${metric.routeId ?? ''}`} metric={metric} />)}
          </Flex>
        </Accordion>
      ) : null}
      <Rollbacks rollbacks={rollbacks} timeZone={timeZone} />
    </Flex>
  );
}

function MetricRow({ metric }: { metric: OutcomeMetric }) {
  const status = STATUS[metric.status];
  return (
    <TableRow>
      <TableCell>{metric.label}</TableCell>
      <TableCell>{`${formatFigure(metric.unit, metric.value)} (${metric.count})`}</TableCell>
      <TableCell>{metric.baseline === null ? 'no baseline' : formatFigure(metric.unit, metric.baseline)}</TableCell>
      <TableCell>{formatTarget(metric)}</TableCell>
      <TableCell>
        <Flex direction="column" gap="xs">
          <StatusTag testId={`status-${metric.id}-${metric.routeId ?? 'portal'}`} variant={status.variant}>{status.label}</StatusTag>
          {metric.reason ? <Text variant="microcopy">{metric.reason}</Text> : null}
        </Flex>
      </TableCell>
    </TableRow>
  );
}

/** One bar per bucket, scaled to the largest value of the metric (or the target's bound when that is larger). */
function Trend({ metric }: { metric: OutcomeMetric }) {
  if (metric.trend.length === 0) return null;
  const bound = metric.target?.max ?? metric.target?.min ?? 0;
  const scale = Math.max(bound, ...metric.trend.map((point) => point.value ?? 0)) || 1;
  return (
    <Flex testId={`trend-${metric.id}-${metric.routeId ?? 'portal'}`} direction="column" gap="xs">
      <Text format={{ fontWeight: 'demibold' }}>{metric.label}</Text>
      {metric.trend.map((point) => (
        <ProgressBar
          key={point.from}
          title={dayOf(point.from)}
          value={point.value === null ? 0 : Math.round((point.value / scale) * 100)}
          maxValue={100}
          valueDescription={point.value === null ? 'no sample' : `${formatFigure(metric.unit, point.value)} (${point.count})`}
          variant={overBound(metric, point.value) ? 'danger' : 'success'}
        />
      ))}
    </Flex>
  );
}

function overBound(metric: OutcomeMetric, value: number | null): boolean {
  if (value === null || metric.target === null) return false;
  return (metric.target.max !== null && value > metric.target.max) || (metric.target.min !== null && value < metric.target.min);
}

function Rollbacks({ rollbacks, timeZone }: { rollbacks: ScorecardRollback[]; timeZone: string }) {
  return (
    <Flex testId="rollbacks" direction="column" gap="xs">
      <Heading>Rollbacks</Heading>
      {rollbacks.length === 0 ? <Text>No version was rolled back in this period.</Text> : rollbacks.map((rollback) => (
        <Text key={`${rollback.fromVersion}:${rollback.at}`}>
          {`${formatTime(rollback.at, timeZone)}: version ${rollback.fromVersion} rolled back${rollback.toVersion === null ? '' : ` to version ${rollback.toVersion}`}${rollback.reason ? `: ${rollback.reason}` : ''}`}
        </Text>
      ))}
    </Flex>
  );
}

function baselineLine(baseline: Baseline | null, timeZone: string): string {
  if (baseline === null) return 'No baseline yet: it is computed from the portal\'s first 30 days of requests, or imported from a deals history export.';
  if (baseline.source === 'import') {
    return `Baseline imported from ${baseline.fileName ?? 'a history export'} (${plural(baseline.samples, 'row')})${baseline.fixedBy ? ` by ${baseline.fixedBy}` : ''}${baseline.fixedAt ? ` on ${formatTime(baseline.fixedAt, timeZone)}` : ''}.`;
  }
  const period = baseline.period ? ` (${formatTime(baseline.period.from, timeZone)} to ${formatTime(baseline.period.to, timeZone)})` : '';
  return `Baseline: the portal's first 30 days${period}, ${plural(baseline.samples, 'request')}${baseline.provisional ? '; provisional until the 30 days have passed' : ''}.`;
}

// Buckets start at midnight UTC, so their days are named in UTC.
function dayOf(iso: string): string {
  const date = new Date(iso);
  try {
    return new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(date);
  } catch {
    return iso.slice(0, 10);
  }
}
