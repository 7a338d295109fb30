// Away windows: while one runs, the approver's steps go to their delegate (one hop). Admins list, add and end anyone's;
// anyone else sees the windows they are part of and sets or ends their own.
import { Divider, Flex, Heading, LoadingButton, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import { ActionError } from '../components/ActionError.js';
import { Loaded } from '../components/Section.js';
import { formatTime } from '../format.js';
import { endDelegation, getDelegations } from '../settings-api.js';
import type { SectionProps } from '../settings-props.js';
import type { DelegationListAnswer, DelegationStatus, DelegationView } from '../settings-types.js';
import { useLoad } from '../use-load.js';
import { useSubmit } from '../use-submit.js';
import { DelegationForm } from './delegations/DelegationForm.js';

const STATUS_VARIANT: Record<DelegationStatus, 'success' | 'info' | 'default' | 'danger'> = { active: 'success', upcoming: 'info', ended: 'default', revoked: 'danger' };

export function DelegationsSection(section: SectionProps) {
  const { identity } = section;
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId, identity.userEmail]);
  const { state, reload } = useLoad(key, () => getDelegations(identity));
  return (
    <Flex testId="delegations" direction="column" gap="md">
      <Loaded state={state} what="the delegations" onRetry={reload} testId="retry-delegations">
        {(list) => (
          <>
            <DelegationList {...section} list={list} onChanged={reload} />
            <Divider />
            <DelegationForm {...section} admin={list.scope === 'portal'} version={list.version} onDone={reload} />
          </>
        )}
      </Loaded>
    </Flex>
  );
}

function DelegationList({ identity, timeZone, notify, list, onChanged }: SectionProps & { list: DelegationListAnswer; onChanged: () => void }) {
  const { busy, error, submit } = useSubmit();
  const admin = list.scope === 'portal';
  const mayEnd = (d: DelegationView) => (d.status === 'active' || d.status === 'upcoming') && (admin || d.from === identity.userEmail.toLowerCase());

  async function end(d: DelegationView) {
    const answer = await submit(`end-${d.id}`, { id: d.id, expectedVersion: list.version }, (idempotencyKey) =>
      endDelegation(identity, d.id, { idempotencyKey, expectedVersion: list.version }));
    if (!answer) return;
    notify({ type: 'success', title: 'Away window ended', message: `${answer.delegation.from}'s approvals go to them again.` });
    onChanged();
  }

  return (
    <>
      <Heading>{admin ? 'Away windows in this portal' : 'Your away windows'}</Heading>
      {error ? <ActionError testId="end-error" error={error} onReload={onChanged} /> : null}
      {list.delegations.length === 0 ? <Text testId="no-delegations">No away window is set.</Text> : (
        <Table testId="delegation-table" bordered>
          <TableHead>
            <TableRow>
              <TableHeader>Away</TableHeader><TableHeader>Approves for them</TableHeader><TableHeader>From</TableHeader>
              <TableHeader>Until</TableHeader><TableHeader>Status</TableHeader><TableHeader>Set by</TableHeader><TableHeader> </TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {list.delegations.map((d) => (
              <TableRow key={d.id}>
                <TableCell>{d.fromName ? `${d.fromName} (${d.from})` : d.from}</TableCell>
                <TableCell>{d.toName ? `${d.toName} (${d.to})` : d.to}</TableCell>
                <TableCell>{formatTime(d.startsAt, timeZone)}</TableCell>
                <TableCell>{formatTime(d.endsAt, timeZone)}</TableCell>
                <TableCell><StatusTag variant={STATUS_VARIANT[d.status]}>{d.status}</StatusTag></TableCell>
                <TableCell>{d.status === 'revoked' && d.revokedBy ? `${d.createdBy}; ended by ${d.revokedBy}` : d.createdBy}</TableCell>
                <TableCell>
                  {mayEnd(d) ? (
                    <LoadingButton testId={`end-${d.id}`} size="xs" variant="destructive" loading={busy === `end-${d.id}`} disabled={busy !== null} onClick={() => void end(d)}>
                      End
                    </LoadingButton>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </>
  );
}
