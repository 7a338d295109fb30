// The routing policy: the version in force, rolling back, the draft with its problems as the admin types, what the
// draft would change on recent deals, the candidate in shadow and its disagreements, activation through the
// promotion gate, and every version saved.
import { useState } from 'react';
import { Divider, Flex } from '@hubspot/ui-extensions';
import { ActionError } from '../components/ActionError.js';
import { stageVersion } from '../settings-api.js';
import type { SectionProps } from '../settings-props.js';
import type { PolicyOverview } from '../settings-types.js';
import { useSubmit } from '../use-submit.js';
import { ActivationPanel, type ActivationTarget } from './policy/ActivationPanel.js';
import { ActiveVersion } from './policy/ActiveVersion.js';
import { CandidatePanel } from './policy/CandidatePanel.js';
import { DraftActions } from './policy/DraftActions.js';
import { PolicyEditor } from './policy/PolicyEditor.js';
import { RollbackForm } from './policy/RollbackForm.js';
import { SimulationPanel } from './policy/SimulationPanel.js';
import { useValidation } from './policy/use-validation.js';
import { VersionHistory } from './policy/VersionHistory.js';

export interface PolicySectionProps extends SectionProps {
  overview: PolicyOverview;
  /** Reloads the overview after a write. */
  onChanged: () => void;
}

export function PolicySection({ overview, onChanged, ...section }: PolicySectionProps) {
  const { identity, timeZone, notify } = section;
  const { active, rollbackTarget } = overview;
  const [draft, setDraft] = useState(active?.source ?? '');
  const validation = useValidation(identity, draft);
  const [target, setTarget] = useState<ActivationTarget | null>(null);
  const staging = useSubmit();
  const candidate = overview.versions.find((version) => version.isCandidate) ?? null;

  async function stage(version: number) {
    const answer = await staging.submit('stage', { version }, () => stageVersion(identity, version));
    if (!answer) return;
    notify({
      type: 'success',
      title: `Version ${answer.candidate.version} runs in shadow`,
      message: 'Every card view and request now evaluates it beside the active version; its disagreements show here.',
    });
    onChanged();
  }

  return (
    <Flex direction="column" gap="md">
      <ActiveVersion active={active} timeZone={timeZone} />
      {active && rollbackTarget ? (
        <RollbackForm {...section} target={rollbackTarget} activeVersion={active.version} onDone={onChanged} />
      ) : null}
      {target ? (
        <ActivationPanel
          identity={identity} notify={notify} target={target} expectedActiveVersion={active?.version ?? null}
          onDone={() => {
            setTarget(null);
            onChanged();
          }}
          onCancel={() => setTarget(null)}
        />
      ) : null}
      <Divider />
      <PolicyEditor draft={draft} onChange={setDraft} validation={validation} />
      <DraftActions
        identity={identity} notify={notify} draft={draft} validation={validation} active={active}
        onSaved={onChanged} onStage={(version) => void stage(version)} onActivate={setTarget} staging={staging.busy !== null}
      />
      <SimulationPanel identity={identity} timeZone={timeZone} draft={draft} validation={validation} />
      <Divider />
      {staging.error ? <ActionError testId="stage-error" error={staging.error} onReload={onChanged} /> : null}
      {candidate ? (
        <CandidatePanel
          identity={identity} timeZone={timeZone} version={candidate.version}
          onActivate={(summary) => setTarget({ version: summary.candidate.version, name: summary.candidate.name, candidate: true })}
        />
      ) : null}
      <VersionHistory
        versions={overview.versions} timeZone={timeZone} onActivate={setTarget} onStage={(version) => void stage(version)}
        busy={staging.busy !== null}
      />
    </Flex>
  );
}
