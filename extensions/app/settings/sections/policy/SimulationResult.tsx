// One simulation's figures: the deals it ran on, what changed, who would be asked how often, how long it would take
// by the portal's history, and the deals the draft cannot route.
import {
  Alert, EmptyState, Flex, Heading, Statistics, StatisticsItem, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader,
  TableRow, Text,
} from '@hubspot/ui-extensions';
import { formatHours, plural } from '../../format.js';
import type { DealOutcome, PolicyDiff, PolicyRun, SimulationAnswer } from '../../settings-types.js';

export function SimulationResult({ answer }: { answer: SimulationAnswer }) {
  const { result, deals, unroutableDeals } = answer;
  if (deals.simulated === 0) {
    return (
      <EmptyState testId="simulation-no-deals" title="No deals to simulate" layout="horizontal" imageName="deals" flush>
        <Text>{`The portal has no deals from the last ${answer.window.days} days that the service has seen. Open a few deals' approval cards, or simulate again later.`}</Text>
      </EmptyState>
    );
  }
  const diff = result.diff;
  return (
    <Flex testId="simulation-result" direction="column" gap="sm">
      <Statistics>
        <StatisticsItem label="Deals simulated" number={deals.simulated} />
        <StatisticsItem label="Routes changed" number={diff ? diff.routeChanged : 'n/a'} />
        <StatisticsItem label="Unroutable deals" number={unroutableDeals.total}>
          <Text>{`${unroutableDeals.accepted} accepted`}</Text>
        </StatisticsItem>
        <StatisticsItem label="Expected time per deal" number={formatHours(result.candidate.expectedHoursPerDeal)}>
          <Text>{`now ${formatHours(result.baseline?.expectedHoursPerDeal ?? null)}`}</Text>
        </StatisticsItem>
      </Statistics>
      <Text testId="simulation-sources" variant="microcopy">{sourcesText(answer)}</Text>
      {answer.baseline === null ? <Text variant="microcopy">No version is active: nothing to compare the draft with.</Text> : null}
      {deals.truncated ? (
        <Alert testId="simulation-truncated" title="Only part of the deals ran" variant="warning">
          {deals.truncated === 'deal_limit'
            ? `Only the newest ${deals.limit} deals ran.`
            : 'The run stopped at its time limit; the promotion gate does not count it. Simulate again when the service is less busy.'}
        </Alert>
      ) : null}
      {answer.missingProperties.length > 0 ? (
        <Alert testId="simulation-missing-properties" title="Properties no simulated deal carries" variant="info">
          {`${answer.missingProperties.join(', ')}: the draft reads them, but the service has not read them for these deals, so they count as missing.`}
        </Alert>
      ) : null}
      {answer.warnings.map((warning) => <Alert key={warning} title="Note" variant="warning">{warning}</Alert>)}
      {diff && diff.transitions.length > 0 ? <Transitions transitions={diff.transitions} /> : null}
      {diff && diff.changes.length > 0 ? <ChangedDeals diff={diff} shown={answer.changesShown} /> : null}
      <ApproverLoad baseline={result.baseline} candidate={result.candidate} />
      <CycleTimes run={result.candidate} historySamples={answer.historySamples} />
      {unroutableDeals.total > 0 ? <UnroutableDeals answer={answer} /> : null}
    </Flex>
  );
}

function Transitions({ transitions }: { transitions: { from: string; to: string; deals: number }[] }) {
  return (
    <>
      <Heading>Routes that change</Heading>
      <Table testId="route-transitions" bordered>
        <TableHead>
          <TableRow><TableHeader>Now</TableHeader><TableHeader>With the draft</TableHeader><TableHeader>Deals</TableHeader></TableRow>
        </TableHead>
        <TableBody>
          {transitions.map((t) => (
            <TableRow key={`${t.from}->${t.to}`}><TableCell>{t.from}</TableCell><TableCell>{t.to}</TableCell><TableCell>{t.deals}</TableCell></TableRow>
          ))}
        </TableBody>
      </Table>
    </>
  );
}

function ChangedDeals({ diff, shown }: { diff: PolicyDiff; shown: number }) {
  const outcome = (side: DealOutcome) => `${side.outcome === 'routed' ? side.routeId ?? 'no route' : side.outcome === 'auto_approved' ? 'auto-approved' : 'unroutable'} · score ${side.score}`;
  return (
    <>
      <Heading>Deals that change</Heading>
      {diff.compared - diff.unchanged > shown ? <Text variant="microcopy">{`The first ${shown}; the counts above cover them all.`}</Text> : null}
      <Table testId="changed-deals" bordered>
        <TableHead>
          <TableRow><TableHeader>Deal</TableHeader><TableHeader>Now</TableHeader><TableHeader>With the draft</TableHeader></TableRow>
        </TableHead>
        <TableBody>
          {diff.changes.map((change) => (
            <TableRow key={change.id}>
              <TableCell>{change.name ? `${change.name} (${change.id})` : change.id}</TableCell>
              <TableCell>{outcome(change.baseline)}</TableCell>
              <TableCell>{outcome(change.candidate)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </>
  );
}

/** Where the simulated deals came from: the service's own records of them, since it keeps no copy of the CRM. */
function sourcesText(answer: SimulationAnswer): string {
  const { sources } = answer.deals;
  const parts = [
    sources.requests > 0 ? plural(sources.requests, 'request snapshot') : null,
    sources.evaluations > 0 ? plural(sources.evaluations, 'card evaluation') : null,
    sources.localCrm > 0 ? `${sources.localCrm} from the demo CRM` : null,
  ].filter((part): part is string => part !== null);
  return `Deals of ${answer.window.days} days from ${parts.length > 0 ? parts.join(', ') : 'nowhere'}, each counted once; ran in ${Number((answer.deals.elapsedMs / 1000).toFixed(1))} s.`;
}

function ApproverLoad({ baseline, candidate }: { baseline: PolicyRun | null; candidate: PolicyRun }) {
  const before = new Map((baseline?.approverLoad ?? []).map((load) => [load.approver, load.requests]));
  const after = new Map(candidate.approverLoad.map((load) => [load.approver, load.requests]));
  const approvers = [...new Set([...before.keys(), ...after.keys()])]
    .sort((a, b) => (after.get(b) ?? 0) - (after.get(a) ?? 0) || a.localeCompare(b));
  if (approvers.length === 0) return null;
  return (
    <>
      <Heading>Approver load</Heading>
      <Table testId="approver-load" bordered>
        <TableHead>
          <TableRow><TableHeader>Approver</TableHeader><TableHeader>Now</TableHeader><TableHeader>With the draft</TableHeader><TableHeader>Change</TableHeader></TableRow>
        </TableHead>
        <TableBody>
          {approvers.map((approver) => {
            const now = before.get(approver) ?? 0;
            const then = after.get(approver) ?? 0;
            return (
              <TableRow key={approver}>
                <TableCell>{approver}</TableCell>
                <TableCell>{baseline ? now : 'n/a'}</TableCell>
                <TableCell>{then}</TableCell>
                <TableCell>{baseline ? signed(then - now) : ''}</TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </>
  );
}

function CycleTimes({ run, historySamples }: { run: PolicyRun; historySamples: number }) {
  const routed = run.routes.filter((route) => route.outcome === 'routed');
  if (routed.length === 0) return null;
  return (
    <>
      <Heading>Expected cycle time</Heading>
      <Text variant="microcopy">{`Estimated from ${plural(historySamples, 'decided step')} of the portal's requests in the same window.`}</Text>
      <Table testId="cycle-times" bordered>
        <TableHead>
          <TableRow><TableHeader>Route</TableHeader><TableHeader>Deals</TableHeader><TableHeader>Median</TableHeader><TableHeader>90th percentile</TableHeader></TableRow>
        </TableHead>
        <TableBody>
          {routed.map((route) => (
            <TableRow key={route.routeId ?? 'none'}>
              <TableCell>{route.label ?? route.routeId ?? 'no route'}</TableCell>
              <TableCell>{route.deals}</TableCell>
              <TableCell>{formatHours(route.cycle?.p50Hours ?? null)}</TableCell>
              <TableCell>{`${formatHours(route.cycle?.p90Hours ?? null)}${route.cycle && !route.cycle.complete ? ' (some steps lack history)' : ''}`}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </>
  );
}

function UnroutableDeals({ answer }: { answer: SimulationAnswer }) {
  const { unroutableDeals } = answer;
  return (
    <>
      <Heading>Deals the draft cannot route</Heading>
      {unroutableDeals.deals.length < unroutableDeals.total
        ? <Text variant="microcopy">{`The first ${unroutableDeals.deals.length} of ${unroutableDeals.total}.`}</Text>
        : null}
      <Table testId="unroutable-deals" bordered>
        <TableHead>
          <TableRow><TableHeader>Deal</TableHeader><TableHeader>Why</TableHeader><TableHeader>Accepted</TableHeader></TableRow>
        </TableHead>
        <TableBody>
          {unroutableDeals.deals.map((deal) => (
            <TableRow key={deal.dealId}>
              <TableCell>{deal.name ? `${deal.name} (${deal.dealId})` : deal.dealId}</TableCell>
              <TableCell>{deal.reason}</TableCell>
              <TableCell>
                {deal.accepted
                  ? <Text>{`${deal.accepted.reason} (${deal.accepted.by})`}</Text>
                  : <StatusTag variant="warning">Not accepted</StatusTag>}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </>
  );
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
