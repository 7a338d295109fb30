// The rep's request: a required justification, the route it will take, and one button that shows it is sending.
import { useState } from 'react';
import { Heading, LoadingButton, Text, TextArea } from '@hubspot/ui-extensions';
import { requestApproval, type Identity } from '../api.js';
import type { RoutePreview } from '../api-types.js';
import { problemFor } from '../field-problems.js';
import { useSubmit } from '../use-submit.js';
import { ActionError } from './ActionError.js';

export interface RequestFormProps {
  identity: Identity;
  dealId: string;
  preview: RoutePreview | null;
  onDone: (title: string, message: string) => void;
  onReload: () => void;
}

export function RequestForm({ identity, dealId, preview, onDone, onReload }: RequestFormProps) {
  const [justification, setJustification] = useState('');
  const [tried, setTried] = useState(false);
  const { busy, error, submit } = useSubmit();
  const text = justification.trim();
  const fieldProblem = problemFor(error, 'justification') ?? (tried && text === '' ? 'A justification is required.' : null);

  async function send() {
    setTried(true);
    if (text === '') return;
    const answer = await submit('request', { dealId, justification: text }, (idempotencyKey) =>
      requestApproval(identity, dealId, { justification: text, idempotencyKey }));
    if (answer) onDone('Approval requested', `Sent to ${describeRoute(preview) ?? 'the approvers'}.`);
  }

  return (
    <>
      <Heading>Request approval</Heading>
      {describeRoute(preview) ? <Text testId="request-route">{`It will go to ${describeRoute(preview)}.`}</Text> : null}
      <TextArea
        label="Justification"
        name="justification"
        required
        maxLength={2000}
        placeholder="Why does this deal need these terms?"
        description="Approvers see this with the deal's score."
        value={justification}
        onChange={setJustification}
        error={fieldProblem !== null}
        validationMessage={fieldProblem ?? undefined}
      />
      {error ? <ActionError error={error} onReload={onReload} /> : null}
      <LoadingButton testId="send-request" variant="primary" loading={busy === 'request'} onClick={() => void send()}>
        Request approval
      </LoadingButton>
    </>
  );
}

function describeRoute(preview: RoutePreview | null): string | null {
  if (!preview || preview.outcome !== 'routed' || preview.steps.length === 0) return null;
  return preview.steps
    .map((step) => `${step.label} (${step.approvers.map((approver) => approver.name ?? approver.email).join(', ')})`)
    .join(', then ');
}
