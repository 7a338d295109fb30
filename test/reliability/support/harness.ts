// A fast client for the reliability tests: the real app (createApp via buildTestApp) listening once on loopback,
// driven over one keep-alive connection pool, signing raw bytes the way HubSpot does. Every answer is kept so
// a test can scan the whole run for leaks afterwards.
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { computeSignatureV3, hubspotDecodeUri } from '../../../server/http/verify-signature.js';
import { buildTestApp, TEST_BASE_URL, TEST_SECRET, type Caller } from '../../support/app.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface SendInput {
  method: Method;
  /** Path with any query of the caller's own; the identity query is appended after it unless `identity` is false. */
  path: string;
  caller?: Caller;
  /** Exact body bytes (a string is sent as UTF-8); undefined sends no body. */
  body?: string | Buffer;
  /** Extra or replacement headers; `content-type` defaults to application/json when there is a body. */
  headers?: Record<string, string>;
  /** How to sign: default signs correctly with the test secret at the app clock's now. */
  sign?: false | Partial<SignOptions>;
}

export interface SignOptions {
  secret: string;
  method: string;
  /** The path+query that is signed (defaults to what is sent). */
  signedPath: string;
  /** The scheme and host signed before the path (the service verifies over TEST_BASE_URL). */
  baseUrl: string;
  body: string | Buffer;
  timestampMs: number;
  uriForm: 'hubspot' | 'as-is';
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body, or undefined when it is not JSON. */
  json: unknown;
  /** What the request echoed back legitimately (its path), for leak scans to ignore. */
  sentPath: string;
}

export interface Harness {
  db: Knex;
  clock: ReturnType<typeof buildTestApp>['clock'];
  logs: string[];
  /** Every answer this harness received, in order. */
  answers: Answer[];
  /** Every signature header value it sent, for leak scans. */
  signaturesSent: Set<string>;
  send: (input: SendInput) => Promise<Answer>;
  /** A well-formed signed JSON call, like callApi. */
  call: (caller: Caller, method: Method, path: string, body?: unknown) => Promise<Answer>;
  close: () => Promise<void>;
}

export function identityQuery(caller: Caller): string {
  return new URLSearchParams({ portalId: caller.portalId, userId: caller.userId, userEmail: caller.email }).toString();
}

export function withIdentity(path: string, caller: Caller | undefined): string {
  if (!caller) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${identityQuery(caller)}`;
}

export function signatureHeaders(options: SignOptions): Record<string, string> {
  const url = `${options.baseUrl}${options.signedPath}`;
  const timestamp = String(options.timestampMs);
  const signature = computeSignatureV3({
    secret: options.secret,
    method: options.method,
    uri: options.uriForm === 'hubspot' ? hubspotDecodeUri(url) : url,
    rawBody: options.body,
    timestamp,
  });
  return { 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': timestamp };
}

/** `logs`: the lines of a logger passed in `overrides.logger` (buildTestApp's own logger logs at info). */
export async function startHarness(db: Knex, overrides: Parameters<typeof buildTestApp>[1] = {}, options: { logs?: string[] } = {}): Promise<Harness> {
  const built = buildTestApp(db, overrides);
  const { app, clock } = built;
  const logs = options.logs ?? built.logs;
  const server: Server = createServer(app);
  // One connection reused for every request: in-process, no port per request as plain supertest would open.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const answers: Answer[] = [];
  const signaturesSent = new Set<string>();

  const send = (input: SendInput): Promise<Answer> => {
    const sentPath = withIdentity(input.path, input.caller);
    const body = input.body;
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (input.sign !== false) {
      const signed = signatureHeaders({
        secret: TEST_SECRET, method: input.method, signedPath: sentPath, baseUrl: TEST_BASE_URL, body: body ?? '',
        timestampMs: clock.now().getTime(), uriForm: 'hubspot', ...input.sign,
      });
      signaturesSent.add(signed['X-HubSpot-Signature-v3']!);
      Object.assign(headers, signed);
    }
    for (const [name, value] of Object.entries(input.headers ?? {})) {
      // Header names are case-insensitive: a replacement replaces, whatever its case.
      for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
      headers[name] = value;
    }
    // A signature given by hand (v1, v2, another secret's v3) is a secret too; fuzzed noise in the header is not.
    for (const [name, value] of Object.entries(headers)) {
      if (/^x-hubspot-signature(-v3)?$/i.test(name) && /^(?:[A-Za-z0-9+/]{43}=|[0-9a-f]{64})$/.test(value)) signaturesSent.add(value);
    }
    const bytes = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    if (bytes) headers['content-length'] = String(bytes.length);

    return new Promise<Answer>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: input.method, path: sentPath, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
          const answer: Answer = { status: res.statusCode ?? 0, headers: res.headers, text, json, sentPath };
          answers.push(answer);
          resolve(answer);
        });
      });
      req.on('error', reject);
      req.end(bytes);
    });
  };

  return {
    db, clock, logs, answers, signaturesSent, send,
    call: (caller, method, path, body) => send({ method, path, caller, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The `error.details[].path` values of an error answer. */
export function detailPaths(answer: Answer): string[] {
  const details = (answer.json as { error?: { details?: { path?: unknown }[] } } | undefined)?.error?.details;
  return Array.isArray(details) ? details.map((d) => String(d.path)) : [];
}
