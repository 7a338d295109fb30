// The deal sidebar card: the approver's quick decision on what waits on them here, and nothing else.
import { Flex, hubspot, LoadingSpinner, Text } from '@hubspot/ui-extensions';
import { identityOf } from './api.js';
import type { CardProps } from './card-props.js';
import { AppOff } from './components/AppOff.js';
import { DecisionForm } from './components/DecisionForm.js';
import { LoadError } from './components/LoadError.js';
import { NothingToApprove } from './components/NothingToApprove.js';
import { ShadowBanner } from './components/ShadowBanner.js';
import { WaitingSummary } from './components/WaitingSummary.js';
import { useCardView } from './use-card-view.js';

hubspot.extend<'crm.record.sidebar'>(({ context, actions }) => <DealSidebarCard context={context} actions={actions} />);

export function DealSidebarCard({ context, actions }: CardProps) {
  const identity = identityOf(context);
  const timeZone = context.portal.timezone;
  const { state, reload } = useCardView(identity, String(context.crm.objectId));

  if (state.status === 'loading') return <LoadingSpinner label="Loading approvals" showLabel layout="centered" />;
  if (state.status === 'error') return <LoadError error={state.error} onRetry={reload} />;
  const { view } = state;
  if (view.mode === 'off') return <AppOff notices={view.notices} />;

  const shadow = view.mode === 'shadow';
  const request = view.request;
  const pending = request?.state === 'pending';
  const waitsOnViewer = view.actions.decide && pending && request.requester !== view.viewer.email;
  const activeStep = pending && request.currentStepIndex !== null ? request.steps[request.currentStepIndex] : undefined;

  const onDone = (title: string, message: string) => {
    actions.addAlert({ type: 'success', title: shadow ? `${title} (preview)` : title, message });
    actions.refreshObjectProperties();
    reload();
  };

  return (
    <Flex direction="column" gap="sm">
      {shadow ? <ShadowBanner /> : null}
      {waitsOnViewer ? (
        <>
          <WaitingSummary request={request} dealScore={view.score?.value ?? null} timeZone={timeZone} />
          <DecisionForm identity={identity} request={request} timeZone={timeZone} onDone={onDone} onReload={reload} />
        </>
      ) : (
        <>
          <NothingToApprove title="Nothing waits on you here" notices={view.notices} />
          {activeStep && activeStep.waitingOn.length > 0
            ? <Text testId="waiting-on-others">{`Step “${activeStep.label}” waits on ${activeStep.waitingOn.join(', ')}.`}</Text>
            : null}
        </>
      )}
    </Flex>
  );
}
