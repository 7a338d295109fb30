// createApp builds the Express app from its dependencies without listening, so tests drive it with supertest.
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { checkDatabase } from '../db/database.js';
import { errorHandler, notFoundHandler } from './error-handler.js';

export interface AppDeps {
  logger: Logger;
  db: Db;
  /** Body size limit; HubSpot caps card payloads at 1 MB. */
  bodyLimit?: string;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);

  app.use(pinoHttp({
    logger: deps.logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
  }));

  app.use(express.json({
    limit: deps.bodyLimit ?? '1mb',
    type: ['application/json', 'application/*+json'],
    verify: (req, _res, buf) => { req.rawBody = Buffer.from(buf); },
  }));

  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', async (_req, res) => {
    const database = await checkDatabase(deps.db);
    if (database.ok) res.json({ status: 'ready', checks: { database: 'ok' } });
    else res.status(503).setHeader('Retry-After', '5').json({ status: 'unavailable', checks: { database: database.reason } });
  });

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
