// Setting an away window: who is away (an admin may name anyone; anyone else sets their own), who acts for them,
// and the days, counted in the portal's time zone (from the first day's midnight to the midnight after the last).
import { useState } from 'react';
import { DateInput, Flex, Heading, Input, LoadingButton, Text } from '@hubspot/ui-extensions';
import { ActionError } from '../../components/ActionError.js';
import { problemFor } from '../../field-problems.js';
import { formatTime, nextDay, startOfDay, type Day } from '../../format.js';
import { addDelegation } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import { useSubmit } from '../../use-submit.js';

export interface DelegationFormProps extends SectionProps {
  /** Admins set anyone's window; anyone else only their own. */
  admin: boolean;
  /** The version of the portal's delegations the list showed. */
  version: number;
  onDone: () => void;
}

export function DelegationForm({ identity, timeZone, notify, admin, version, onDone }: DelegationFormProps) {
  const self = identity.userEmail;
  const [from, setFrom] = useState(admin ? '' : self);
  const [to, setTo] = useState('');
  const [first, setFirst] = useState<Day | null>(null);
  const [last, setLast] = useState<Day | null>(null);
  const { busy, error, submit } = useSubmit();
  const away = (admin ? from : self).trim();
  const ready = away !== '' && to.trim() !== '' && first !== null && last !== null;

  async function add() {
    if (!first || !last) return;
    const body = { from: away, to: to.trim(), startsAt: startOfDay(first, timeZone), endsAt: startOfDay(nextDay(last), timeZone), expectedVersion: version };
    const answer = await submit('add', body, (idempotencyKey) => addDelegation(identity, { ...body, idempotencyKey }));
    if (!answer) return;
    notify({
      type: answer.warnings && answer.warnings.length > 0 ? 'warning' : 'success',
      title: `${answer.delegation.to} acts for ${answer.delegation.from}`,
      message: [`From ${formatTime(body.startsAt, timeZone)} to ${formatTime(body.endsAt, timeZone)}.`, ...(answer.warnings ?? [])].join(' '),
    });
    setTo('');
    setFirst(null);
    setLast(null);
    onDone();
  }

  const fieldProps = (field: string) => {
    const problem = problemFor(error, field);
    return { error: problem !== null, validationMessage: problem ?? undefined };
  };

  return (
    <Flex testId="delegation-form" direction="column" gap="sm">
      <Heading>{admin ? 'Add an away window' : 'Set your away window'}</Heading>
      {admin
        ? <Input testId="delegation-from" label="Who is away" name="from" description="Their email in HubSpot." value={from} onChange={setFrom} {...fieldProps('from')} />
        : <Text testId="delegation-self">{`You (${self}) are away.`}</Text>}
      <Input testId="delegation-to" label="Who approves for them" name="to" description="Their email in HubSpot." value={to} onChange={setTo} {...fieldProps('to')} />
      <Flex direction="row" gap="sm">
        <DateInput testId="delegation-first" label="First day away" name="first" timezone="portalTz" value={first ?? undefined} onChange={setFirst} {...fieldProps('startsAt')} />
        <DateInput testId="delegation-last" label="Last day away" name="last" timezone="portalTz" value={last ?? undefined} onChange={setLast} min={first ?? undefined} {...fieldProps('endsAt')} />
      </Flex>
      {error ? <ActionError testId="delegation-error" error={error} onReload={onDone} /> : null}
      <LoadingButton testId="add-delegation" variant="primary" loading={busy === 'add'} disabled={!ready} onClick={() => void add()}>
        Set the away window
      </LoadingButton>
    </Flex>
  );
}
