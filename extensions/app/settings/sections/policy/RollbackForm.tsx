// Back to the last stable version, with a reason: traced, and recorded as an incident.
import { useState } from 'react';
import { Flex, Heading, LoadingButton, Text, TextArea } from '@hubspot/ui-extensions';
import { ActionError } from '../../components/ActionError.js';
import { problemFor } from '../../field-problems.js';
import { formatTime } from '../../format.js';
import { rollBack } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import type { PolicyOverview } from '../../settings-types.js';
import { useSubmit } from '../../use-submit.js';

export interface RollbackFormProps extends SectionProps {
  target: NonNullable<PolicyOverview['rollbackTarget']>;
  activeVersion: number;
  onDone: () => void;
}

export function RollbackForm({ identity, timeZone, notify, target, activeVersion, onDone }: RollbackFormProps) {
  const [reason, setReason] = useState('');
  const { busy, error, submit } = useSubmit();
  const text = reason.trim();

  async function send() {
    const body = { reason: text, expectedActiveVersion: activeVersion };
    const answer = await submit('rollback', body, (idempotencyKey) => rollBack(identity, { ...body, idempotencyKey }));
    if (!answer) return;
    notify({
      type: 'success',
      title: `Rolled back to version ${answer.active.version}`,
      message: `Version ${answer.previous.version} is no longer active; incident ${answer.incidentId} records why.`,
    });
    setReason('');
    onDone();
  }

  return (
    <Flex testId="rollback" direction="column" gap="xs">
      <Heading>Roll back</Heading>
      <Text>{`To version ${target.version} (${target.name}), stable since ${formatTime(target.stableAt, timeZone)}.`}</Text>
      <TextArea
        testId="rollback-reason"
        label="Why roll back?"
        name="rollback-reason"
        maxLength={2000}
        value={reason}
        onChange={setReason}
        error={problemFor(error, 'reason') !== null}
        validationMessage={problemFor(error, 'reason') ?? undefined}
      />
      {error ? <ActionError testId="rollback-error" error={error} onReload={onDone} /> : null}
      <LoadingButton testId="roll-back" variant="destructive" loading={busy === 'rollback'} disabled={text === ''} onClick={() => void send()}>
        {`Roll back to version ${target.version}`}
      </LoadingButton>
    </Flex>
  );
}
