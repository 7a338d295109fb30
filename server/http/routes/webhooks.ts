// POST /webhooks/hubspot: verify HubSpot's v3 signature, store the batch in the inbox (queueing each new event
// for the worker in the same transaction) and answer at once. Nothing is processed here. When the events cannot
// be stored the answer is 503, never 200, so HubSpot delivers them again.
import { Router } from 'express';
import { databaseTroubleOf } from '../../db/database-errors.js';
import { AppError } from '../../errors.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { cutDeepFields, WebhookBatchSchema } from '../../../src/contract/webhook-events.js';
import { receiveWebhookBatch, type StoredBatch } from '../../use-cases/webhooks/receive-events.js';
import { parseBody } from '../validate.js';
import { verifyHubSpotSignature } from '../signature-middleware.js';
import type { SignatureFailure } from '../verify-signature.js';

export interface WebhookRouterDeps extends ServiceDeps {
  /** The app's client secret: HubSpot signs webhooks with it exactly as it signs card requests. */
  secret: string;
  /** The base URL HubSpot signs (see `signedBaseUrl` in config.ts), e.g. https://approvals.example.com. */
  baseUrl: string;
  /** Told about every rejected signature (metrics). */
  onSignatureFailure?: (reason: SignatureFailure) => void;
  /** HubSpot gives up on an answer after 5 s: past this, answer 503 and let it retry (duplicates are absorbed). */
  storeTimeoutMs?: number;
}

export const WEBHOOK_PATH = '/webhooks/hubspot';

export function createWebhookRouter(deps: WebhookRouterDeps): Router {
  if (!deps.secret) throw new Error('createWebhookRouter: secret is required');
  const storeTimeoutMs = deps.storeTimeoutMs ?? 4_000;
  const router = Router();

  router.post(WEBHOOK_PATH, async (req, res) => {
    const verdict = verifyHubSpotSignature(req, { secret: deps.secret, baseUrl: deps.baseUrl, nowMs: deps.now().getTime() });
    if (!verdict.ok) {
      req.log?.warn({ reason: verdict.reason }, 'rejected a webhook with a bad signature');
      deps.onSignatureFailure?.(verdict.reason);
      throw new AppError('unauthorized', 'invalid webhook signature');
    }

    const events = parseBody(WebhookBatchSchema, req);
    const rawEvents = Array.isArray(req.body) ? (req.body as unknown[]).map(cutDeepFields) : [];
    let stored: StoredBatch;
    try {
      stored = await withTimeout(receiveWebhookBatch(deps, events, rawEvents), storeTimeoutMs);
    } catch (error) {
      const trouble = databaseTroubleOf(error);
      if (trouble) req.log?.warn({ reason: trouble.reason, events: events.length }, 'could not store a webhook batch; HubSpot will retry it');
      else req.log?.error({ err: error, events: events.length }, 'could not store a webhook batch; HubSpot will retry it');
      throw new AppError('unavailable', 'the webhook could not be stored; retry later', { cause: error, retryAfterSeconds: 5 });
    }
    res.json(stored);
  });

  return router;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the database within ${ms} ms`)), ms);
  });
  // The losing promise may still settle later; its rejection is already handled by race's subscription.
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
