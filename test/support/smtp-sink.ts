// A real SMTP server inside the test (smtp-server) that keeps every message it accepts, parsed by mailparser. It can
// require a login, and refuse the next few messages as a server with a temporary problem does.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  port: number;
  /** Every message accepted so far, in order. */
  messages: ParsedMail[];
  /** SMTP connections opened so far. */
  connections: () => number;
  /** The next `count` messages are answered 451 (try again later) and not kept. */
  refuseNext: (count: number) => void;
  close: () => Promise<void>;
}

export async function startSmtpSink(options: { user?: string; password?: string } = {}): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  let refusing = 0;
  let connections = 0;
  const server = new SMTPServer({
    logger: false,
    // A client's pooled connection is cut at close instead of held open for the default 30 s.
    closeTimeout: 200,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    disabledCommands: options.user ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.user,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) callback(null, { user: auth.username });
      else callback(new Error('invalid user name or password'));
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refusing > 0) {
          refusing -= 1;
          callback(Object.assign(new Error('mailbox busy, try again later'), { responseCode: 451 }));
          return;
        }
        simpleParser(Buffer.concat(chunks)).then((parsed) => { messages.push(parsed); callback(); }, (error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    messages,
    connections: () => connections,
    refuseNext: (count) => { refusing = count; },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
