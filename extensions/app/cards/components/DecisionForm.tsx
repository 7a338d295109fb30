// The approver's decision on the step that waits on them: approve, or reject with a comment (required to reject).
import { useState } from 'react';
import { ButtonRow, Heading, LoadingButton, Text, TextArea } from '@hubspot/ui-extensions';
import { decide, type Identity } from '../api.js';
import type { DecideBody, RequestView, Verdict } from '../api-types.js';
import { problemFor } from '../field-problems.js';
import { formatTime } from '../format.js';
import { useSubmit } from '../use-submit.js';
import { ActionError } from './ActionError.js';

export interface DecisionFormProps {
  identity: Identity;
  request: RequestView;
  timeZone: string;
  onDone: (title: string, message: string) => void;
  onReload: () => void;
}

export function DecisionForm({ identity, request, timeZone, onDone, onReload }: DecisionFormProps) {
  const [comment, setComment] = useState('');
  const [rejectTried, setRejectTried] = useState(false);
  const { busy, error, submit } = useSubmit();
  const text = comment.trim();
  const step = request.currentStepIndex === null ? undefined : request.steps[request.currentStepIndex];
  const fieldProblem = problemFor(error, 'comment') ?? (rejectTried && text === '' ? 'Say why you reject: the requester sees it.' : null);

  async function send(verdict: Verdict) {
    if (verdict === 'reject') {
      setRejectTried(true);
      if (text === '') return;
    }
    const body: Omit<DecideBody, 'idempotencyKey'> = { verdict, ...(text === '' ? {} : { comment: text }), expectedVersion: request.version };
    const answer = await submit(verdict, { requestId: request.id, ...body }, (idempotencyKey) =>
      decide(identity, request.id, { ...body, idempotencyKey }));
    if (answer) {
      onDone(verdict === 'approve' ? 'Approved' : 'Rejected', `You ${verdict === 'approve' ? 'approved' : 'rejected'} ${step ? `step “${step.label}” of ` : ''}the request by ${request.requester}.`);
    }
  }

  return (
    <>
      <Heading>Your decision</Heading>
      {step ? (
        <Text testId="decision-step">
          {`Step “${step.label}” waits on you${step.dueAt ? `, due ${formatTime(step.dueAt, timeZone)}` : ''}.`}
        </Text>
      ) : null}
      <TextArea
        label="Comment"
        name="comment"
        maxLength={2000}
        description="Optional to approve, required to reject. The requester sees it."
        value={comment}
        onChange={setComment}
        error={fieldProblem !== null}
        validationMessage={fieldProblem ?? undefined}
      />
      {error ? <ActionError error={error} onReload={onReload} /> : null}
      <ButtonRow>
        <LoadingButton testId="approve" variant="primary" loading={busy === 'approve'} disabled={busy === 'reject'} onClick={() => void send('approve')}>
          Approve
        </LoadingButton>
        <LoadingButton testId="reject" variant="destructive" loading={busy === 'reject'} disabled={busy === 'approve'} onClick={() => void send('reject')}>
          Reject
        </LoadingButton>
      </ButtonRow>
    </>
  );
}
