import 'node:http';

declare module 'node:http' {
  interface IncomingMessage {
    /** The exact bytes of the request body, kept for signature verification. */
    rawBody?: Buffer;
  }
}
