// pino for every line the service writes; secrets are redacted by path before they reach a transport.
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hubspot-signature"]',
  'req.headers["x-hubspot-signature-v3"]',
  'res.headers["set-cookie"]',
  '*.accessToken', '*.refreshToken', '*.access_token', '*.refresh_token',
  '*.clientSecret', '*.client_secret', '*.password', '*.secret', '*.token',
  'config.HUBSPOT_CLIENT_SECRET', 'config.DATABASE_URL',
];

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino({ level: options.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'approval-router' } }, options.destination);
}

export type { Logger };
