// Every posture transition the service stored, newest first, with its reasons and the version it judged.
import { Flex, Heading, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import { Loaded } from '../../components/Section.js';
import { formatTime } from '../../format.js';
import { getPostureHistory } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import { useLoad } from '../../use-load.js';
import { POSTURE_VARIANT } from './PostureNow.js';

export function PostureHistory({ identity, timeZone }: Pick<SectionProps, 'identity' | 'timeZone'>) {
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId]);
  const { state, reload } = useLoad(key, () => getPostureHistory(identity));
  return (
    <Flex testId="posture-history" direction="column" gap="sm">
      <Heading>Posture history</Heading>
      <Loaded state={state} what="the posture history" onRetry={reload} testId="retry-posture-history">
        {({ transitions }) => transitions.length === 0 ? <Text testId="no-posture-history">No posture change recorded yet.</Text> : (
          <Table testId="posture-transitions" bordered paginated={false}>
            <TableHead>
              <TableRow><TableHeader>When</TableHeader><TableHeader>Change</TableHeader><TableHeader>Version</TableHeader><TableHeader>Why</TableHeader></TableRow>
            </TableHead>
            <TableBody>
              {transitions.map((t) => (
                <TableRow key={t.id}>
                  <TableCell>{formatTime(t.at, timeZone)}</TableCell>
                  <TableCell>
                    <Flex direction="row" gap="xs">
                      {t.from ? <StatusTag variant={POSTURE_VARIANT[t.from]}>{t.from}</StatusTag> : null}
                      <Text>→</Text>
                      <StatusTag variant={POSTURE_VARIANT[t.to]}>{t.to}</StatusTag>
                    </Flex>
                  </TableCell>
                  <TableCell>{t.version === null ? '' : String(t.version)}</TableCell>
                  <TableCell>{t.reasons.length === 0 ? 'all signals within bounds' : t.reasons.join('; ')}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Loaded>
    </Flex>
  );
}
