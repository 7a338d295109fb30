// Where the scorecard's baseline comes from: the portal's first 30 days, or a deals history export an admin
// imported (the file `simulate --history` reads). An import replaces the first 30 days; a reset goes back to them.
import { useState } from 'react';
import { Flex, Heading, Input, LoadingButton, Text, TextArea } from '@hubspot/ui-extensions';
import { ActionError } from '../../components/ActionError.js';
import { Loaded } from '../../components/Section.js';
import { problemFor } from '../../field-problems.js';
import { formatTime, plural } from '../../format.js';
import { getBaseline, setBaseline } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import type { BaselineAnswer } from '../../settings-types.js';
import { useLoad } from '../../use-load.js';
import { useSubmit } from '../../use-submit.js';

export function BaselinePanel({ identity, timeZone, notify, onSaved }: SectionProps & { onSaved: () => void }) {
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId]);
  const { state, reload } = useLoad(key, () => getBaseline(identity));
  return (
    <Flex direction="column" gap="sm">
      <Heading>Baseline</Heading>
      <Loaded state={state} what="the baseline" onRetry={reload} testId="retry-baseline">
        {(answer) => (
          <BaselineForm
            key={answer.version} answer={answer} identity={identity} timeZone={timeZone} notify={notify}
            onSaved={() => {
              reload();
              onSaved();
            }}
            onStale={reload}
          />
        )}
      </Loaded>
    </Flex>
  );
}

function BaselineForm({ answer, identity, timeZone, notify, onSaved, onStale }: SectionProps & {
  answer: BaselineAnswer;
  onSaved: () => void;
  onStale: () => void;
}) {
  const [history, setHistory] = useState('');
  const [fileName, setFileName] = useState('');
  const { busy, error, submit } = useSubmit();
  const { baseline } = answer;
  const imported = baseline?.source === 'import';

  async function reset() {
    const body = { source: 'first_30_days' as const, expectedVersion: answer.version };
    const done = await submit('reset', body, (idempotencyKey) => setBaseline(identity, { ...body, idempotencyKey }));
    if (!done) return;
    notify({ type: 'success', title: 'Baseline reset', message: 'The scorecard measures against the portal\'s first 30 days again.' });
    onSaved();
  }

  async function importHistory() {
    const name = fileName.trim();
    const body = { source: 'import' as const, history, ...(name === '' ? {} : { fileName: name }), expectedVersion: answer.version };
    const done = await submit('import', body, (idempotencyKey) => setBaseline(identity, { ...body, idempotencyKey }));
    if (!done) return;
    notify({ type: 'success', title: 'Baseline imported', message: `${plural(done.baseline?.samples ?? 0, 'row')} read, ${plural(done.baseline?.skippedRows ?? 0, 'row')} skipped.` });
    onSaved();
  }

  return (
    <Flex testId="baseline" direction="column" gap="sm">
      <Text testId="baseline-source">{describe(answer, timeZone)}</Text>
      {baseline?.notes.map((note) => <Text key={note} variant="microcopy">{note}</Text>)}
      {error ? <ActionError testId="baseline-error" error={error} onReload={onStale} /> : null}
      {imported ? (
        <LoadingButton testId="reset-baseline" loading={busy === 'reset'} onClick={() => void reset()}>
          Reset to the first 30 days
        </LoadingButton>
      ) : null}
      <TextArea
        testId="baseline-history" name="history" label="Import a deals history export"
        description="CSV (route,step,hours[,outcome][,request][,sla_hours][,request_state]) or JSON lines, as simulate --history reads it. It replaces the baseline."
        value={history} rows={4} onChange={(value: string) => setHistory(value)}
        error={problemFor(error, 'history') !== null} validationMessage={problemFor(error, 'history') ?? undefined}
      />
      <Input name="fileName" label="File name (optional)" value={fileName} onChange={(value: string) => setFileName(value)} />
      <LoadingButton testId="import-baseline" loading={busy === 'import'} disabled={history.trim() === ''} onClick={() => void importHistory()}>
        Import as the baseline
      </LoadingButton>
    </Flex>
  );
}

function describe({ baseline }: BaselineAnswer, timeZone: string): string {
  if (baseline === null) return 'Source: the first 30 days. The portal has no request yet, so there is no baseline.';
  if (baseline.source === 'import') {
    return `Source: imported from ${baseline.fileName ?? 'a history export'}${baseline.fixedBy ? ` by ${baseline.fixedBy}` : ''}${baseline.fixedAt ? ` on ${formatTime(baseline.fixedAt, timeZone)}` : ''}: ${plural(baseline.samples, 'row')} read, ${plural(baseline.skippedRows, 'row')} skipped.`;
  }
  const period = baseline.period ? ` (${formatTime(baseline.period.from, timeZone)} to ${formatTime(baseline.period.to, timeZone)})` : '';
  return `Source: the first 30 days${period}, ${plural(baseline.samples, 'request')}${baseline.provisional ? ', provisional until they have passed' : ''}.`;
}
