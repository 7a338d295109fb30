// Sends through an SMTP server with nodemailer, over a small pool of kept-open connections. Timeouts are short beside
// a job's lock: a server that hangs fails the attempt (the job retries) instead of holding the job until another
// worker takes it over.
import { createTransport } from 'nodemailer';
import { mimeOptions } from './compose-mime.js';
import type { Mailer } from './mailer.js';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when offered, or always with `requireTls`. */
  secure: boolean;
  /** Refuse to send (credentials, links) over a connection that did not upgrade to TLS. */
  requireTls: boolean;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
}

export function createSmtpMailer(settings: SmtpSettings): Mailer {
  const transport = createTransport({
    // A step's approvers are emailed one after another: one kept-open connection (TLS and login once) serves them all.
    pool: true,
    maxConnections: 2,
    maxMessages: 100,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: !settings.secure && settings.requireTls,
    ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  }, { from: settings.from });
  return {
    description: `SMTP ${settings.host}:${settings.port}`,
    async send(message) {
      const info = await transport.sendMail(mimeOptions(message));
      return { messageId: info.messageId, where: `${settings.host}:${settings.port} (${info.response})` };
    },
    close: () => { transport.close(); },
  };
}
