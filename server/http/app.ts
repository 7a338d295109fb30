// createApp builds the Express app from its dependencies without listening, so tests drive it with supertest.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { parse as parseContentType } from 'content-type';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { createCaches } from '../cache/caches.js';
import { checkDatabase } from '../db/database.js';
import { AppError } from '../errors.js';
import { createMetrics, type Metrics } from '../metrics.js';
import type { HubSpotSetup } from '../hubspot/connect.js';
import type { AdminSettings } from '../use-cases/admin/admin-settings.js';
import type { ServiceDeps } from '../use-cases/deps.js';
import { createOAuthRouter } from './routes/oauth.js';
import { createWebhookRouter, WEBHOOK_PATH, webhookBodyParser } from './routes/webhooks.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { createAdminRouter } from './routes/admin-api.js';
import { createCardRouter } from './routes/card-api.js';
import { createDemoRouter } from './routes/demo-api.js';
import { createEmailDecisionRouter } from './routes/email-decisions.js';
import { createIncidentsRouter } from './routes/incidents-api.js';
import { createNotificationSettingsRouter } from './routes/notification-settings-api.js';
import { createScorecardRouter } from './routes/scorecard-api.js';
import { createSlackAdminRouter } from './routes/slack-admin.js';
import { createSlackInteractivityRouter } from './routes/slack-interactivity.js';
import { createSignatureMiddleware, type SignatureMiddlewareFailure } from './signature-middleware.js';

export interface AppDeps extends ServiceDeps {
  /** How card requests and webhooks are verified: HubSpot's client secret and the base URL it signs (`signedBaseUrl`). */
  signature: { secret: string; baseUrl: string };
  /** Body size limit; HubSpot caps card payloads at 1 MB. */
  bodyLimit?: string;
  /** The HubSpot app (OAuth install); without credentials the install routes answer 503 and say what is missing. */
  hubspot?: HubSpotSetup;
  /** Told about every rejected signature (metrics). */
  onSignatureFailure?: (reason: SignatureMiddlewareFailure) => void;
  /** Prometheus metrics; one is made when absent. */
  metrics?: Metrics;
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
  /** The promotion gate's settings (use-cases/admin/admin-settings.ts); the defaults when absent. */
  adminSettings?: AdminSettings;
}

export function createApp(given: AppDeps): Express {
  const deps: AppDeps = { ...given, cache: given.cache ?? createCaches() };
  const app = express();
  const metrics = deps.metrics ?? createMetrics(deps.db, { defaultMetrics: false, clock: deps.now });
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
    // A 503 is an answer the error handler has logged with its reason (the database is away, busy or slow): its
    // completion line is a warning and carries no error object, whose stack would only say where pino-http made it.
    customLogLevel: (_req, res, error) => (res.statusCode === 503 ? 'warn' : error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    customErrorObject: (_req, res, _error, value: Record<string, unknown>) => (res.statusCode === 503 ? { ...value, err: undefined } : value),
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
  }));

  app.use((req, res, next) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.once('finish', () => {
      const route = req.route as { path?: string } | undefined;
      end({ route: route?.path ? `${req.baseUrl}${route.path}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  });

  // JSON travels as UTF-8 (RFC 8259), as HubSpot sends it. The JSON parser would decode a UTF-16 body and then fail
  // on what it read, a 400 that says nothing of the charset: any other charset is refused as unsupported instead.
  // (A body is any request with a length or a transfer encoding, as the parser counts it.)
  app.use((req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
    const charset = hasBody ? parseContentType(req.headers['content-type'] ?? '').parameters.charset?.toLowerCase() : undefined;
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') next(new AppError('unsupported_media_type', 'send the body as UTF-8 JSON (charset=utf-8)'));
    else next();
  });

  // Webhook bodies are read as bytes, under their own limit, and parsed once their signature holds.
  app.use(WEBHOOK_PATH, webhookBodyParser);
  app.use(express.json({
    limit: deps.bodyLimit ?? '1mb',
    type: ['application/json', 'application/*+json'],
    verify: (req, _res, buf) => { req.rawBody = Buffer.from(buf); },
  }));

  // Signatures are checked over the raw JSON body; a body of another type could only fail as "invalid signature".
  app.use(['/api/v1', '/webhooks'], (req, _res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is(['application/json', 'application/*+json'])) next(new AppError('unsupported_media_type', 'send the body as application/json'));
    else next();
  });

  const metricsAuthorization = deps.metricsToken ? digest(`Bearer ${deps.metricsToken}`) : undefined;
  app.get('/metrics', async (req, res) => {
    // Digests of equal length compared in constant time: a plain comparison would time the token's prefix.
    if (metricsAuthorization && !timingSafeEqual(digest(req.get('authorization') ?? ''), metricsAuthorization)) {
      throw new AppError('unauthorized', 'metrics need the bearer token');
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', async (_req, res) => {
    const database = await checkDatabase(deps.db);
    if (database.ok) res.json({ status: 'ready', checks: { database: 'ok' } });
    else res.status(503).setHeader('Retry-After', '5').json({ status: 'unavailable', checks: { database: database.reason } });
  });

  // HubSpot's webhooks: signed like card requests but with no identity in the query; stored, then answered 200.
  app.use(createWebhookRouter({
    ...deps, secret: deps.signature.secret, baseUrl: deps.signature.baseUrl,
    onSignatureFailure: (reason) => metrics.signatureFailures.inc({ reason }),
    onQuarantined: (count) => metrics.webhookEventsQuarantined.inc(count),
  }));

  // The OAuth install is a browser redirect, not a signed card request: it sits outside /api/v1.
  app.use(createOAuthRouter({ db: deps.db, logger: deps.logger, now: deps.now, hubspot: deps.hubspot ?? { configured: false, missing: ['HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET', 'TOKEN_ENCRYPTION_KEYS'] } }));

  // An email's one-click links: pages a person opens in a browser, authenticated by the signed link itself.
  app.use(createEmailDecisionRouter(deps));
  // Slack's interactivity: signed by Slack with the connected portal's signing secret, not by HubSpot.
  app.use(createSlackInteractivityRouter(deps));

  const verifySignature = createSignatureMiddleware({
    secret: deps.signature.secret,
    baseUrl: deps.signature.baseUrl,
    now: () => deps.now().getTime(),
    onFailure: (reason, req) => {
      req.log?.warn({ reason }, 'rejected a request with a bad signature');
      metrics.signatureFailures.inc({ reason });
      deps.onSignatureFailure?.(reason);
    },
  });
  app.use('/api/v1', verifySignature);
  app.use('/api/v1/admin', createAdminRouter(deps));
  app.use('/api/v1/admin', createIncidentsRouter(deps));
  app.use('/api/v1/admin', createSlackAdminRouter({ ...deps, baseUrl: deps.signature.baseUrl }));
  app.use('/api/v1/demo', createDemoRouter(deps));
  app.use('/api/v1', createScorecardRouter(deps));
  app.use('/api/v1', createNotificationSettingsRouter(deps));
  app.use('/api/v1', createCardRouter({ ...deps, metrics }));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
