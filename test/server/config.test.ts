import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, signedBaseUrl } from '../../server/config.js';

describe('configuration from the environment', () => {
  it('uses sensible local defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ NODE_ENV: 'development', PORT: 3000, EMBEDDED_PG_DATA_DIR: './data/pg', EMBEDDED_PG_PORT: 54329 });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('names a malformed variable and what it expected', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: .*number.*got "eighty"/);
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ PORT: '70000', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/PORT:/);
      expect(message).toMatch(/LOG_LEVEL:/);
      expect(message).toMatch(/DATABASE_URL: expected a postgres/);
    }
  });

  it('never echoes a secret value in the error', () => {
    const secretUrl = 'mysql://admin:hunter2-super-secret@db/x';
    let message = '';
    try {
      loadConfig({ DATABASE_URL: secretUrl, HUBSPOT_CLIENT_SECRET: 'short' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL:.*value is hidden/);
    expect(message).toMatch(/HUBSPOT_CLIENT_SECRET:.*value is hidden/);
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('short');
  });

  it('requires the HubSpot secrets and an https public URL in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://x.example' })).toThrow(
      /HUBSPOT_CLIENT_ID: required[\s\S]*HUBSPOT_CLIENT_SECRET: required[\s\S]*DATABASE_URL: required[\s\S]*PUBLIC_BASE_URL: must be an https/,
    );
  });

  it('bounds statements and HTTP connections by default, and refuses a headers timeout longer than the request timeout', () => {
    expect(loadConfig({})).toMatchObject({ DB_STATEMENT_TIMEOUT_MS: 15_000, HTTP_HEADERS_TIMEOUT_MS: 10_000, HTTP_REQUEST_TIMEOUT_MS: 30_000, HTTP_KEEP_ALIVE_TIMEOUT_MS: 65_000 });
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '0' }).DB_STATEMENT_TIMEOUT_MS).toBe(0);
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '40000', HTTP_REQUEST_TIMEOUT_MS: '30000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS/);
  });

  it('refuses to start in production without METRICS_TOKEN, since /metrics names portals', () => {
    const production = {
      NODE_ENV: 'production', HUBSPOT_CLIENT_ID: 'id', HUBSPOT_CLIENT_SECRET: 'client-secret-0123', PUBLIC_BASE_URL: 'https://approvals.example.com',
      DATABASE_URL: 'postgres://u:p@db/x', TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
    };
    expect(() => loadConfig(production)).toThrow(/METRICS_TOKEN: required when NODE_ENV=production/);
    expect(loadConfig({ ...production, METRICS_TOKEN: 'metrics-token-0123456789' }).METRICS_TOKEN).toBe('metrics-token-0123456789');
    expect(loadConfig({}).METRICS_TOKEN).toBeUndefined(); // development: open
  });

  it('names the base URL signatures are verified over: PUBLIC_BASE_URL, else the local URL the dev proxy signs', () => {
    expect(signedBaseUrl(loadConfig({ PUBLIC_BASE_URL: 'https://approvals.example.com/', PORT: '3100' }))).toBe('https://approvals.example.com');
    expect(signedBaseUrl(loadConfig({ PORT: '3100' }))).toBe('http://localhost:3100');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});
