// The rollout: the feature flag with what each setting means, posture now and every transition it made, and who
// administers the app.
import { Divider, Flex } from '@hubspot/ui-extensions';
import type { SectionProps } from '../settings-props.js';
import type { PolicyOverview } from '../settings-types.js';
import { AdminList } from './rollout/AdminList.js';
import { FlagForm } from './rollout/FlagForm.js';
import { PostureHistory } from './rollout/PostureHistory.js';
import { PostureNow } from './rollout/PostureNow.js';

export interface RolloutSectionProps extends SectionProps {
  overview: PolicyOverview;
  onChanged: () => void;
}

export function RolloutSection({ overview, onChanged, ...section }: RolloutSectionProps) {
  return (
    <Flex direction="column" gap="md">
      <FlagForm
        key={`${overview.featureFlag}:${overview.flagVersion}`}
        identity={section.identity} notify={section.notify} flag={overview.featureFlag} flagVersion={overview.flagVersion} onDone={onChanged}
      />
      <Divider />
      <PostureNow identity={section.identity} timeZone={section.timeZone} version={overview.active?.version ?? null} />
      <PostureHistory identity={section.identity} timeZone={section.timeZone} />
      <Divider />
      <AdminList identity={section.identity} timeZone={section.timeZone} />
    </Flex>
  );
}
