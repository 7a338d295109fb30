// The soak's HTTP client: node:http with a keep-alive agent. The driver shares the machine's two cores with the
// service and Postgres, and every millisecond it spends on a response is counted in that response's latency. fetch
// (undici) cost the soak's driver about 1.2 ms of CPU a request (25% of a core at 200 req/s); this does the same
// work for a fraction of it, so the tail the soak prints is more the service's and less its own.
import http from 'node:http';

export interface LeanResponse {
  status: number;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export function send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string): Promise<LeanResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent, headers: body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

export function closeIdleSockets(): void {
  agent.destroy();
}
