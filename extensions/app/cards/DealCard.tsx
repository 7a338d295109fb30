// The deal record tab card: the score and why, the route a request would take, the current request step by step,
// the deal's earlier requests on demand, and what this viewer may do now (request, decide, withdraw).
import { Flex, hubspot, LoadingSpinner } from '@hubspot/ui-extensions';
import { identityOf } from './api.js';
import type { CardProps } from './card-props.js';
import { AppOff } from './components/AppOff.js';
import { DecisionForm } from './components/DecisionForm.js';
import { LoadError } from './components/LoadError.js';
import { Notices } from './components/Notices.js';
import { NothingToApprove } from './components/NothingToApprove.js';
import { RequestForm } from './components/RequestForm.js';
import { RequestHistory } from './components/RequestHistory.js';
import { RequestStatus } from './components/RequestStatus.js';
import { RouteSection } from './components/RouteSection.js';
import { ScoreSummary } from './components/ScoreSummary.js';
import { ShadowBanner } from './components/ShadowBanner.js';
import { WithdrawForm } from './components/WithdrawForm.js';
import { useCardView } from './use-card-view.js';

hubspot.extend<'crm.record.tab'>(({ context, actions }) => <DealCard context={context} actions={actions} />);

export function DealCard({ context, actions }: CardProps) {
  const identity = identityOf(context);
  const dealId = String(context.crm.objectId);
  const timeZone = context.portal.timezone;
  const { state, reload } = useCardView(identity, dealId);

  if (state.status === 'loading') return <LoadingSpinner label="Loading approvals" showLabel layout="centered" />;
  if (state.status === 'error') return <LoadError error={state.error} onRetry={reload} />;
  const { view } = state;
  if (view.mode === 'off') return <AppOff notices={view.notices} />;

  const shadow = view.mode === 'shadow';
  const request = view.request;
  const pending = request?.state === 'pending';
  // The service decides who may act; the card also never offers a requester their own request to decide, nor a
  // second request while one is pending.
  const canDecide = view.actions.decide && pending && request.requester !== view.viewer.email;
  const canWithdraw = view.actions.withdraw && pending;
  const canRequest = view.actions.request && !pending;
  const nothingToDo = !canDecide && !canWithdraw && !canRequest && !pending && view.preview?.outcome !== 'unroutable';

  const onDone = (title: string, message: string) => {
    actions.addAlert({ type: 'success', title: shadow ? `${title} (preview)` : title, message });
    actions.refreshObjectProperties();
    reload();
  };

  return (
    <Flex direction="column" gap="md">
      {shadow ? <ShadowBanner /> : null}
      {view.score ? <ScoreSummary score={view.score} preview={shadow} /> : null}
      {request ? <RequestStatus request={request} timeZone={timeZone} shadow={shadow} /> : null}
      {!pending && view.preview ? <RouteSection preview={view.preview} shadow={shadow} /> : null}
      {canDecide ? <DecisionForm identity={identity} request={request} timeZone={timeZone} onDone={onDone} onReload={reload} /> : null}
      {canWithdraw ? <WithdrawForm identity={identity} request={request} onDone={onDone} onReload={reload} /> : null}
      {canRequest ? <RequestForm identity={identity} dealId={dealId} preview={view.preview} onDone={onDone} onReload={reload} /> : null}
      {request ? <RequestHistory key={request.id} identity={identity} dealId={dealId} currentRequestId={request.id} timeZone={timeZone} /> : null}
      {nothingToDo ? <NothingToApprove title="Nothing to approve" notices={view.notices} /> : <Notices notices={view.notices} />}
    </Flex>
  );
}
