import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConfig } from '../../server/config.js';
import { HEAP_GROWING_PERCENT } from '../../server/heap-growth.js';
import { SERVICE_NODE_FLAGS } from '../support/service-node-flags.js';

/** Shapes of HubSpot credentials: personal access keys and OAuth access tokens. */
const CREDENTIAL_SHAPES = [/pat-[a-z]{2}\d-[0-9a-f-]{20,}/i, /\bCJ[A-Za-z0-9_-]{40,}/];

describe('credentials in the repository', () => {
  const tracked = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' }).split('\0').filter(Boolean);

  it('keeps no HubSpot CLI account file: the CLI takes the account and key from the environment (--use-env)', () => {
    expect(tracked.filter((file) => path.basename(file) === 'hubspot.config.yml')).toEqual([]);
    // A developer's own `hs init` file stays out of git.
    expect(execFileSync('git', ['check-ignore', '--no-index', 'hubspot.config.yml'], { encoding: 'utf8' }).trim()).toBe('hubspot.config.yml');
  });

  it('has no file holding something shaped like a HubSpot key or token', () => {
    const found = tracked.filter((file) => existsSync(file) && statSync(file).isFile() && statSync(file).size < 2_000_000)
      .filter((file) => { const text = readFileSync(file, 'utf8'); return CREDENTIAL_SHAPES.some((shape) => shape.test(text)); });
    expect(found).toEqual([]);
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

describe('package.json', () => {
  it('starts the service with Node flags that the README tells other launchers to give through NODE_OPTIONS', () => {
    const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(start).toMatch(/^exec node /);
    expect(SERVICE_NODE_FLAGS.length).toBeGreaterThan(0);
    expect(readFileSync('README.md', 'utf8')).toContain(`NODE_OPTIONS=${SERVICE_NODE_FLAGS.join(' ')}`);
  });

  it('sets a heap growing factor this Node knows: V8 ignores an unknown flag set at run time, and refuses it on the command line', () => {
    expect(() => execFileSync(process.execPath, [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`, '-e', ''], { stdio: 'pipe' })).not.toThrow();
    expect(() => execFileSync(process.execPath, ['--heap-growing-percentage-unknown=1', '-e', ''], { stdio: 'pipe' })).toThrow(/bad option/);
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
    // The service's URL is a profile variable (test/extensions/project-config.test.ts checks each profile's value).
    expect(meta.config.settings.targetUrl).toBe('${SERVICE_URL}/webhooks/hubspot');
    expect(app.config.permittedUrls.fetch).toEqual(['${SERVICE_URL}']);
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
