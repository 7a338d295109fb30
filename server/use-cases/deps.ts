// What the use cases need from the outside world, behind narrow interfaces wired in server/main.ts.
import type { Db } from '../db/database.js';
import type { Logger } from 'pino';
import type { Caches } from '../cache/caches.js';
import type { Crm } from '../crm/crm.js';
import type { SlackSetup } from '../slack/slack-setup.js';
import type { Portal } from '../store/portals.js';
import type { EmailDeps } from './email/email-deps.js';

export interface ServiceDeps {
  db: Db;
  logger: Logger;
  /** The CRM that holds this portal's deals: LocalCrm for the demo portal, HubSpot for installed ones. */
  crmFor: (portal: Portal) => Crm;
  /** The current instant; the core never reads a clock, the use cases take it from here. */
  now: () => Date;
  /** This process's caches (server/cache); without them every read goes to the database. */
  cache?: Caches;
  /** The email channel (use-cases/notify/email-channel.ts, use-cases/email); without it no email is sent and links answer 404. */
  email?: EmailDeps;
  /** The Slack channel (server/slack); without it no portal's Slack is called. */
  slack?: SlackSetup;
}

export const isoNow = (deps: Pick<ServiceDeps, 'now'>): string => deps.now().toISOString();
