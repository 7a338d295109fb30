// pino for every line the service writes; secrets are redacted by path before they reach a transport.
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hubspot-signature"]',
  'req.headers["x-hubspot-signature-v3"]',
  'req.headers["x-slack-signature"]',
  'res.headers["set-cookie"]',
  'accessToken', 'refreshToken', 'token',
  '*.accessToken', '*.refreshToken', '*.access_token', '*.refresh_token',
  '*.clientSecret', '*.client_secret', '*.password', '*.secret', '*.token',
  '*.botToken', '*.signingSecret',
  'config.HUBSPOT_CLIENT_SECRET', 'config.DATABASE_URL', 'config.TOKEN_ENCRYPTION_KEYS',
  'req.query.code', 'req.query.state', // the OAuth callback's one-time code and its state
  // Kept, with the OAuth `code` and `state` cut out (see censor): the callback's URL, and the install's redirect
  // to HubSpot, which carries the state the callback will accept.
  'req.url', 'res.headers.location',
];

/** Query parameters that carry a credential in a URL (the OAuth callback's code and state). */
const SECRET_QUERY = /([?&](?:code|state)=)[^&#]*/g;
/** An email's Approve, Reject and opt-out links carry their signed token in the path: whoever holds it can use it. */
const SECRET_PATH = /(\/email\/(?:decide|opt-out)\/)[^/?#]*/g;
const URL_FIELDS = new Set(['url', 'location']);

function censor(value: unknown, path: string[]): unknown {
  if (URL_FIELDS.has(path[path.length - 1] ?? '')) return typeof value === 'string' ? value.replace(SECRET_QUERY, '$1[redacted]').replace(SECRET_PATH, '$1[redacted]') : '[redacted]';
  return '[redacted]';
}

export function createLogger(options: { level: string; destination?: pino.DestinationStream; secrets?: readonly (string | undefined)[] }): Logger {
  // Redaction by path misses a secret quoted inside a message (a driver error that embeds its connection string):
  // the known secret values are also cut out of every line just before it is written.
  const secrets = (options.secrets ?? []).filter((secret): secret is string => typeof secret === 'string' && secret.length >= 8);
  return pino({
    level: options.level,
    redact: { paths: REDACT_PATHS, censor },
    base: { service: 'approval-router' },
    ...(secrets.length > 0 ? { hooks: { streamWrite: (line: string) => secrets.reduce((text, secret) => text.replaceAll(secret, '[redacted]'), line) } } : {}),
  }, options.destination);
}

/** The values of the configuration that must never appear in a log line. */
export function secretValues(config: {
  HUBSPOT_CLIENT_SECRET?: string | undefined; DATABASE_URL?: string | undefined; TOKEN_ENCRYPTION_KEYS?: string | undefined; METRICS_TOKEN?: string | undefined;
  SMTP_PASSWORD?: string | undefined; LINK_SIGNING_KEY?: string | undefined;
}): string[] {
  const values = [config.HUBSPOT_CLIENT_SECRET, config.METRICS_TOKEN, config.SMTP_PASSWORD, ...(config.LINK_SIGNING_KEY ?? '').split(',').map((key) => key.trim())];
  if (config.DATABASE_URL) {
    try {
      values.push(decodeURIComponent(new URL(config.DATABASE_URL).password));
    } catch { /* validated at start-up */ }
  }
  for (const key of (config.TOKEN_ENCRYPTION_KEYS ?? '').split(',')) values.push(key.split(':')[1]?.trim());
  return values.filter((value): value is string => Boolean(value && value.length >= 8));
}

export type { Logger };
