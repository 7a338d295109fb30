// Notification settings under /api/v1: admins read and choose the portal's channels; each user reads their own
// notifications and opts out of email (or back in). Thin routes: parse, call the use case, answer.
import { Router } from 'express';
import { SetChannelsBody, SetEmailOptOutBody } from '../../../src/contract/notification-settings.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import {
  getMyNotifications, getNotificationSettings, setMyEmailOptOut, setNotificationChannels,
} from '../../use-cases/notify/notification-settings.js';
import { parseBody } from '../validate.js';
import { viewerOf } from './card-api.js';

export function createNotificationSettingsRouter(deps: ServiceDeps): Router {
  const router = Router();

  router.get('/admin/notifications', async (_req, res) => {
    res.json(await getNotificationSettings(deps, viewerOf(res)));
  });

  router.put('/admin/notifications', async (req, res) => {
    const { channels, idempotencyKey, expectedVersion } = parseBody(SetChannelsBody, req);
    res.json(await setNotificationChannels(deps, viewerOf(res), channels, { idempotencyKey, expectedVersion }));
  });

  router.get('/me/notifications', async (_req, res) => {
    res.json(await getMyNotifications(deps, viewerOf(res)));
  });

  router.put('/me/notifications', async (req, res) => {
    const { emailOptOut, idempotencyKey } = parseBody(SetEmailOptOutBody, req);
    res.json(await setMyEmailOptOut(deps, viewerOf(res), emailOptOut, idempotencyKey));
  });

  return router;
}
