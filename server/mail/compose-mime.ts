// One message as nodemailer builds it, whichever transport takes it.
import type { SendMailOptions } from 'nodemailer';
import type { MailMessage } from './mailer.js';

export function mimeOptions(message: MailMessage): SendMailOptions {
  return {
    to: message.to.name ? { name: message.to.name, address: message.to.address } : message.to.address,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    date: message.date,
    headers: message.headers ?? {},
  };
}
