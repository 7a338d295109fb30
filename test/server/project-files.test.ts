import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeConfig } from '../../server/config.js';

const SECRET_KEYS = /^(personalaccesskey|apikey|api_key|accesstoken|access_token|refreshtoken|refresh_token|clientsecret|client_secret|token|secret|password)$/i;

function findSecretKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => findSecretKeys(item, `${path}[${index}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => [
      ...(SECRET_KEYS.test(key) || key === 'tokenInfo' ? [`${path}.${key}`] : []),
      ...findSecretKeys(inner, `${path}.${key}`),
    ]);
  }
  return [];
}

describe('hubspot.config.yml', () => {
  const text = readFileSync('hubspot.config.yml', 'utf8');

  it('holds no key, token or secret', () => {
    expect(findSecretKeys(parse(text))).toEqual([]);
    expect(text).not.toMatch(/pat-[a-z]{2}\d-[0-9a-f-]{20,}/i); // personal access keys
    expect(text).not.toMatch(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i); // client secrets, API keys
    expect(text).not.toMatch(/CJ[A-Za-z0-9_-]{40,}/); // OAuth access tokens
  });

  it('uses personal access key auth for the CLI', () => {
    const config = parse(text) as { portals: { authType: string }[] };
    expect(config.portals.every((portal) => portal.authType === 'personalaccesskey')).toBe(true);
  });
});

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('documents every configuration variable in its table', () => {
    const missing = describeConfig().filter(({ name }) => !readme.includes(`| \`${name}\``));
    expect(missing.map(({ name }) => name)).toEqual([]);
  });

  it('names the two commands a newcomer runs', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});

describe('hsproject.json', () => {
  it('points HubSpot at the extensions folder on a current platform', () => {
    const project = JSON.parse(readFileSync('hsproject.json', 'utf8')) as { srcDir: string; platformVersion: string };
    expect(project.srcDir).toBe('extensions');
    expect(project.platformVersion >= '2025.2').toBe(true);
  });
});

describe('the webhook subscriptions', () => {
  const meta = JSON.parse(readFileSync('extensions/app/webhooks/webhooks-hsmeta.json', 'utf8')) as {
    config: { settings: { targetUrl: string }; subscriptions: { legacyCrmObjects: { subscriptionType: string; propertyName?: string }[] } };
  };
  const app = JSON.parse(readFileSync('extensions/app/app-hsmeta.json', 'utf8')) as { config: { permittedUrls: { fetch: string[] } } };

  it('deliver to the service the card calls, at /webhooks/hubspot', () => {
    const target = new URL(meta.config.settings.targetUrl);
    expect(target.protocol).toBe('https:');
    expect(target.pathname).toBe('/webhooks/hubspot');
    expect(app.config.permittedUrls.fetch).toContain(target.origin);
  });

  it('cover the stage, deletions, and every material property of the shipped policies', async () => {
    const { parsePolicy } = await import('../../src/policy/parse-policy.js');
    const subscribed = new Set(meta.config.subscriptions.legacyCrmObjects.filter((s) => s.subscriptionType === 'deal.propertyChange').map((s) => s.propertyName));
    expect(subscribed.has('dealstage')).toBe(true);
    expect(meta.config.subscriptions.legacyCrmObjects.some((s) => s.subscriptionType === 'deal.deletion')).toBe(true);
    for (const file of ['sales-deal-desk.yaml', 'client-success.yaml']) {
      const parsed = parsePolicy(readFileSync(`examples/policies/${file}`, 'utf8'));
      if (!parsed.ok) throw new Error(`${file} is invalid`);
      for (const property of parsed.policy.materialProperties ?? []) expect(subscribed, `${file}: ${property}`).toContain(property);
    }
  });
});
