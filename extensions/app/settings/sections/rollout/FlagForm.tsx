// The portal's feature flag: off, shadow or on, with what each means, changed against the flag version the admin saw.
import { useState } from 'react';
import { Flex, Heading, LoadingButton, Text, ToggleGroup } from '@hubspot/ui-extensions';
import { ActionError } from '../../components/ActionError.js';
import { setFlag } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import type { FeatureFlag } from '../../settings-types.js';
import { useSubmit } from '../../use-submit.js';

export const FLAG_MEANINGS: Record<FeatureFlag, { label: string; meaning: string }> = {
  off: {
    label: 'Off',
    meaning: 'The cards say approval routing is off. No request is accepted and nothing is written to HubSpot.',
  },
  shadow: {
    label: 'Shadow',
    meaning: 'Scores, routes, requests and traces as a preview, labelled so on the cards. No deal property is written, no task is made, no stage is gated.',
  },
  on: {
    label: 'On',
    meaning: 'All of it: requests go to their approvers, deals get their approval properties and tasks, and gated stages need an approval.',
  },
};

const FLAGS: FeatureFlag[] = ['off', 'shadow', 'on'];

export interface FlagFormProps extends Pick<SectionProps, 'identity' | 'notify'> {
  flag: FeatureFlag;
  flagVersion: number;
  onDone: () => void;
}

export function FlagForm({ identity, notify, flag, flagVersion, onDone }: FlagFormProps) {
  const [choice, setChoice] = useState<FeatureFlag>(flag);
  const { busy, error, submit } = useSubmit();

  async function apply() {
    const body = { flag: choice, expectedVersion: flagVersion };
    const answer = await submit('flag', body, (idempotencyKey) => setFlag(identity, { ...body, idempotencyKey }));
    if (!answer) return;
    notify({ type: 'success', title: `Approval routing is ${FLAG_MEANINGS[answer.flag].label.toLowerCase()}`, message: FLAG_MEANINGS[answer.flag].meaning });
    onDone();
  }

  return (
    <Flex direction="column" gap="sm">
      <Heading>Feature flag</Heading>
      <Text>{`Now: ${FLAG_MEANINGS[flag].label}. ${FLAG_MEANINGS[flag].meaning}`}</Text>
      <ToggleGroup
        testId="flag-choice"
        toggleType="radioButtonList"
        name="flag"
        label="Approval routing in this portal"
        value={choice}
        onChange={(value: string) => setChoice(FLAGS.find((candidate) => candidate === value) ?? flag)}
        options={FLAGS.map((value) => ({ value, label: FLAG_MEANINGS[value].label, description: FLAG_MEANINGS[value].meaning }))}
      />
      {error ? <ActionError testId="flag-error" error={error} onReload={onDone} /> : null}
      <LoadingButton testId="apply-flag" variant="primary" loading={busy === 'flag'} disabled={choice === flag} onClick={() => void apply()}>
        {`Turn it ${FLAG_MEANINGS[choice].label.toLowerCase()}`}
      </LoadingButton>
    </Flex>
  );
}
