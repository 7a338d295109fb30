// Checks of the HubSpot project itself: what `hs project upload` would read, parsed by HubSpot's own
// project-parsing-lib and by our own JSON checks (that library silently drops a malformed hsmeta file).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { translate } from '@hubspot/project-parsing-lib/translate';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { API_BASE_URL, urlFor } from '../../extensions/app/cards/api.js';

const SRC_DIR = 'extensions';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

interface Meta { uid: unknown; type: unknown; config: Record<string, unknown> }

const metaFiles = walk(SRC_DIR).filter((path) => path.endsWith('-hsmeta.json'));
const metas = new Map(metaFiles.map((path) => [path, JSON.parse(readFileSync(path, 'utf8')) as Meta]));
const app = metas.get(join(SRC_DIR, 'app', 'app-hsmeta.json'))?.config as {
  name: string; distribution: string;
  auth: { type: string; redirectUrls: string[]; requiredScopes: string[]; optionalScopes: string[]; conditionallyRequiredScopes: string[] };
  permittedUrls: { fetch: string[]; iframe: string[]; img: string[] };
  support: Record<string, string>;
};
const cards = [...metas.entries()].filter(([, meta]) => meta.type === 'card');

/** Why the app asks for each scope; the list must equal what the service's install asks for (HUBSPOT_SCOPES). */
const SCOPE_REASONS: Record<string, string> = {
  'oauth': 'every OAuth app; the service reads the portal id from the token metadata',
  'crm.objects.deals.read': 'read the deal properties a policy scores',
  'crm.objects.deals.write': 'write the approval status back, roll a gated stage back',
  'crm.objects.owners.read': 'resolve the deal owner and approvers to users and teams',
  'crm.schemas.deals.read': 'check the approval property group exists',
  'crm.schemas.deals.write': 'create the approval property group and properties on install',
  'crm.objects.contacts.write': 'HubSpot files notes (the rollback note on a deal) under the contacts scope',
};

describe('the HubSpot project files', () => {
  it('names extensions/ as the source folder on platform 2025.2 or later', () => {
    const project = JSON.parse(readFileSync('hsproject.json', 'utf8')) as { srcDir: string; platformVersion: string };
    expect(project.srcDir).toBe(SRC_DIR);
    expect(project.platformVersion >= '2025.2').toBe(true);
  });

  it('has well-formed hsmeta files with unique uids', () => {
    expect(metaFiles.length).toBeGreaterThanOrEqual(3);
    for (const [path, meta] of metas) {
      expect(meta.uid, path).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{1,64}$/));
      expect(typeof meta.type, path).toBe('string');
      expect(meta.config, path).toEqual(expect.any(Object));
    }
    const uids = [...metas.values()].map((meta) => meta.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('is read whole by HubSpot\'s project parser: every hsmeta file becomes a component, none skipped', async () => {
    const project = JSON.parse(readFileSync('hsproject.json', 'utf8')) as { platformVersion: string };
    const { intermediateRepresentation, skippedHsMetaFiles } = await translate(
      { projectSourceDir: join(process.cwd(), SRC_DIR), platformVersion: project.platformVersion, accountId: 1 },
      { skipValidation: true },
    );
    expect(skippedHsMetaFiles).toEqual([]);
    const nodes = Object.values(intermediateRepresentation.intermediateNodesIndexedByUid);
    expect(nodes.map((node) => node.metaFilePath).sort()).toEqual(metaFiles.map((path) => relative(SRC_DIR, path)).sort());
    expect(nodes.map((node) => node.componentType).sort()).toEqual(['APPLICATION', 'CARD', 'CARD', 'WEBHOOKS']);
  });
});

describe('the app', () => {
  it('installs through OAuth with exactly the scopes the service asks for, each one needed', () => {
    expect(app.auth.type).toBe('oauth');
    const serviceScopes = loadConfig({}).HUBSPOT_SCOPES.split(' ');
    expect([...app.auth.requiredScopes].sort()).toEqual([...serviceScopes].sort());
    expect(Object.keys(SCOPE_REASONS).sort()).toEqual([...app.auth.requiredScopes].sort());
    expect(app.auth.optionalScopes).toEqual([]);
    expect(app.auth.conditionallyRequiredScopes).toEqual([]);
  });

  it('redirects the OAuth install to the service\'s /oauth/callback', () => {
    expect(app.auth.redirectUrls).toContain(`${API_BASE_URL}/oauth/callback`);
    for (const url of app.auth.redirectUrls) {
      const parsed = new URL(url);
      expect(parsed.pathname).toBe('/oauth/callback');
      expect(parsed.protocol === 'https:' || parsed.hostname === 'localhost').toBe(true);
    }
  });

  it('permits fetches to the service\'s public HTTPS URL only, and covers every URL the card calls', () => {
    const permitted = app.permittedUrls.fetch;
    expect(permitted).toEqual([API_BASE_URL]);
    for (const url of permitted) {
      const parsed = new URL(url);
      expect(parsed.protocol).toBe('https:');
      expect(['localhost', '127.0.0.1']).not.toContain(parsed.hostname);
    }
    const identity = { portalId: '1', userId: '2', userEmail: 'a@b.c' };
    const called = ['/api/v1/deals/1/card', '/api/v1/deals/1/requests', '/api/v1/requests/x/decisions', '/api/v1/requests/x/withdraw', '/api/v1/inbox']
      .map((path) => urlFor(path, identity));
    for (const url of called) expect(permitted.some((prefix) => url.startsWith(`${prefix}/`))).toBe(true);
    expect(app.permittedUrls.iframe).toEqual([]);
    expect(app.permittedUrls.img).toEqual([]);
  });

  it('names its support contacts', () => {
    expect(app.support.supportEmail).toMatch(/^[^@\s]+@[^@\s]+$/);
    expect(new URL(app.support.documentationUrl!).protocol).toBe('https:');
    expect(new URL(app.support.supportUrl!).protocol).toBe('https:');
  });

  it('maps the public URL to the local service for `hs project dev`', () => {
    const local = JSON.parse(readFileSync(join(SRC_DIR, 'app', 'local.json'), 'utf8')) as { proxy: Record<string, string> };
    expect(Object.keys(local.proxy)).toEqual([API_BASE_URL]);
    expect(local.proxy[API_BASE_URL]).toMatch(/^http:\/\/localhost:\d+$/);
  });
});

describe('the cards', () => {
  it('puts one tab card and one sidebar card on deals, each entry registering for its location', () => {
    expect(cards.map(([, meta]) => meta.config.location).sort()).toEqual(['crm.record.sidebar', 'crm.record.tab']);
    for (const [path, meta] of cards) {
      const config = meta.config as { name: string; location: string; entrypoint: string; objectTypes: string[] };
      expect(config.objectTypes, path).toEqual(['deals']);
      expect(config.name.length, path).toBeGreaterThan(0);
      expect(config.entrypoint, path).toMatch(/^\/app\/cards\/[A-Z][A-Za-z]+\.tsx$/);
      const entry = join(SRC_DIR, config.entrypoint);
      expect(existsSync(entry), entry).toBe(true);
      expect(readFileSync(entry, 'utf8'), entry).toContain(`hubspot.extend<'${config.location}'>`);
    }
  });

  it('pins React 18.3.1 and @hubspot/ui-extensions 0.17, installed through the root workspace', () => {
    const cardsPackage = JSON.parse(readFileSync(join(SRC_DIR, 'app', 'cards', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(cardsPackage.dependencies.react).toBe('18.3.1');
    expect(cardsPackage.dependencies['@hubspot/ui-extensions']).toMatch(/^0\.17\.\d+$/);
    const rootPackage = JSON.parse(readFileSync('package.json', 'utf8')) as { workspaces: string[] };
    expect(rootPackage.workspaces).toContain('extensions/app/cards');
  });

  it('calls the service only through api.ts, and imports nothing from src/ or server/', () => {
    const sources = walk(join(SRC_DIR, 'app', 'cards')).filter((path) => /\.(ts|tsx)$/.test(path));
    for (const path of sources) {
      const text = readFileSync(path, 'utf8');
      if (!path.endsWith(join('cards', 'api.ts'))) expect(text, path).not.toMatch(/hubspot\.fetch|\bfetch\(/);
      for (const [, from] of text.matchAll(/from '([^']+)'/g)) {
        expect(from, path).not.toMatch(/(^|\/)(src|server)\//);
        expect(from!.startsWith('../../'), `${path} imports ${from}`).toBe(false);
      }
    }
  });
});
