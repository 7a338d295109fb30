// The portal's targets, edited and saved against the version the admin loaded. Shares are typed as percentages and
// hours as hours; an empty bound is not judged. The service's 400 sits on the field it names; a 409 offers the latest.
import { useState } from 'react';
import { Button, Checkbox, Flex, Heading, Input, LoadingButton, Text } from '@hubspot/ui-extensions';
import { ActionError } from '../../components/ActionError.js';
import { Loaded } from '../../components/Section.js';
import { problemFor } from '../../field-problems.js';
import { formatTime } from '../../format.js';
import { getTargets, setTargets } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import type { ScorecardTargets, TargetsAnswer } from '../../settings-types.js';
import { useLoad } from '../../use-load.js';
import { useSubmit } from '../../use-submit.js';

type TextField = 'slaBreachMax' | 'approvalMin' | 'approvalMax' | 'reapprovalMax' | 'windowDays' | 'minSamples';

/** The form's text, one string per field: what the admin typed, checked only when saved. */
interface Draft {
  slaBreachMax: string;
  approvalMin: string;
  approvalMax: string;
  reapprovalMax: string;
  windowDays: string;
  minSamples: string;
  fromSla: boolean;
  routes: { routeId: string; p50Hours: string; p90Hours: string }[];
}

const percent = (share: number | null) => (share === null ? '' : String(Number((share * 100).toFixed(2))));
const hours = (value: number | null) => (value === null ? '' : String(value));

export function draftOf(targets: ScorecardTargets): Draft {
  return {
    slaBreachMax: percent(targets.slaBreachRate.max),
    approvalMin: percent(targets.approvalRate.min),
    approvalMax: percent(targets.approvalRate.max),
    reapprovalMax: percent(targets.reapprovalRate.max),
    windowDays: String(targets.windowDays),
    minSamples: String(targets.minSamples),
    fromSla: targets.cycle.fromSla,
    routes: targets.cycle.routes.map((route) => ({ routeId: route.routeId, p50Hours: hours(route.p50Hours), p90Hours: hours(route.p90Hours) })),
  };
}

/** A typed number, null for an empty field, or undefined when it is not a number (the field says so). */
function numberOf(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** The draft as targets, or the fields that are not numbers (by the service's path). */
export function targetsOf(draft: Draft): { targets: ScorecardTargets } | { unreadable: string[] } {
  const unreadable: string[] = [];
  const read = (path: string, text: string, scale = 1): number | null => {
    const value = numberOf(text);
    if (value === undefined) {
      unreadable.push(path);
      return null;
    }
    return value === null ? null : Number((value / scale).toFixed(6));
  };
  const required = (path: string, text: string): number => {
    const value = read(path, text);
    if (value === null && !unreadable.includes(path)) unreadable.push(path);
    return value ?? 0;
  };
  const targets: ScorecardTargets = {
    cycle: {
      fromSla: draft.fromSla,
      routes: draft.routes.map((route, i) => ({
        routeId: route.routeId,
        p50Hours: read(`cycle.routes[${i}].p50Hours`, route.p50Hours),
        p90Hours: read(`cycle.routes[${i}].p90Hours`, route.p90Hours),
      })),
    },
    slaBreachRate: { max: read('slaBreachRate.max', draft.slaBreachMax, 100) },
    approvalRate: { min: read('approvalRate.min', draft.approvalMin, 100), max: read('approvalRate.max', draft.approvalMax, 100) },
    reapprovalRate: { max: read('reapprovalRate.max', draft.reapprovalMax, 100) },
    windowDays: required('windowDays', draft.windowDays),
    minSamples: required('minSamples', draft.minSamples),
  };
  return unreadable.length > 0 ? { unreadable } : { targets };
}

export function TargetsPanel({ identity, timeZone, notify, onSaved }: SectionProps & { onSaved: () => void }) {
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId]);
  const { state, reload } = useLoad(key, () => getTargets(identity));
  return (
    <Flex direction="column" gap="sm">
      <Heading>Targets</Heading>
      <Loaded state={state} what="the targets" onRetry={reload} testId="retry-targets">
        {(answer) => (
          <TargetsForm
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

function TargetsForm({ answer, identity, timeZone, notify, onSaved, onStale }: SectionProps & {
  answer: TargetsAnswer;
  onSaved: () => void;
  onStale: () => void;
}) {
  const [draft, setDraftState] = useState<Draft>(() => draftOf(answer.targets));
  const [unreadable, setUnreadable] = useState<string[]>([]);
  // An edit clears the marks of fields that were not numbers: the next save checks again.
  const setDraft = (next: (current: Draft) => Draft) => {
    setUnreadable([]);
    setDraftState(next);
  };
  const [newRoute, setNewRoute] = useState('');
  const { busy, error, submit } = useSubmit();
  const edit = (patch: Partial<Draft>) => setDraft((current) => ({ ...current, ...patch }));
  const editRoute = (index: number, patch: Partial<Draft['routes'][number]>) =>
    setDraft((current) => ({ ...current, routes: current.routes.map((route, i) => (i === index ? { ...route, ...patch } : route)) }));
  const problem = (path: string) => (unreadable.includes(path) ? 'a number' : problemFor(error, path) ?? undefined);

  async function save() {
    const read = targetsOf(draft);
    if ('unreadable' in read) {
      setUnreadable(read.unreadable);
      return;
    }
    setUnreadable([]);
    const body = { targets: read.targets, expectedVersion: answer.version };
    const saved = await submit('targets', body, (idempotencyKey) => setTargets(identity, { ...body, idempotencyKey }));
    if (!saved) return;
    notify({ type: 'success', title: 'Targets saved', message: `Version ${saved.version}: posture judges them from now on.` });
    onSaved();
  }

  const field = (name: TextField, path: string, label: string, description: string) => (
    <Input
      name={name} label={label} description={description} value={draft[name]}
      error={problem(path) !== undefined} validationMessage={problem(path)}
      onChange={(value: string) => setDraft((current) => ({ ...current, [name]: value }))}
    />
  );

  return (
    <Flex testId="targets-form" direction="column" gap="sm">
      <Text variant="microcopy">
        {answer.isDefault ? 'The defaults: no admin has saved targets yet.' : `Version ${answer.version}, saved by ${answer.updatedBy ?? 'an admin'}${answer.updatedAt ? ` on ${formatTime(answer.updatedAt, timeZone)}` : ''}.`}
      </Text>
      {field('slaBreachMax', 'slaBreachRate.max', 'SLA breach rate, at most (%)', 'Of the steps whose SLA was settled. Empty: not judged.')}
      {field('approvalMin', 'approvalRate.min', 'Approval rate, at least (%)', 'Of the requests people decided. Empty: not judged.')}
      {field('approvalMax', 'approvalRate.max', 'Approval rate, at most (%)', 'Too high and approval may be a formality. Empty: not judged.')}
      {field('reapprovalMax', 'reapprovalRate.max', 'Re-approval rate, at most (%)', 'Of the requests closed, the share invalidated. Empty: not judged.')}
      {field('windowDays', 'windowDays', 'Posture judges the last (days)', 'From 1 to 90.')}
      {field('minSamples', 'minSamples', 'Fewest samples to judge a figure', 'A figure from fewer is shown, not judged.')}
      <Checkbox name="fromSla" checked={draft.fromSla} onChange={(checked: boolean) => edit({ fromSla: checked })}
        description="Routes without their own cycle target: p90 at most the sum of their step SLAs, p50 at most half of it.">
        Cycle time targets from the SLAs
      </Checkbox>
      {draft.routes.map((route, i) => (
        <Flex key={route.routeId} direction="row" gap="sm" align="end">
          <Text format={{ fontWeight: 'demibold' }}>{route.routeId}</Text>
          <Input
            name={`p50-${route.routeId}`} label="p50 at most (h)" value={route.p50Hours}
            error={problem(`cycle.routes[${i}].p50Hours`) !== undefined} validationMessage={problem(`cycle.routes[${i}].p50Hours`)}
            onChange={(value: string) => editRoute(i, { p50Hours: value })}
          />
          <Input
            name={`p90-${route.routeId}`} label="p90 at most (h)" value={route.p90Hours}
            error={problem(`cycle.routes[${i}].p90Hours`) !== undefined} validationMessage={problem(`cycle.routes[${i}].p90Hours`)}
            onChange={(value: string) => editRoute(i, { p90Hours: value })}
          />
          <Button testId={`remove-route-${route.routeId}`} variant="transparent"
            onClick={() => setDraft((current) => ({ ...current, routes: current.routes.filter((_, j) => j !== i) }))}>
            Remove
          </Button>
        </Flex>
      ))}
      <Flex direction="row" gap="sm" align="end">
        <Input name="newRoute" label="Cycle target for another route" placeholder="route id" value={newRoute} onChange={(value: string) => setNewRoute(value)} />
        <Button
          testId="add-route" disabled={newRoute.trim() === '' || draft.routes.some((route) => route.routeId === newRoute.trim())}
          onClick={() => {
            setDraft((current) => ({ ...current, routes: [...current.routes, { routeId: newRoute.trim(), p50Hours: '', p90Hours: '' }] }));
            setNewRoute('');
          }}
        >
          Add route
        </Button>
      </Flex>
      {error ? <ActionError testId="targets-error" error={error} onReload={onStale} /> : null}
      <LoadingButton testId="save-targets" variant="primary" loading={busy === 'targets'} onClick={() => void save()}>Save targets</LoadingButton>
    </Flex>
  );
}
