// One step of a request: status, what it needs, its SLA and due time, who is waited on, and the decisions so far.
import { Flex, Text, Tile } from '@hubspot/ui-extensions';
import type { StepView } from '../api-types.js';
import { describeMode, formatHours, formatTime } from '../format.js';
import { DecisionList } from './DecisionList.js';
import { StepStatusTag } from './StepStatusTag.js';

/** `idPrefix` keeps test ids unique where several requests' steps show at once (the request history). */
export function StepTile({ step, timeZone, idPrefix = '' }: { step: StepView; timeZone: string; idPrefix?: string }) {
  return (
    <Tile compact testId={`${idPrefix}step-${step.id}`}>
      <Flex direction="row" gap="sm" align="center">
        <Text format={{ fontWeight: 'demibold' }}>{`Step ${step.index + 1}: ${step.label}`}</Text>
        <StepStatusTag status={step.status} />
      </Flex>
      <Text variant="microcopy">
        {`Needs ${describeMode(step.mode, step.required, step.approvers.length)} · SLA ${formatHours(step.slaHours)}`}
        {step.dueAt && step.status === 'active' ? ` · due ${formatTime(step.dueAt, timeZone)}` : ''}
      </Text>
      {step.escalatedAt
        ? <Text testId={`${idPrefix}escalated-${step.id}`} format={{ fontWeight: 'demibold' }}>{`Past its SLA: escalated ${formatTime(step.escalatedAt, timeZone)}`}</Text>
        : null}
      <Text>{`Approvers: ${step.approvers.join(', ')}`}</Text>
      {step.status === 'active' && step.waitingOn.length > 0
        ? <Text testId={`${idPrefix}waiting-on-${step.id}`} format={{ fontWeight: 'demibold' }}>{`Waiting on: ${step.waitingOn.join(', ')}`}</Text>
        : null}
      <DecisionList decisions={step.decisions} timeZone={timeZone} />
    </Tile>
  );
}
