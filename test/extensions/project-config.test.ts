// Checks of the HubSpot project itself: what `hs project upload --profile <name>` would read, parsed by HubSpot's
// own project-parsing-lib with each profile applied, and our own JSON checks (that library silently drops a malformed
// hsmeta file).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LATEST_SUPPORTED_PLATFORM_VERSION } from '@hubspot/project-parsing-lib/projects';
import { translate } from '@hubspot/project-parsing-lib/translate';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { serviceUrlOf, urlFor } from '../../extensions/app/cards/api.js';

const SRC_DIR = 'extensions';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

interface Meta { uid: unknown; type: unknown; config: Record<string, unknown> }

const project = JSON.parse(readFileSync('hsproject.json', 'utf8')) as { name: string; srcDir: string; platformVersion: string };
const metaFiles = walk(SRC_DIR).filter((path) => path.endsWith('-hsmeta.json'));
const metas = new Map(metaFiles.map((path) => [path, JSON.parse(readFileSync(path, 'utf8')) as Meta]));
const cards = [...metas.entries()].filter(([, meta]) => meta.type === 'card');

interface AppConfig {
  name: string; distribution: string;
  auth: { type: string; redirectUrls: string[]; requiredScopes: string[]; optionalScopes: string[]; conditionallyRequiredScopes: string[] };
  permittedUrls: { fetch: string[]; iframe: string[]; img: string[] };
  support: Record<string, string>;
}
interface WebhooksConfig { settings: { targetUrl: string; maxConcurrentRequests: number } }
interface Profile { accountId: unknown; variables: Record<string, unknown> }

/** The profiles HubSpot's CLI finds: `hsprofile.<name>.json` at the top of the source folder. */
const profileNames = readdirSync(SRC_DIR).flatMap((name) => /^hsprofile\.([^.]+)\.json$/.exec(name)?.[1] ?? []).sort();
const profiles = new Map(profileNames.map((name) => [name, JSON.parse(readFileSync(join(SRC_DIR, `hsprofile.${name}.json`), 'utf8')) as Profile]));
const local = JSON.parse(readFileSync(join(SRC_DIR, 'app', 'local.json'), 'utf8')) as { proxy: Record<string, string> };

/** The project as HubSpot's parser reads it with a profile applied. */
async function translated(profile: string, platformVersion = project.platformVersion) {
  const { intermediateRepresentation, skippedHsMetaFiles } = await translate(
    { projectSourceDir: join(process.cwd(), SRC_DIR), platformVersion, accountId: 1 },
    { skipValidation: true, profile },
  );
  const nodes = Object.values(intermediateRepresentation.intermediateNodesIndexedByUid);
  const configOf = <T,>(type: string): T => {
    const node = nodes.find((candidate) => candidate.componentType === type);
    if (!node) throw new Error(`no ${type} component`);
    return node.config as T;
  };
  return { nodes, skippedHsMetaFiles, app: configOf<AppConfig>('APPLICATION'), webhooks: configOf<WebhooksConfig>('WEBHOOKS'), profileData: intermediateRepresentation.profileData };
}

/** Why the app asks for each scope; the list must equal what the service's install asks for (HUBSPOT_SCOPES). */
const SCOPE_REASONS: Record<string, string> = {
  'oauth': 'every OAuth app; the service reads the portal id from the token metadata',
  'crm.objects.deals.read': 'read the deal properties a policy scores',
  'crm.objects.deals.write': 'write the approval status back, roll a gated stage back',
  'crm.objects.owners.read': 'resolve the deal owner and approvers to users and teams',
  'crm.schemas.deals.read': 'check the approval property group exists',
  'crm.schemas.deals.write': 'create the approval property group and properties on install',
  'crm.objects.contacts.write': 'HubSpot files notes (the rollback note on a deal) under the contacts scope',
  'settings.users.read': 'read the portal\'s super admins, who administer the app beside the admins its settings name',
};

/** Every URL the card calls, for a service URL. */
function urlsTheCardCalls(serviceUrl: string): string[] {
  const identity = { serviceUrl, portalId: '1', userId: '2', userEmail: 'a@b.c' };
  return ['/api/v1/deals/1/card', '/api/v1/deals/1/requests', '/api/v1/requests/x/decisions', '/api/v1/requests/x/withdraw', '/api/v1/inbox']
    .map((path) => urlFor(path, identity, path.endsWith('/card') ? { dealModifiedAt: '1764750000123' } : {}));
}

describe('the HubSpot project files', () => {
  it('names extensions/ as the source folder on platform 2026.03, the newest version HubSpot\'s parser calls supported', () => {
    expect(project.srcDir).toBe(SRC_DIR);
    expect(project.platformVersion).toBe('2026.03');
    expect(LATEST_SUPPORTED_PLATFORM_VERSION).toBe(project.platformVersion);
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

  it.each(['2025.2', '2026.03'])('is read whole by HubSpot\'s project parser on %s with every profile: each hsmeta file a component', async (platformVersion) => {
    for (const profile of profileNames) {
      const { nodes, skippedHsMetaFiles } = await translated(profile, platformVersion);
      expect(skippedHsMetaFiles).toEqual([]);
      expect(nodes.map((node) => node.metaFilePath).sort()).toEqual(metaFiles.map((path) => relative(SRC_DIR, path)).sort());
      expect(nodes.map((node) => node.componentType).sort()).toEqual(['APPLICATION', 'CARD', 'CARD', 'SETTINGS', 'WEBHOOKS']);
    }
  });
});

describe('the profiles', () => {
  const referenced = [...new Set([...metas.values()].flatMap((meta) => [...JSON.stringify(meta).matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]!)))].sort();

  it('ship a local and a production profile, each with an account id to fill in and no secret', () => {
    expect(profileNames).toEqual(['local', 'production']);
    for (const [name, profile] of profiles) {
      expect(Object.keys(profile).sort(), name).toEqual(['accountId', 'variables']);
      expect(typeof profile.accountId, name).toBe('number');
      for (const [key, value] of Object.entries(profile.variables)) {
        expect(key, name).toMatch(/^[A-Z][A-Z0-9_]*$/);
        expect(key, name).not.toMatch(/SECRET|TOKEN|KEY|PASSWORD|CREDENTIAL/);
        expect(typeof value, `${name}: ${key}`).toBe('string');
      }
    }
  });

  it('define exactly the variables the hsmeta files use, and the hsmeta files name no host of their own', () => {
    expect(referenced).toEqual(['DOCUMENTATION_URL', 'OAUTH_REDIRECT_URL', 'SERVICE_URL', 'SUPPORT_EMAIL', 'SUPPORT_URL']);
    for (const [name, profile] of profiles) expect(Object.keys(profile.variables).sort(), name).toEqual(referenced);
    for (const [path, meta] of metas) expect(JSON.stringify(meta), path).not.toMatch(/https?:\/\/|@[a-z0-9-]+\./i);
  });

  it.each(['local', 'production'])('%s: leave no variable unresolved once HubSpot\'s parser applies them', async (profile) => {
    const { nodes, profileData } = await translated(profile);
    expect(JSON.stringify(nodes.map((node) => node.config))).not.toContain('${');
    expect(Object.keys(profileData?.vars.profileVariables ?? {}).sort()).toEqual(referenced);
  });

  it.each(['local', 'production'])('%s: one SERVICE_URL sets the permitted fetch URL, the webhooks\' target and the card\'s calls', async (profile) => {
    const serviceUrl = profiles.get(profile)!.variables.SERVICE_URL as string;
    const { app, webhooks } = await translated(profile);

    // HTTPS and no localhost (HubSpot's rule for permittedUrls.fetch), an origin alone (what local.json can map).
    expect(serviceUrlOf({ SERVICE_URL: serviceUrl })).toBe(serviceUrl);
    expect(['localhost', '127.0.0.1']).not.toContain(new URL(serviceUrl).hostname);
    expect(app.permittedUrls).toEqual({ fetch: [serviceUrl], iframe: [], img: [] });
    expect(webhooks.settings.targetUrl).toBe(`${serviceUrl}/webhooks/hubspot`);
    for (const url of urlsTheCardCalls(serviceUrl)) expect(app.permittedUrls.fetch.some((prefix) => url.startsWith(`${prefix}/`)), url).toBe(true);
  });

  it('production: the OAuth install returns to the service\'s /oauth/callback over HTTPS', async () => {
    const { SERVICE_URL, OAUTH_REDIRECT_URL } = profiles.get('production')!.variables;
    expect(OAUTH_REDIRECT_URL).toBe(`${SERVICE_URL as string}/oauth/callback`);
    expect((await translated('production')).app.auth.redirectUrls).toEqual([OAUTH_REDIRECT_URL]);
  });

  it('local: `hs project dev` maps SERVICE_URL to the local service, where the OAuth install returns too', async () => {
    const { SERVICE_URL, OAUTH_REDIRECT_URL } = profiles.get('local')!.variables as Record<string, string>;
    expect(Object.keys(local.proxy)).toEqual([SERVICE_URL]);
    const target = local.proxy[SERVICE_URL!]!;
    expect(target).toMatch(/^http:\/\/localhost:\d+$/);
    expect(OAUTH_REDIRECT_URL).toBe(`${target}/oauth/callback`);
    expect((await translated('local')).app.auth.redirectUrls).toEqual([OAUTH_REDIRECT_URL]);
  });

  it.each(['local', 'production'])('%s: names support contacts', async (profile) => {
    const { support } = (await translated(profile)).app;
    expect(support.supportEmail).toMatch(/^[^@\s]+@[^@\s]+$/);
    expect(new URL(support.documentationUrl!).protocol).toBe('https:');
    expect(new URL(support.supportUrl!).protocol).toBe('https:');
  });
});

describe('the app', () => {
  const app = metas.get(join(SRC_DIR, 'app', 'app-hsmeta.json'))!.config as unknown as AppConfig;

  it('installs through OAuth with exactly the scopes the service asks for, each one needed', () => {
    expect(app.auth.type).toBe('oauth');
    const serviceScopes = loadConfig({}).HUBSPOT_SCOPES.split(' ');
    expect([...app.auth.requiredScopes].sort()).toEqual([...serviceScopes].sort());
    expect(Object.keys(SCOPE_REASONS).sort()).toEqual([...app.auth.requiredScopes].sort());
    expect(app.auth.optionalScopes).toEqual([]);
    expect(app.auth.conditionallyRequiredScopes).toEqual([]);
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
