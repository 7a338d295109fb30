// The service's HTTP server, started as `serve` starts it, holds its connections to the configured timeouts: a client
// that trickles its headers or its body is answered 408 and cut off, and an idle keep-alive connection is closed.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { startService, type RunningService } from '../../server/main.js';
import { useTestDatabase } from '../support/db.js';
import { createTestLogger } from '../support/logger.js';
import { freePort } from '../support/spawn-service.js';

const database = useTestDatabase();
let service: RunningService;
let port: number;

beforeAll(async () => {
  port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test', PORT: String(port), DATABASE_URL: database().url, WORKER_ENABLED: 'false',
    HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
  });
  service = await startService({ config, logger: createTestLogger('silent').logger });
});
afterAll(async () => { await service?.stop(); });

/** Opens a raw connection, writes `sent`, and resolves with all the server wrote once it closes the connection. */
function exchange(sent: string, options: { closeAfterMs?: number } = {}): Promise<{ received: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    // A guard against waiting forever: the server's own timeouts are far shorter.
    const guard = setTimeout(() => { socket.destroy(); resolve({ received, closedByServer: false }); }, options.closeAfterMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => { received += chunk.toString('latin1'); });
    socket.on('error', reject);
    socket.on('close', () => { clearTimeout(guard); resolve({ received, closedByServer: true }); });
    socket.write(sent);
  });
}

describe("the HTTP server's timeouts", () => {
  it('answers 408 and closes a connection whose headers never finish (HTTP_HEADERS_TIMEOUT_MS)', async () => {
    const { received, closedByServer } = await exchange('GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    expect(closedByServer).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 and closes a connection whose body never finishes (HTTP_REQUEST_TIMEOUT_MS)', async () => {
    const head = 'POST /webhooks/hubspot HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const { received, closedByServer } = await exchange(`${head}[{"eventId":`);
    expect(closedByServer).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS, having said so in its answer', async () => {
    const { received, closedByServer } = await exchange('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).toMatch(/\r\nKeep-Alive: timeout=1\r\n/i);
    expect(closedByServer).toBe(true);
  });
});
