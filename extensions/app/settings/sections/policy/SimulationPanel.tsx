// What the draft would change against the portal's deals of the last 90 days, beside the active version: routes
// changed, approver load, expected cycle time, deals it cannot route. The admin may accept each unroutable deal with
// a reason: the promotion gate counts an accepted deal as settled.
import { useState } from 'react';
import { Button, Flex, Heading, LoadingButton, LoadingSpinner, Text, TextArea } from '@hubspot/ui-extensions';
import { ActionError } from '../../components/ActionError.js';
import { formatTime, plural } from '../../format.js';
import { simulatePolicy } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import type { SimulationAnswer } from '../../settings-types.js';
import { useSubmit } from '../../use-submit.js';
import { SimulationResult } from './SimulationResult.js';
import type { Validation } from './use-validation.js';

export interface SimulationPanelProps extends Pick<SectionProps, 'identity' | 'timeZone'> {
  draft: string;
  validation: Validation;
}

export function SimulationPanel({ identity, timeZone, draft, validation }: SimulationPanelProps) {
  const [answer, setAnswer] = useState<SimulationAnswer | null>(null);
  const [reason, setReason] = useState('');
  const { busy, error, submit } = useSubmit();
  const valid = validation.status === 'checked' && validation.answer.valid;
  const draftHash = validation.status === 'checked' ? validation.answer.hash : null;
  // A result for other text than the draft's stays on screen, marked as stale, until the admin runs it again.
  const stale = answer !== null && draftHash !== null && answer.policy.hash !== draftHash;
  const open = answer?.unroutableDeals.deals.filter((deal) => deal.accepted === null) ?? [];

  async function run(accept?: { dealId: string; reason: string }[]) {
    const body = { source: draft, ...(accept ? { accept } : {}) };
    const result = await submit(accept ? 'accept' : 'simulate', body, () => simulatePolicy(identity, body));
    if (result) {
      setAnswer(result);
      if (accept) setReason('');
    }
  }

  return (
    <Flex direction="column" gap="sm">
      <Heading>Simulate on recent deals</Heading>
      <Text variant="microcopy">
        Runs the draft over the portal&apos;s deals of the last 90 days beside the active version, as the simulate command does.
      </Text>
      <LoadingButton testId="simulate" loading={busy === 'simulate'} disabled={!valid || busy !== null} onClick={() => void run()}>
        {answer ? 'Simulate again' : 'Simulate on the last 90 days'}
      </LoadingButton>
      {busy === 'simulate' ? <LoadingSpinner testId="simulation-running" label="Simulating the draft on recent deals" showLabel /> : null}
      {error ? <ActionError testId="simulation-error" error={error} /> : null}
      {answer ? (
        <>
          <Text testId="simulation-ran" variant="microcopy">
            {`Ran ${formatTime(answer.ranAt, timeZone)} by ${answer.ranBy}${stale ? ' · the draft changed since: simulate again before you rely on it' : ''}`}
          </Text>
          <SimulationResult answer={answer} />
          {open.length > 0 ? (
            <Flex direction="column" gap="xs">
              <TextArea
                testId="accept-reason"
                label={`Accept the ${plural(open.length, 'unroutable deal')} listed above`}
                name="accept-reason"
                description="The promotion gate lets a version through when every deal it cannot route is accepted with a reason."
                value={reason}
                onChange={setReason}
                maxLength={2000}
              />
              <Button
                testId="accept-unroutable"
                disabled={reason.trim() === '' || busy !== null || stale}
                onClick={() => void run(open.map((deal) => ({ dealId: deal.dealId, reason: reason.trim() })))}
              >
                {`Accept ${plural(open.length, 'deal')} with this reason`}
              </Button>
            </Flex>
          ) : null}
        </>
      ) : null}
    </Flex>
  );
}
