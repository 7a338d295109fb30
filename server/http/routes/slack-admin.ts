// The portal's Slack connection under /api/v1/admin/slack: see it, connect (a bot token and a signing secret) and
// disconnect. Writes take an idempotency key and the version the admin saw; no answer ever carries the secrets.
import { Router } from 'express';
import { SlackConnectBody, SlackDisconnectQuery } from '../../../src/contract/slack.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { connectSlackFor, disconnectSlackFor, getSlackConnectionFor } from '../../use-cases/slack/slack-connection.js';
import { parseBody, parseInput } from '../validate.js';
import { viewerOf } from './card-api.js';

/** `baseUrl`: the service's public URL, where the Slack app's Interactivity Request URL must point. */
export function createSlackAdminRouter(deps: ServiceDeps & { baseUrl: string }): Router {
  const router = Router();

  router.get('/slack', async (_req, res) => {
    res.json(await getSlackConnectionFor(deps, viewerOf(res), deps.baseUrl));
  });

  router.put('/slack', async (req, res) => {
    const { botToken, signingSecret, idempotencyKey, expectedVersion } = parseBody(SlackConnectBody, req);
    res.json(await connectSlackFor(deps, viewerOf(res), { botToken, signingSecret }, { idempotencyKey, expectedVersion }, deps.baseUrl));
  });

  router.delete('/slack', async (req, res) => {
    const { idempotencyKey, expectedVersion } = parseInput(SlackDisconnectQuery, req.query, 'query');
    res.json(await disconnectSlackFor(deps, viewerOf(res), { idempotencyKey, expectedVersion }, deps.baseUrl));
  });

  return router;
}
