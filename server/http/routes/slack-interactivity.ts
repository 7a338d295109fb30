// POST /slack/interactivity: Slack's button clicks and modal submissions, form-encoded with the JSON in `payload`.
// The route keeps the raw bytes (the signature covers them), reads the form, and hands both to the use case,
// which finds the portal by the workspace, verifies the signature with its secret, and acts.
import { raw, Router } from 'express';
import { AppError } from '../../errors.js';
import { INTERACTIVITY_PATH } from '../../use-cases/slack/slack-connection.js';
import { receiveSlackInteraction } from '../../use-cases/slack/slack-interactions.js';
import type { ServiceDeps } from '../../use-cases/deps.js';

export function createSlackInteractivityRouter(deps: ServiceDeps): Router {
  const router = Router();
  const form = raw({ type: () => true, limit: '1mb' });

  router.post(INTERACTIVITY_PATH, (req, _res, next) => {
    if (!req.is('application/x-www-form-urlencoded')) next(new AppError('unsupported_media_type', 'Slack sends interactions as application/x-www-form-urlencoded'));
    else next();
  }, form, async (req, res) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const answer = await receiveSlackInteraction(deps, {
      payload: readPayload(rawBody),
      rawBody,
      timestamp: req.get('x-slack-request-timestamp'),
      signature: req.get('x-slack-signature'),
    }).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'unauthorized') req.log?.warn({ reason: error.message }, 'rejected a Slack interaction');
      throw error;
    });
    if (answer === null) res.status(200).end();
    else res.status(200).json(answer);
  });

  return router;
}

/** The form's `payload` field as JSON; anything else is not an interaction Slack sent (the signature decides). */
function readPayload(rawBody: Buffer): unknown {
  const text = new URLSearchParams(rawBody.toString('utf8')).get('payload');
  if (text === null) throw new AppError('bad_request', 'a Slack interaction carries its JSON in the `payload` field');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('bad_request', 'the Slack interaction\'s `payload` is not JSON');
  }
}
