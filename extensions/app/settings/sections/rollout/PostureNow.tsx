// Posture now: healthy, degraded or critical, why, over which window, and where a rollback would go.
import { DescriptionList, DescriptionListItem, Flex, Heading, StatusTag, Text } from '@hubspot/ui-extensions';
import { Loaded } from '../../components/Section.js';
import { formatTime, shortHash } from '../../format.js';
import { getPosture } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import type { Posture, PostureAnswer } from '../../settings-types.js';
import { useLoad } from '../../use-load.js';

export const POSTURE_VARIANT: Record<Posture, 'success' | 'warning' | 'danger'> = { healthy: 'success', degraded: 'warning', critical: 'danger' };

export function PostureNow({ identity, timeZone, version }: Pick<SectionProps, 'identity' | 'timeZone'> & { version: number | null }) {
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId, version]);
  const { state, reload } = useLoad(key, () => getPosture(identity));
  return (
    <Flex testId="posture-now" direction="column" gap="sm">
      <Heading>Posture now</Heading>
      <Loaded state={state} what="the posture" onRetry={reload} testId="retry-posture">
        {(posture) => <PostureView posture={posture} timeZone={timeZone} />}
      </Loaded>
    </Flex>
  );
}

function PostureView({ posture, timeZone }: { posture: PostureAnswer; timeZone: string }) {
  return (
    <>
      <Flex direction="row" gap="xs" align="center">
        <StatusTag testId="posture-tag" variant={POSTURE_VARIANT[posture.posture]}>{posture.posture}</StatusTag>
        <Text>{`over the ${posture.window.minutes} minutes to ${formatTime(posture.window.until, timeZone)}`}</Text>
      </Flex>
      {posture.reasons.map((reason) => <Text key={reason}>{reason}</Text>)}
      <DescriptionList direction="row">
        <DescriptionListItem label="Judged version">
          {posture.active
            ? `${posture.active.version} (${shortHash(posture.active.hash)}), ${posture.active.stableAt ? `stable since ${formatTime(posture.active.stableAt, timeZone)}` : posture.active.inProbation ? 'on probation' : 'not yet found stable'}`
            : 'none active'}
        </DescriptionListItem>
        <DescriptionListItem label="Rollback would go to">
          {posture.rollbackTarget ? `version ${posture.rollbackTarget.version} (${shortHash(posture.rollbackTarget.hash)})` : 'nowhere: no stable version to return to'}
        </DescriptionListItem>
      </DescriptionList>
    </>
  );
}
