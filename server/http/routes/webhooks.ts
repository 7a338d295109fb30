// POST /webhooks/hubspot: verify HubSpot's v3 signature, store the batch in the inbox (queueing each new event
// for the worker in the same statement, quarantining each malformed one) and answer at once. Nothing is processed
// here. HubSpot does not deliver a batch again after a 4xx, so only a bad signature (401) or a body that is no JSON
// array at all (400) refuses one; when the events cannot be stored the answer is 503, never 200, so HubSpot
// delivers them again.
import express, { Router } from 'express';
import { databaseTroubleOf } from '../../db/database-errors.js';
import { AppError } from '../../errors.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { WebhookBatchSchema } from '../../../src/contract/webhook-events.js';
import { receiveWebhookBatch, type StoredBatch } from '../../use-cases/webhooks/receive-events.js';
import { parseInput } from '../validate.js';
import { verifyHubSpotSignature } from '../signature-middleware.js';
import type { SignatureFailure } from '../verify-signature.js';

export interface WebhookRouterDeps extends ServiceDeps {
  /** The app's client secret: HubSpot signs webhooks with it exactly as it signs card requests. */
  secret: string;
  /** The base URL HubSpot signs (see `signedBaseUrl` in config.ts), e.g. https://approvals.example.com. */
  baseUrl: string;
  /** Told about every rejected signature (metrics). */
  onSignatureFailure?: (reason: SignatureFailure) => void;
  /** Told how many malformed events a batch added to the quarantine (metrics). */
  onQuarantined?: (count: number) => void;
  /** HubSpot gives up on an answer after 5 s: past this, answer 503 and let it retry (duplicates are absorbed). */
  storeTimeoutMs?: number;
}

export const WEBHOOK_PATH = '/webhooks/hubspot';

const { raw: readBytes } = express;

/**
 * The largest webhook body taken. HubSpot sends at most 100 events a request, and a property value may hold 65,536
 * characters, up to three UTF-8 bytes each: about 19.7 MB at the very worst, and this leaves room above it. A
 * genuine batch must never meet a 413, which HubSpot would not deliver again.
 */
export const WEBHOOK_BODY_LIMIT = '24mb';

/**
 * The webhook body as bytes: the signature is checked over them before any JSON is parsed, so a body that is not
 * HubSpot's costs a hash, not a parse. Mounted ahead of the service's JSON parser (server/http/app.ts), whose limit
 * is the card's.
 */
export const webhookBodyParser = readBytes({ type: ['application/json', 'application/*+json'], limit: WEBHOOK_BODY_LIMIT });

export function createWebhookRouter(deps: WebhookRouterDeps): Router {
  if (!deps.secret) throw new Error('createWebhookRouter: secret is required');
  const storeTimeoutMs = deps.storeTimeoutMs ?? 4_000;
  const router = Router();

  router.post(WEBHOOK_PATH, webhookBodyParser, async (req, res) => {
    if (Buffer.isBuffer(req.body)) req.rawBody = req.body;
    const verdict = verifyHubSpotSignature(req, { secret: deps.secret, baseUrl: deps.baseUrl, nowMs: deps.now().getTime() });
    if (!verdict.ok) {
      req.log?.warn({ reason: verdict.reason }, 'rejected a webhook with a bad signature');
      deps.onSignatureFailure?.(verdict.reason);
      throw new AppError('unauthorized', 'invalid webhook signature');
    }

    const events = parseInput(WebhookBatchSchema, parseJson(req.rawBody), 'body');
    let stored: StoredBatch;
    try {
      stored = await withTimeout(receiveWebhookBatch(deps, events), storeTimeoutMs);
    } catch (error) {
      const trouble = databaseTroubleOf(error);
      if (trouble) req.log?.warn({ reason: trouble.reason, events: events.length }, 'could not store a webhook batch; HubSpot will retry it');
      else req.log?.error({ err: error, events: events.length }, 'could not store a webhook batch; HubSpot will retry it');
      throw new AppError('unavailable', 'the webhook could not be stored; retry later', { cause: error, retryAfterSeconds: 5 });
    }
    if (stored.quarantined > 0) deps.onQuarantined?.(stored.quarantined);
    res.json(stored);
  });

  return router;
}

function parseJson(raw: Buffer | undefined): unknown {
  try {
    return JSON.parse(raw?.toString('utf8') ?? '') as unknown;
  } catch {
    throw new AppError('bad_request', 'the request body is not valid JSON');
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the database within ${ms} ms`)), ms);
  });
  // The losing promise may still settle later; its rejection is already handled by race's subscription.
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
