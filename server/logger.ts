// pino for every line the service writes; secrets are redacted by path before they reach a transport.
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hubspot-signature"]',
  'req.headers["x-hubspot-signature-v3"]',
  'res.headers["set-cookie"]',
  'accessToken', 'refreshToken', 'token',
  '*.accessToken', '*.refreshToken', '*.access_token', '*.refresh_token',
  '*.clientSecret', '*.client_secret', '*.password', '*.secret', '*.token',
  'config.HUBSPOT_CLIENT_SECRET', 'config.DATABASE_URL', 'config.TOKEN_ENCRYPTION_KEYS',
  'req.query.code', 'req.query.state', // the OAuth callback's one-time code and its state
  'req.url', // kept, but the OAuth callback's one-time `code` and `state` are cut out of it (see censor)
];

/** Query parameters that carry a credential in a URL (the OAuth callback's code and state). */
const SECRET_QUERY = /([?&](?:code|state)=)[^&#]*/g;

function censor(value: unknown, path: string[]): unknown {
  if (path[path.length - 1] === 'url') return typeof value === 'string' ? value.replace(SECRET_QUERY, '$1[redacted]') : value;
  return '[redacted]';
}

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino({ level: options.level, redact: { paths: REDACT_PATHS, censor }, base: { service: 'approval-router' } }, options.destination);
}

export type { Logger };
