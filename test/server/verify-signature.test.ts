// The v3 signature rules, checked against @hubspot/api-client's own Signature helper as the reference.
import { Signature } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../server/http/sign-request.js';
import { computeSignatureV3, hubspotDecodeUri, signedUriForms, verifySignatureV3 } from '../../server/http/verify-signature.js';

const secret = 'test-client-secret';
const nowMs = 1_760_000_000_000;
const timestamp = String(nowMs - 1_000);
const url = 'https://approvals.example.com/api/v1/deals/42/requests?portalId=123&userId=7&userEmail=rep@acme.example';
const body = JSON.stringify({ justification: 'strategic logo', idempotencyKey: 'k-1' });

/** What HubSpot would send, computed by the reference implementation. */
function referenceSignature(options: { method?: string; url?: string; body?: string; timestamp?: string; secret?: string } = {}): string {
  return Signature.getSignature(options.method ?? 'POST', 'v3', {
    signature: '',
    clientSecret: options.secret ?? secret,
    url: options.url ?? url,
    requestBody: options.body ?? body,
    timestamp: Number(options.timestamp ?? timestamp),
  });
}

function verify(overrides: Partial<Parameters<typeof verifySignatureV3>[0]> = {}) {
  return verifySignatureV3({
    secret,
    method: 'POST',
    uriCandidates: [url],
    rawBody: body,
    signature: referenceSignature(),
    timestamp,
    nowMs,
    ...overrides,
  });
}

describe('computeSignatureV3', () => {
  it('produces the same signature as the reference helper', () => {
    expect(computeSignatureV3({ secret, method: 'POST', uri: url, rawBody: body, timestamp })).toBe(referenceSignature());
  });

  it('hashes a Buffer body exactly like the same text', () => {
    const fromBuffer = computeSignatureV3({ secret, method: 'POST', uri: url, rawBody: Buffer.from(body), timestamp });
    expect(fromBuffer).toBe(referenceSignature());
  });
});

describe('verifySignatureV3', () => {
  it('accepts a request signed by the reference helper', () => {
    expect(verify()).toEqual({ ok: true });
  });

  it('accepts a bodiless GET signed over the empty body', () => {
    const signature = referenceSignature({ method: 'GET', body: '' });
    expect(verify({ method: 'GET', rawBody: '', signature })).toEqual({ ok: true });
  });

  it('accepts a signature that matches any one of the URI candidates', () => {
    const local = 'http://localhost:3000/api/v1/deals/42/requests?portalId=123&userId=7&userEmail=rep@acme.example';
    const signature = referenceSignature({ url: local });
    expect(verify({ uriCandidates: [url, local], signature })).toEqual({ ok: true });
  });

  it.each([
    ['method', { method: 'PUT' }],
    ['path', { uriCandidates: [url.replace('/deals/42/', '/deals/43/')] }],
    ['query', { uriCandidates: [url.replace('portalId=123', 'portalId=124')] }],
    ['host', { uriCandidates: [url.replace('approvals.example.com', 'evil.example.com')] }],
    ['body', { rawBody: body.replace('strategic', 'tactical') }],
    ['timestamp', { timestamp: String(Number(timestamp) + 1) }],
  ] as const)('rejects a request whose %s was changed after signing', (_part, overrides) => {
    expect(verify(overrides)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a signature made with another secret', () => {
    expect(verify({ signature: referenceSignature({ secret: 'another-secret' }) })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a signature of the wrong length without throwing', () => {
    expect(verify({ signature: 'short' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verify({ signature: `${referenceSignature()}=` })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a missing signature or timestamp', () => {
    expect(verify({ signature: undefined })).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify({ signature: '' })).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify({ timestamp: undefined })).toEqual({ ok: false, reason: 'missing_timestamp' });
  });

  it.each(['abc', '1.76e12', ' 1760000000000', '-1760000000000', '0x1f'])('rejects the malformed timestamp %j', (bad) => {
    expect(verify({ timestamp: bad })).toEqual({ ok: false, reason: 'bad_timestamp' });
  });

  it('accepts a timestamp exactly five minutes old and rejects one a millisecond older', () => {
    const atEdge = String(nowMs - 300_000);
    expect(verify({ timestamp: atEdge, signature: referenceSignature({ timestamp: atEdge }) })).toEqual({ ok: true });
    const tooOld = String(nowMs - 300_001);
    expect(verify({ timestamp: tooOld, signature: referenceSignature({ timestamp: tooOld }) })).toEqual({ ok: false, reason: 'expired' });
  });

  it('rejects a timestamp more than five minutes in the future', () => {
    const atEdge = String(nowMs + 300_000);
    expect(verify({ timestamp: atEdge, signature: referenceSignature({ timestamp: atEdge }) })).toEqual({ ok: true });
    const ahead = String(nowMs + 300_001);
    expect(verify({ timestamp: ahead, signature: referenceSignature({ timestamp: ahead }) })).toEqual({ ok: false, reason: 'from_future' });
  });

  it('honours a custom window', () => {
    expect(verify({ maxSkewMs: 500 })).toEqual({ ok: false, reason: 'expired' });
  });

  describe('with an encoded @ in userEmail', () => {
    const wire = url.replace('rep@acme.example', 'rep%40acme.example');

    it('accepts HubSpot\'s signature over the decoded URI', () => {
      const signature = referenceSignature({ url: wire.replace('%40', '@') });
      expect(verify({ uriCandidates: [wire], signature })).toEqual({ ok: true });
    });

    it('accepts the dev proxy\'s signature over the URI as sent', () => {
      const signature = referenceSignature({ url: wire });
      expect(verify({ uriCandidates: [wire], signature })).toEqual({ ok: true });
    });
  });
});

describe('hubspotDecodeUri', () => {
  it('decodes each escape on HubSpot\'s list, in either case', () => {
    const encoded = '%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B|%3a%2f%3f%40%21%24%27%28%29%2a%2c%3b';
    expect(hubspotDecodeUri(encoded)).toBe(":/?@!$'()*,;|:/?@!$'()*,;");
  });

  it.each(['%20', '%2B', '%25', '%3D', '%26', '%23', '%5B', '%E2%82%AC'])('leaves %s encoded', (escape) => {
    expect(hubspotDecodeUri(`a${escape}b`)).toBe(`a${escape}b`);
  });

  it('decodes in one pass, so an escaped percent sign is not decoded twice', () => {
    expect(hubspotDecodeUri('userEmail=a%2540b.c')).toBe('userEmail=a%2540b.c');
  });
});

describe('signedUriForms', () => {
  it('tries each URI as HubSpot signs it before the form the local dev proxy signs, each form once', () => {
    const wire = 'https://app.example/api/v1/x?userEmail=a%40b.c';
    const local = 'http://localhost:3000/api/v1/x?userEmail=a%40b.c';
    expect(signedUriForms([wire, local])).toEqual([
      'https://app.example/api/v1/x?userEmail=a@b.c', wire,
      'http://localhost:3000/api/v1/x?userEmail=a@b.c', local,
    ]);
    expect(signedUriForms(['https://app.example/api/v1/x?portalId=1'])).toEqual(['https://app.example/api/v1/x?portalId=1']);
  });
});

describe('signRequest', () => {
  it('produces headers the reference helper accepts, signed over the decoded URI', () => {
    const timestampMs = Date.now(); // Signature.isValid checks the window against the real clock.
    const wireUrl = url.replace('rep@acme.example', 'rep%40acme.example');
    const signed = signRequest({ secret, method: 'post', url: wireUrl, body: { a: 1 }, timestampMs });

    expect(signed.rawBody).toBe('{"a":1}');
    expect(signed.headers['Content-Type']).toBe('application/json');
    expect(signed.headers['X-HubSpot-Request-Timestamp']).toBe(String(timestampMs));
    expect(Signature.isValid({
      signatureVersion: 'v3',
      method: 'POST',
      clientSecret: secret,
      url: hubspotDecodeUri(wireUrl),
      requestBody: signed.rawBody,
      timestamp: timestampMs,
      signature: signed.headers['X-HubSpot-Signature-v3']!,
    })).toBe(true);
  });

  it('signs a bodiless request over the empty body and sends no content type', () => {
    const signed = signRequest({ secret, method: 'GET', url, timestampMs: nowMs });
    expect(signed.rawBody).toBe('');
    expect(signed.headers['Content-Type']).toBeUndefined();
    expect(verify({ method: 'GET', rawBody: '', signature: signed.headers['X-HubSpot-Signature-v3'], timestamp: String(nowMs) }))
      .toEqual({ ok: true });
  });
});
