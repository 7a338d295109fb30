// Which mailer this process uses: SMTP when configured; otherwise, outside production, a folder of .eml files; in
// production without SMTP, none (no approval email is sent, and start-up says so).
import type { Config } from '../config.js';
import { createEmlFolderMailer } from './eml-folder-mailer.js';
import type { Mailer } from './mailer.js';
import { createSmtpMailer } from './smtp-mailer.js';

/** The sender of development mail, which never leaves the machine. */
export const DEV_MAIL_FROM = 'approval-router <approvals@localhost>';

export function createMailer(config: Pick<Config, 'NODE_ENV' | 'SMTP_HOST' | 'SMTP_PORT' | 'SMTP_SECURE' | 'SMTP_USER' | 'SMTP_PASSWORD' | 'MAIL_FROM' | 'MAIL_DIR'>): Mailer | null {
  const from = config.MAIL_FROM ?? DEV_MAIL_FROM;
  if (config.SMTP_HOST) {
    return createSmtpMailer({
      host: config.SMTP_HOST, port: config.SMTP_PORT, secure: config.SMTP_SECURE, requireTls: config.NODE_ENV === 'production',
      user: config.SMTP_USER, password: config.SMTP_PASSWORD, from,
    });
  }
  return config.NODE_ENV === 'production' ? null : createEmlFolderMailer(config.MAIL_DIR, from);
}
