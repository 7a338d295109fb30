// Development without SMTP: each message is built by nodemailer exactly as it would be sent and written to a folder
// as an .eml file, which any mail client opens. The files hold live links, so only their owner may read them.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTransport } from 'nodemailer';
import { mimeOptions } from './compose-mime.js';
import type { Mailer } from './mailer.js';

export function createEmlFolderMailer(folder: string, from: string): Mailer {
  const dir = path.resolve(folder);
  const transport = createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from });
  return {
    description: `.eml files in ${dir}`,
    async send(message) {
      const info = await transport.sendMail(mimeOptions(message));
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, emlFileName(message.date, message.messageId));
      // Written whole, then renamed: a reader watching the folder never sees half a message.
      const partial = `${file}.partial`;
      await writeFile(partial, info.message as Buffer, { mode: 0o600 });
      await rename(partial, file);
      return { messageId: info.messageId, where: file };
    },
    close: () => { transport.close(); },
  };
}

/** Sorts by time; the Message-ID's local part keeps it unique and names the request it is about. */
export function emlFileName(date: Date, messageId: string): string {
  const stamp = date.toISOString().replace(/[:.]/g, '-');
  const local = messageId.replace(/^<|>$/g, '').split('@')[0] ?? 'message';
  return `${stamp}-${local.replace(/[^\w.-]/g, '_')}.eml`;
}
