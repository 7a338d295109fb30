// What the email channel needs besides the database: a mailer, the keys that sign its links, and the URL links start with.
import type { Mailer } from '../../mail/mailer.js';

export interface EmailDeps {
  /** Null where this server sends no email (production without SMTP_HOST): links still work, none are made. */
  mailer: Mailer | null;
  /** The first signs new links; every one verifies (rotation). */
  linkKeys: readonly string[];
  /** The service's public base URL (`signedBaseUrl`): links point at it, and a form's Origin must be its origin. */
  baseUrl: string;
}
