// The mail port: what a use case hands over to be sent, and what it learns back. Two adapters: SMTP (smtp-mailer.ts)
// and, in development without SMTP, a folder of .eml files (eml-folder-mailer.ts); create-mailer.ts picks one.

export interface MailAddress {
  name: string | null;
  address: string;
}

export interface MailMessage {
  to: MailAddress;
  subject: string;
  text: string;
  html: string;
  /** `<id@domain>`: the same for a message however often it is built, so a duplicate is recognisable as one. */
  messageId: string;
  /** The Date header: the service's clock, not the machine's. */
  date: Date;
  headers?: Record<string, string>;
}

export interface SentMail {
  messageId: string;
  /** Where it went: the SMTP server's answer, or the .eml file written. */
  where: string;
}

export interface Mailer {
  /** Resolves once the message is handed over; rejects when it certainly was not (the caller may try again). */
  send(message: MailMessage): Promise<SentMail>;
  /** One line for the logs and the demo: where messages go. */
  readonly description: string;
  close(): void;
}
