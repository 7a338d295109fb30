// The requester takes their request back, with an optional reason the approvers see.
import { useState } from 'react';
import { Heading, LoadingButton, TextArea } from '@hubspot/ui-extensions';
import { withdraw, type Identity } from '../api.js';
import type { RequestView, WithdrawBody } from '../api-types.js';
import { problemFor } from '../field-problems.js';
import { useSubmit } from '../use-submit.js';
import { ActionError } from './ActionError.js';

export interface WithdrawFormProps {
  identity: Identity;
  request: RequestView;
  onDone: (title: string, message: string) => void;
  onReload: () => void;
}

export function WithdrawForm({ identity, request, onDone, onReload }: WithdrawFormProps) {
  const [reason, setReason] = useState('');
  const { busy, error, submit } = useSubmit();
  const text = reason.trim();
  const fieldProblem = problemFor(error, 'reason');

  async function send() {
    const body: Omit<WithdrawBody, 'idempotencyKey'> = { ...(text === '' ? {} : { reason: text }), expectedVersion: request.version };
    const answer = await submit('withdraw', { requestId: request.id, ...body }, (idempotencyKey) =>
      withdraw(identity, request.id, { ...body, idempotencyKey }));
    if (answer) onDone('Request withdrawn', 'The approvers no longer see it; you can request again at any time.');
  }

  return (
    <>
      <Heading>Withdraw your request</Heading>
      <TextArea
        label="Reason (optional)"
        name="reason"
        maxLength={2000}
        value={reason}
        onChange={setReason}
        error={fieldProblem !== null}
        validationMessage={fieldProblem ?? undefined}
      />
      {error ? <ActionError error={error} onReload={onReload} /> : null}
      <LoadingButton testId="withdraw" variant="destructive" loading={busy === 'withdraw'} onClick={() => void send()}>
        Withdraw request
      </LoadingButton>
    </>
  );
}
