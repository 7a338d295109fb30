// The service's configuration: one zod schema over the environment, parsed once at start-up.
// A bad variable stops the process with a message naming it; secret values are never echoed.
import { z } from 'zod';
import { describeKeySpecProblem } from './hubspot/token-crypto.js';

const port = z.coerce.number().int().min(1).max(65535);
const optionalUrl = z.string().trim().url().optional();

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development')
    .describe('Runtime mode. `production` requires the HubSpot secrets, `DATABASE_URL`, `METRICS_TOKEN` and a public HTTPS URL.'),
  PORT: port.default(3000).describe('Port the HTTP service listens on.'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface the HTTP service binds (`0.0.0.0` behind a load balancer).'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
  DATABASE_URL: optionalUrl
    .refine((value) => value === undefined || /^postgres(ql)?:\/\//.test(value), 'expected a postgres:// or postgresql:// URL')
    .describe('Postgres connection URL. When unset, an embedded Postgres is started with its data under `EMBEDDED_PG_DATA_DIR`.'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10).describe("Maximum connections in each of the process's two Postgres pools (the service's and the job worker's)."),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000)
    .describe('Postgres cancels a statement of the service that runs longer (`statement_timeout` on each of its connections) and the request answers 503; `0` turns it off. Start-up migrations and one-off commands run without it.'),
  EMBEDDED_PG_PORT: port.default(54329).describe('Port of the embedded Postgres (used only without `DATABASE_URL`).'),
  EMBEDDED_PG_DATA_DIR: z.string().min(1).default('./data/pg').describe('Data folder of the embedded Postgres (git-ignored).'),
  PUBLIC_BASE_URL: optionalUrl.describe('The HTTPS URL HubSpot calls (as listed in `permittedUrls.fetch`). Card requests and webhooks are verified as signed over it alone, never over the request\'s Host or X-Forwarded-* headers; unset (development only), over `http://localhost:PORT`, the URL `hs project dev` signs. Also the base of the OAuth redirect URL.'),
  HUBSPOT_CLIENT_ID: z.string().min(1).optional().describe('The HubSpot app\'s client id (OAuth).'),
  HUBSPOT_CLIENT_SECRET: z.string().min(8).optional().describe('The HubSpot app\'s client secret: verifies request signatures. Secret.'),
  HUBSPOT_SCOPES: z.string().trim().regex(/^[\w.-]+( +[\w.-]+)*$/, 'expected scopes separated by spaces')
    .default('oauth crm.objects.deals.read crm.objects.deals.write crm.objects.owners.read crm.schemas.deals.read crm.schemas.deals.write crm.objects.contacts.write settings.users.read')
    .describe('Space-separated OAuth scopes the install asks for; must equal the required scopes configured on the HubSpot app.'),
  TOKEN_ENCRYPTION_KEYS: z.string().optional()
    .superRefine((value, ctx) => {
      const problem = value === undefined ? null : describeKeySpecProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe('Keys that encrypt HubSpot tokens at rest: `keyId:base64key` (32 bytes, `openssl rand -base64 32`), comma-separated; the first encrypts, every one decrypts (rotate by putting a new key first). Secret.'),
  METRICS_TOKEN: z.string().min(16).optional()
    .describe('`/metrics` requires `Authorization: Bearer <token>`; at least 16 characters. Required in production (the metrics name portals); unset in development, `/metrics` is open. Secret.'),
  WORKER_ENABLED: z.enum(['true', 'false']).default('true').transform((value) => value === 'true')
    .describe('Run the job worker (outbox sync, SLA timers, webhooks) inside `serve`; `false` when workers run as `approval-router worker`.'),
  JOB_LOCK_SECONDS: z.coerce.number().int().min(5).max(3600).default(30).describe('How long a claimed job stays locked; a job whose worker died is retried after this.'),
  JOB_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7).describe('Finished jobs are deleted this many days after they finished (dead ones stay, with their incidents).'),
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(2).max(3650).default(30)
    .describe('Processed webhook events, and quarantined ones, are deleted this many days after they arrived (HubSpot retries a delivery for a day at most, so duplicates are still recognised).'),
  HUBSPOT_CALLS_PER_10S: z.coerce.number().int().min(2).max(1000).default(110)
    .describe('HubSpot calls per portal per rolling 10 s, every call of every process together (HubSpot allows an OAuth app about 110).'),
  HUBSPOT_INTERACTIVE_RESERVE: z.coerce.number().int().min(0).default(10)
    .describe('Of those, the calls background work (syncs, tasks, notes, webhook reads) leaves for card views and actions, and the same share of the day.'),
  HUBSPOT_DAILY_CALLS: z.coerce.number().int().min(1).default(250_000)
    .describe('HubSpot calls per portal per day, the day ending at midnight in the portal\'s time zone (UTC when HubSpot has not told it).'),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(10_000)
    .describe('How long a client may take to send a request\'s headers before the connection is answered 408 and closed.'),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000)
    .describe('How long a client may take to send a whole request, body included, before it is answered 408 and closed.'),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(65_000)
    .describe('How long an idle keep-alive connection stays open; keep it above the load balancer\'s idle timeout (60 s on many).'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000).describe('How long SIGTERM waits for in-flight requests before closing.'),
  SMTP_HOST: z.string().trim().min(1).optional()
    .describe('SMTP server that sends approval emails. Unset: in development the messages are written as .eml files under `MAIL_DIR`; in production no email is sent.'),
  SMTP_PORT: port.default(587).describe('SMTP port (587 for STARTTLS, 465 with `SMTP_SECURE=true`).'),
  SMTP_SECURE: z.enum(['true', 'false']).default('false').transform((value) => value === 'true')
    .describe('`true`: TLS from the first byte (port 465); `false`: STARTTLS when the server offers it.'),
  SMTP_USER: z.string().min(1).optional().describe('SMTP user name, when the server needs one.'),
  SMTP_PASSWORD: z.string().min(1).optional().describe('SMTP password. Secret.'),
  MAIL_FROM: z.string().trim().min(3).optional()
    .describe('The From of approval emails (`Approvals <approvals@acme.example>`); required with `SMTP_HOST` in production.'),
  MAIL_DIR: z.string().min(1).default('./data/mail').describe('Folder the .eml files go to without `SMTP_HOST` (development; git-ignored).'),
  LINK_SIGNING_KEY: z.string().optional()
    .refine((value) => value === undefined || value.split(',').every((key) => key.trim().length >= 32), 'expected keys of at least 32 characters, comma-separated (`openssl rand -base64 32`)')
    .describe('Signs the Approve and Reject links of approval emails (HMAC-SHA256), at least 32 characters; comma-separated to rotate: the first signs, every one verifies. Unset in production, no approval email is sent; unset in development, a random key kept in `./data/link-signing-key`. Secret.'),
  PROMOTION_SHADOW_HOURS: z.coerce.number().min(0).max(720).default(24)
    .describe('The promotion gate: hours a policy version must run in shadow (staged as the candidate) before it may be activated, when the portal has the traffic for it.'),
  PROMOTION_SHADOW_MIN_DEALS: z.coerce.number().int().min(0).default(20)
    .describe('The promotion gate asks for a shadow run only when the portal evaluated at least this many deals over the last 7 days (`0`: always).'),
  INCIDENT_FOLLOW_UP_HOURS: z.coerce.number().min(0).max(8760).default(24)
    .describe('An incident about a deal still unresolved this many hours after it was recorded gets one follow-up task for the deal owner (or the escalation target).'),
}).superRefine((env, ctx) => {
  if (env.HUBSPOT_INTERACTIVE_RESERVE >= env.HUBSPOT_CALLS_PER_10S) {
    ctx.addIssue({ code: 'custom', path: ['HUBSPOT_INTERACTIVE_RESERVE'], message: 'must be smaller than HUBSPOT_CALLS_PER_10S (background work needs some of the window)' });
  }
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['HTTP_HEADERS_TIMEOUT_MS'], message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)' });
  }
  if (env.NODE_ENV !== 'production') return;
  // METRICS_TOKEN: /metrics names portals and their figures; production never serves it to whoever asks.
  for (const key of ['HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET', 'PUBLIC_BASE_URL', 'DATABASE_URL', 'TOKEN_ENCRYPTION_KEYS', 'METRICS_TOKEN'] as const) {
    if (env[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'required when NODE_ENV=production' });
  }
  // A made-up sender fails the recipients' SPF and DMARC checks: production names its own.
  if (env.SMTP_HOST !== undefined && env.MAIL_FROM === undefined) ctx.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'required with SMTP_HOST when NODE_ENV=production' });
  if (env.PUBLIC_BASE_URL !== undefined && !env.PUBLIC_BASE_URL.startsWith('https://')) {
    ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'must be an https:// URL in production' });
  }
});

export type Config = z.infer<typeof configSchema>;

/**
 * The base URL callers sign and the OAuth redirect starts with: the public URL, or without one (development) the
 * local URL that `hs project dev`'s proxy maps the public one to and signs. Nothing in a request chooses it.
 */
export function signedBaseUrl(config: Pick<Config, 'PUBLIC_BASE_URL' | 'PORT'>): string {
  return (config.PUBLIC_BASE_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
}

/** Variables whose values must never be printed, in logs or in configuration errors. */
export const SECRET_VARIABLES = new Set(['HUBSPOT_CLIENT_SECRET', 'DATABASE_URL', 'TOKEN_ENCRYPTION_KEYS', 'METRICS_TOKEN', 'SMTP_PASSWORD', 'LINK_SIGNING_KEY']);

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError whose message names every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(Object.keys(configSchema.shape).map((key) => [key, emptyToUndefined(env[key])]));
  const result = configSchema.safeParse(known);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const raw = known[name];
    const shown = raw === undefined ? 'it is unset' : SECRET_VARIABLES.has(name) ? 'its value is hidden' : `got ${JSON.stringify(raw)}`;
    return `  ${name}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** One row per variable, for the README table (a test keeps them in step). */
export function describeConfig(): { name: string; description: string }[] {
  return Object.entries(configSchema.shape).map(([name, schema]) => ({ name, description: schema.description ?? '' }));
}
