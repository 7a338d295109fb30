// Saving the draft as a version, then staging it in shadow or activating it.
import { useState } from 'react';
import { Button, ButtonRow, Flex, LoadingButton, Text } from '@hubspot/ui-extensions';
import { ActionError } from '../../components/ActionError.js';
import { savePolicy } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import type { PolicyOverview } from '../../settings-types.js';
import { useSubmit } from '../../use-submit.js';
import type { ActivationTarget } from './ActivationPanel.js';
import type { Validation } from './use-validation.js';

export interface DraftActionsProps extends Pick<SectionProps, 'identity' | 'notify'> {
  draft: string;
  validation: Validation;
  active: PolicyOverview['active'];
  onSaved: () => void;
  onStage: (version: number) => void;
  onActivate: (target: ActivationTarget) => void;
  staging: boolean;
}

export function DraftActions({ identity, notify, draft, validation, active, onSaved, onStage, onActivate, staging }: DraftActionsProps) {
  const [saved, setSaved] = useState<{ version: number; name: string; hash: string } | null>(null);
  const { busy, error, submit } = useSubmit();
  const valid = validation.status === 'checked' && validation.answer.valid;
  const unchanged = active !== null && draft === active.source;
  // The saved version stays offered only while the draft is still its text.
  const current = saved !== null && validation.status === 'checked' && validation.answer.hash === saved.hash ? saved : null;

  async function save() {
    const body = { source: draft, expectedActiveVersion: active?.version ?? null };
    const answer = await submit('save', body, (idempotencyKey) => savePolicy(identity, { ...body, idempotencyKey }));
    if (!answer) return;
    setSaved(answer.version);
    notify({
      type: 'success',
      title: answer.created ? `Saved as version ${answer.version.version}` : `Already saved as version ${answer.version.version}`,
      message: 'Nothing routes with it until it is activated.',
    });
    onSaved();
  }

  return (
    <Flex direction="column" gap="xs">
      {error ? <ActionError testId="save-error" error={error} onReload={onSaved} /> : null}
      <ButtonRow>
        <LoadingButton testId="save-draft" variant="primary" loading={busy === 'save'} disabled={!valid || unchanged} onClick={() => void save()}>
          Save as a new version
        </LoadingButton>
        {current ? (
          <>
            <LoadingButton testId="stage-draft" loading={staging} onClick={() => onStage(current.version)}>
              {`Stage version ${current.version} in shadow`}
            </LoadingButton>
            <Button testId="activate-draft" onClick={() => onActivate({ version: current.version, name: current.name, candidate: false })}>
              {`Activate version ${current.version}…`}
            </Button>
          </>
        ) : null}
      </ButtonRow>
      {unchanged ? <Text variant="microcopy">The draft is the active version&apos;s text: edit it to save a new version.</Text> : null}
    </Flex>
  );
}
