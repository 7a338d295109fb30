// The scorecard for a recent period (GET /api/v1/scorecard): requests opened and how they ended, the approval rate,
// cycle times overall and per route, SLA breaches, re-approvals after invalidation, each approver's load, and each
// outcome against the portal's baseline and targets with its trend, and the rollbacks of the period.
import { useState } from 'react';
import {
  Divider, EmptyState, Flex, Heading, Select, Statistics, StatisticsItem, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text,
} from '@hubspot/ui-extensions';
import { Loaded } from '../components/Section.js';
import { BaselinePanel } from './scorecard/BaselinePanel.js';
import { Outcomes } from './scorecard/Outcomes.js';
import { TargetsPanel } from './scorecard/TargetsForm.js';
import { formatHours, formatShare } from '../format.js';
import { getScorecard } from '../settings-api.js';
import type { SectionProps } from '../settings-props.js';
import type { ScorecardAnswer, Spread } from '../settings-types.js';
import { useLoad } from '../use-load.js';

export const PERIODS = [7, 30, 90] as const;
type Days = (typeof PERIODS)[number];

/** The last `days` days through today (UTC), as the dates the scorecard takes: [from, to). */
export function periodOf(days: number, now: number): { from: string; to: string } {
  const tomorrow = new Date(now);
  tomorrow.setUTCHours(0, 0, 0, 0);
  tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
  const from = new Date(tomorrow.getTime() - days * 86_400_000);
  return { from: from.toISOString().slice(0, 10), to: tomorrow.toISOString().slice(0, 10) };
}

export function ScorecardSection(section: SectionProps) {
  const { identity, timeZone } = section;
  const [days, setDays] = useState<Days>(30);
  // The page's "today" is when it opened: switching periods compares like with like.
  const [openedAt] = useState(() => Date.now());
  const range = periodOf(days, openedAt);
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId, range]);
  const { state, reload } = useLoad(key, () => getScorecard(identity, range));
  return (
    <Flex testId="scorecard" direction="column" gap="md">
      <Select
        testId="scorecard-period"
        label="Period"
        name="period"
        value={days}
        onChange={(value) => setDays(PERIODS.find((d) => d === Number(value)) ?? 30)}
        options={PERIODS.map((d) => ({ label: `Last ${d} days`, value: d }))}
      />
      <Loaded state={state} what="the scorecard" onRetry={reload} testId="retry-scorecard">
        {(scorecard) => (
          <>
            <ScorecardView scorecard={scorecard} />
            <Outcomes outcomes={scorecard.outcomes} rollbacks={scorecard.rollbacks} timeZone={timeZone} />
          </>
        )}
      </Loaded>
      <Divider />
      <TargetsPanel {...section} onSaved={reload} />
      <Divider />
      <BaselinePanel {...section} onSaved={reload} />
    </Flex>
  );
}

function ScorecardView({ scorecard }: { scorecard: ScorecardAnswer }) {
  const { totals, rates, cycle, sla, reapprovals } = scorecard;
  if (totals.opened === 0 && cycle.overall.count === 0 && sla.breaches === 0) {
    return (
      <EmptyState testId="scorecard-empty" title="No requests in this period" layout="horizontal" imageName="emptyStateCharts" flush>
        <Text>The scorecard fills in as reps request approvals and approvers decide.</Text>
      </EmptyState>
    );
  }
  return (
    <>
      <Statistics>
        <StatisticsItem label="Requests opened" number={totals.opened} />
        <StatisticsItem label="Approval rate" number={formatShare(rates.approval)}>
          <Text>{`${totals.approved} approved, ${totals.rejected} rejected`}</Text>
        </StatisticsItem>
        <StatisticsItem label="Cycle time, p50" number={formatHours(cycle.overall.p50)}>
          <Text>{`p90 ${formatHours(cycle.overall.p90)} over ${cycle.overall.count}`}</Text>
        </StatisticsItem>
        <StatisticsItem label="SLA breaches" number={sla.breaches} />
        <StatisticsItem label="Re-approved after invalidation" number={`${reapprovals.reapproved} of ${reapprovals.invalidated}`} />
      </Statistics>
      <Text variant="microcopy">
        {`Also ${totals.autoApproved} auto-approved, ${totals.withdrawn} withdrawn, ${totals.invalidated} invalidated; ${totals.pendingAtEnd} still pending at the end.`}
      </Text>
      {cycle.byRoute.length > 0 ? (
        <>
          <Heading>Cycle time by route</Heading>
          <Table testId="cycle-by-route" bordered>
            <TableHead>
              <TableRow><TableHeader>Route</TableHeader><TableHeader>Decided</TableHeader><TableHeader>p50</TableHeader><TableHeader>p90</TableHeader></TableRow>
            </TableHead>
            <TableBody>
              {cycle.byRoute.map((route) => <SpreadRow key={route.routeId} label={route.routeId} spread={route} />)}
            </TableBody>
          </Table>
        </>
      ) : null}
      {scorecard.approvers.length > 0 ? (
        <>
          <Heading>Approvers</Heading>
          <Table testId="approver-load" bordered>
            <TableHead>
              <TableRow>
                <TableHeader>Approver</TableHeader><TableHeader>Decisions</TableHeader><TableHeader>Pending</TableHeader><TableHeader>Response, p50</TableHeader>
              </TableRow>
            </TableHead>
            <TableBody>
              {scorecard.approvers.map((approver) => (
                <TableRow key={approver.approver}>
                  <TableCell>{approver.approver}</TableCell>
                  <TableCell>{`${approver.decisions} (${approver.approvals} approved, ${approver.rejections} rejected)`}</TableCell>
                  <TableCell>{approver.pending}</TableCell>
                  <TableCell>{formatHours(approver.responseHours.p50)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </>
      ) : null}
    </>
  );
}

function SpreadRow({ label, spread }: { label: string; spread: Spread }) {
  return (
    <TableRow>
      <TableCell>{label}</TableCell>
      <TableCell>{spread.count}</TableCell>
      <TableCell>{formatHours(spread.p50)}</TableCell>
      <TableCell>{formatHours(spread.p90)}</TableCell>
    </TableRow>
  );
}
