// Who decided a step, when, which way, and what they said.
import { Text } from '@hubspot/ui-extensions';
import type { DecisionView } from '../api-types.js';
import { formatTime } from '../format.js';

export function DecisionList({ decisions, timeZone }: { decisions: DecisionView[]; timeZone: string }) {
  return (
    <>
      {decisions.map((decision) => {
        const who = decision.approverName ?? decision.approver;
        const behalf = decision.onBehalfOf ? ` for ${decision.onBehalfOf}` : '';
        const verb = decision.verdict === 'approve' ? 'approved' : 'rejected';
        return (
          <Text key={`${decision.approver}-${decision.decidedAt}`}>
            {`${who}${behalf} ${verb} on ${formatTime(decision.decidedAt, timeZone)}`}
            {decision.comment ? `: “${decision.comment}”` : ''}
          </Text>
        );
      })}
    </>
  );
}
