// The benchmarks' HTTP client: HTTP/1.1 keep-alive connections over plain sockets, each request written as one buffer
// and each answer read by its Content-Length, as autocannon does. The driver shares the machine's cores with the
// service and Postgres, and every millisecond it spends on a response is counted in that response's latency, so it
// does as little as it can: fetch and node:http's agent cost a request several times more CPU.
import net from 'node:net';

export interface LeanResponse {
  status: number;
  body: string;
}

/** A request as the bytes that go on the wire, and where they go. */
export interface PreparedRequest {
  host: string;
  port: number;
  bytes: Buffer;
}

export function prepare(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string): PreparedRequest {
  const target = new URL(url);
  const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`, 'Connection: keep-alive'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body, 'utf8');
  if (body !== undefined) lines.push(`Content-Length: ${payload.length}`);
  return { host: target.hostname, port: Number(target.port), bytes: Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]) };
}

export function send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string): Promise<LeanResponse> {
  return sendPrepared(prepare(method, url, headers, body));
}

/** A server closes a connection idle this long (Node's keepAliveTimeout is 5 s); older idle ones are not reused. */
const IDLE_REUSE_MS = 4_000;
const HEADER_END = Buffer.from('\r\n\r\n');

interface Connection {
  socket: net.Socket;
  idleSince: number;
  /** The response being read, when a request is in flight. */
  waiting: { resolve: (response: LeanResponse) => void; reject: (error: Error) => void; chunks: Buffer[]; received: number; status?: number; bodyStart?: number; length?: number } | null;
}

const idle = new Map<string, Connection[]>();
const open = new Set<Connection>();

/**
 * Sends a request on an idle connection to its host, or a new one. With `timeoutMs`, an answer not complete by then
 * rejects with a TimeoutError and its connection is closed (an answer that may still come cannot be told apart).
 */
export function sendPrepared(request: PreparedRequest, timeoutMs?: number): Promise<LeanResponse> {
  return new Promise((resolve, reject) => {
    const connection = takeIdle(request) ?? connect(request);
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      if (connection.waiting?.resolve !== done) return;
      connection.waiting = null;
      drop(connection);
      reject(new TimeoutError(`no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (response: LeanResponse) => { clearTimeout(timer); resolve(response); };
    connection.waiting = { resolve: done, reject: (error) => { clearTimeout(timer); reject(error); }, chunks: [], received: 0 };
    connection.socket.write(request.bytes);
  });
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

function takeIdle(request: PreparedRequest): Connection | undefined {
  const pool = idle.get(`${request.host}:${request.port}`);
  const now = performance.now();
  for (let connection = pool?.pop(); connection; connection = pool?.pop()) {
    if (now - connection.idleSince < IDLE_REUSE_MS && !connection.socket.destroyed) return connection;
    drop(connection);
  }
  return undefined;
}

function connect(request: PreparedRequest): Connection {
  const key = `${request.host}:${request.port}`;
  const socket = net.connect({ host: request.host, port: request.port, noDelay: true });
  const connection: Connection = { socket, idleSince: 0, waiting: null };
  open.add(connection);
  socket.on('data', (chunk: Buffer) => onData(connection, key, chunk));
  const fail = (error: Error) => {
    const waiting = connection.waiting;
    connection.waiting = null;
    drop(connection);
    waiting?.reject(error);
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('the connection closed before the response was complete')));
  return connection;
}

function onData(connection: Connection, key: string, chunk: Buffer): void {
  const waiting = connection.waiting;
  if (!waiting) {
    drop(connection); // bytes nobody asked for: the connection cannot be trusted
    return;
  }
  waiting.chunks.push(chunk);
  waiting.received += chunk.length;
  if (waiting.length === undefined) {
    const head = waiting.chunks.length === 1 ? chunk : Buffer.concat(waiting.chunks);
    const end = head.indexOf(HEADER_END);
    if (end < 0) return;
    waiting.chunks = [head];
    const headers = head.toString('latin1', 0, end);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(headers)?.[1];
    if (length === undefined) {
      connection.waiting = null;
      drop(connection);
      waiting.reject(new Error('a response without Content-Length'));
      return;
    }
    waiting.status = Number(headers.slice(9, 12));
    waiting.bodyStart = end + HEADER_END.length;
    waiting.length = Number(length);
  }
  const wanted = waiting.bodyStart! + waiting.length;
  if (waiting.received < wanted) return;
  const all = waiting.chunks.length === 1 ? waiting.chunks[0]! : Buffer.concat(waiting.chunks);
  connection.waiting = null;
  if (waiting.received > wanted) drop(connection); // one request at a time: more bytes than the answer is a broken stream
  else {
    connection.idleSince = performance.now();
    let pool = idle.get(key);
    if (!pool) idle.set(key, (pool = []));
    pool.push(connection);
  }
  waiting.resolve({ status: waiting.status!, body: all.toString('utf8', waiting.bodyStart, wanted) });
}

function drop(connection: Connection): void {
  open.delete(connection);
  connection.socket.destroy();
}

export function closeIdleSockets(): void {
  for (const connection of open) drop(connection);
  idle.clear();
}
