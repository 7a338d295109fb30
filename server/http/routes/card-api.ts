// The card API under /api/v1: thin routes that parse with the contract's schemas, call a use case, and answer.
import { Router, type Response } from 'express';
import {
  DealParams, DecideBody, RequestApprovalBody, RequestParams, WithdrawBody,
} from '../../../src/contract/card-api.js';
import { CardViewQuery } from '../../../src/contract/card-freshness.js';
import { decideOnRequest, withdrawRequest } from '../../use-cases/requests/act-on-request.js';
import type { Metrics } from '../../metrics.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { getCardView } from '../../use-cases/card/get-card-view.js';
import { getInbox } from '../../use-cases/card/get-inbox.js';
import { getRequestHistory } from '../../use-cases/card/get-request-history.js';
import type { Viewer } from '../../use-cases/load-facts.js';
import { requestApproval } from '../../use-cases/requests/request-approval.js';
import { getIdentity } from '../signature-middleware.js';
import { parseBody, parseInput, parseParams } from '../validate.js';

export function viewerOf(res: Response): Viewer {
  const identity = getIdentity(res);
  return { portalId: identity.portalId, userId: identity.userId, email: identity.userEmail };
}

/** An idempotent action's answer: a repeat sends the first one's bytes, not its body serialised again. */
function sendIdempotent(res: Response, answer: { status: number; json: string; replayed: boolean }): void {
  res.status(answer.status).setHeader('Idempotent-Replayed', String(answer.replayed)).type('application/json').send(answer.json);
}

export function createCardRouter(deps: ServiceDeps & { metrics?: Metrics }): Router {
  const router = Router();

  router.get('/deals/:dealId/card', async (req, res) => {
    const { dealId } = parseParams(DealParams, req);
    const { dealModifiedAt } = parseInput(CardViewQuery, req.query, 'query');
    res.json(await getCardView(deps, viewerOf(res), dealId, {
      dealModifiedAtMs: dealModifiedAt === undefined ? null : Number(dealModifiedAt),
      onDealRead: (read) => deps.metrics?.cardDealReads.inc({ source: read }),
    }));
  });

  router.get('/deals/:dealId/requests', async (req, res) => {
    const { dealId } = parseParams(DealParams, req);
    res.json(await getRequestHistory(deps, viewerOf(res), dealId));
  });

  router.post('/deals/:dealId/requests', async (req, res) => {
    const { dealId } = parseParams(DealParams, req);
    const body = parseBody(RequestApprovalBody, req);
    const answer = await requestApproval(deps, viewerOf(res), { dealId, ...body });
    sendIdempotent(res, answer);
  });

  router.post('/requests/:requestId/decisions', async (req, res) => {
    const { requestId } = parseParams(RequestParams, req);
    const body = parseBody(DecideBody, req);
    const answer = await decideOnRequest(deps, viewerOf(res), { requestId, ...body });
    if (!answer.replayed) deps.metrics?.decisions.inc({ verdict: body.verdict });
    sendIdempotent(res, answer);
  });

  router.post('/requests/:requestId/withdraw', async (req, res) => {
    const { requestId } = parseParams(RequestParams, req);
    const body = parseBody(WithdrawBody, req);
    const answer = await withdrawRequest(deps, viewerOf(res), { requestId, ...body });
    sendIdempotent(res, answer);
  });

  router.get('/inbox', async (_req, res) => {
    res.json(await getInbox(deps, viewerOf(res)));
  });

  return router;
}
