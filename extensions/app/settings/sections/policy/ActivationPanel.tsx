// Activating a version through the promotion gate: each of the gate's steps with what passed or is missing, and the
// activation itself. When the gate refuses, an admin may override it with a reason (traced, and shown among the
// incidents); re-activating a version posture rolled back needs a reason too.
import { useState } from 'react';
import {
  Alert, Button, ButtonRow, Checkbox, Flex, Heading, LoadingButton, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader,
  TableRow, Text, TextArea,
} from '@hubspot/ui-extensions';
import { ActionError } from '../../components/ActionError.js';
import { problemFor } from '../../field-problems.js';
import { Loaded } from '../../components/Section.js';
import type { ApiError } from '../../service.js';
import { activateVersion, getGate, promoteCandidate } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import type { GatedActivateBody, GateStatus, GateStep, GateStepId } from '../../settings-types.js';
import { useLoad } from '../../use-load.js';
import { useSubmit } from '../../use-submit.js';

/** The version to activate, and whether it is the staged candidate (promoted, so the candidate slot clears). */
export interface ActivationTarget {
  version: number;
  name: string;
  candidate: boolean;
}

export interface ActivationPanelProps extends Pick<SectionProps, 'identity' | 'notify'> {
  target: ActivationTarget;
  /** The active version the admin sees now (null: none); the service refuses the activation if it moved on. */
  expectedActiveVersion: number | null;
  onDone: () => void;
  onCancel: () => void;
}

export const GATE_STEP_LABELS: Record<GateStepId, string> = {
  validated: 'Validated',
  simulated: 'Simulated on recent deals',
  routable: 'Every deal routable, or accepted',
  shadow: 'Ran in shadow',
  reactivation: 'Re-activating a rolled-back version',
};

/** The service refuses a gated activation with 409 and one detail per missing step, `gate.<step>`. */
const GATE_DETAIL = 'gate.';

export function ActivationPanel({ identity, notify, target, expectedActiveVersion, onDone, onCancel }: ActivationPanelProps) {
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId, target.version]);
  const { state, reload } = useLoad(key, () => getGate(identity, target.version));
  return (
    <Flex testId="activation" direction="column" gap="sm">
      <Heading>{`Activate version ${target.version}: ${target.name}`}</Heading>
      <Loaded state={state} what="the promotion gate" onRetry={reload} testId="retry-gate">
        {(gate) => (
          <ActivationForm
            identity={identity} notify={notify} target={target} expectedActiveVersion={expectedActiveVersion}
            gate={gate} onRefused={reload} onDone={onDone} onCancel={onCancel}
          />
        )}
      </Loaded>
    </Flex>
  );
}

function ActivationForm({ identity, notify, target, expectedActiveVersion, gate, onRefused, onDone, onCancel }: ActivationPanelProps & {
  gate: GateStatus;
  onRefused: () => void;
}) {
  const [reason, setReason] = useState('');
  const [override, setOverride] = useState(false);
  const { busy, error, submit } = useSubmit();
  const needsOverride = gate.missing.some((id) => id !== 'reactivation');
  const needsReason = needsOverride || gate.missing.includes('reactivation');
  const text = reason.trim();
  const ready = (!needsOverride || override) && (!needsReason || text !== '');

  async function activate() {
    const body: Omit<GatedActivateBody, 'idempotencyKey'> = {
      expectedActiveVersion,
      ...(needsOverride ? { override: true } : {}),
      ...(text !== '' ? { reason: text } : {}),
    };
    const answer = await submit('activate', { version: target.version, ...body }, (idempotencyKey) => target.candidate
      ? promoteCandidate(identity, { ...body, idempotencyKey })
      : activateVersion(identity, target.version, { ...body, idempotencyKey }));
    if (!answer) return;
    const said = answer.overridden
      ? `Activated over the promotion gate${answer.incidentId ? `; incident ${answer.incidentId} records why` : ''}.`
      : 'It routes every new request from now on.';
    notify({ type: answer.warnings.length > 0 ? 'warning' : 'success', title: `Version ${answer.version.version} is active`, message: [said, ...answer.warnings].join(' ') });
    onDone();
  }

  const refusal = gateRefusal(error);
  return (
    <Flex direction="column" gap="sm">
      <GateSteps steps={gate.steps} />
      {gate.warnings.map((warning) => <Alert key={warning} title="Before you activate" variant="warning">{warning}</Alert>)}
      {refusal ? <GateRefused refusal={refusal} onReload={onRefused} /> : error ? <ActionError error={error} onReload={onRefused} /> : null}
      {needsOverride ? (
        <Checkbox testId="override" name="override" checked={override} onChange={setOverride}
          description="The override and its reason are traced and listed among the incidents.">
          Activate anyway, over the promotion gate
        </Checkbox>
      ) : null}
      {needsReason ? (
        <TextArea
          testId="activation-reason"
          label={needsOverride ? 'Why activate it over the gate?' : 'Why activate it again?'}
          name="activation-reason"
          required
          maxLength={2000}
          value={reason}
          onChange={setReason}
          error={problemFor(error, 'reason') !== null}
          validationMessage={problemFor(error, 'reason') ?? undefined}
        />
      ) : null}
      <ButtonRow>
        <LoadingButton
          testId="activate"
          variant={needsOverride ? 'destructive' : 'primary'}
          loading={busy === 'activate'}
          disabled={!ready}
          onClick={() => void activate()}
        >
          {needsOverride ? `Override the gate and activate version ${target.version}` : `Activate version ${target.version}`}
        </LoadingButton>
        <Button testId="cancel-activation" variant="secondary" onClick={onCancel}>Cancel</Button>
      </ButtonRow>
    </Flex>
  );
}

function GateSteps({ steps }: { steps: GateStep[] }) {
  return (
    <Table testId="gate-steps" bordered>
      <TableHead>
        <TableRow><TableHeader>Promotion gate</TableHeader><TableHeader>Status</TableHeader><TableHeader>What it found</TableHeader></TableRow>
      </TableHead>
      <TableBody>
        {steps.map((step) => (
          <TableRow key={step.id}>
            <TableCell>{GATE_STEP_LABELS[step.id]}</TableCell>
            <TableCell>
              <StatusTag variant={step.status === 'passed' ? 'success' : step.status === 'missing' ? 'danger' : 'default'}>
                {step.status === 'passed' ? 'Passed' : step.status === 'missing' ? 'Missing' : 'Not required'}
              </StatusTag>
            </TableCell>
            <TableCell>{step.message}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** The gate's refusals in a 409, by step. */
function gateRefusal(error: ApiError | null): { step: string; message: string }[] | null {
  if (error?.kind !== 'conflict') return null;
  const steps = error.details.filter((detail) => detail.path.startsWith(GATE_DETAIL));
  if (steps.length === 0) return null;
  return steps.map((detail) => {
    const id = detail.path.slice(GATE_DETAIL.length) as GateStepId;
    return { step: GATE_STEP_LABELS[id] ?? id, message: detail.message };
  });
}

function GateRefused({ refusal, onReload }: { refusal: { step: string; message: string }[]; onReload: () => void }) {
  return (
    <Alert testId="gate-refused" title="The promotion gate refused the activation" variant="danger">
      {refusal.map((item) => <Text key={item.step}>{`${item.step}: ${item.message}`}</Text>)}
      <Button testId="reload-gate" size="xs" onClick={onReload}>Check the gate again</Button>
    </Alert>
  );
}
