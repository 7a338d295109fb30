// The settings page as HubSpot builds and lints it: one `settings` component whose entry registers for the settings
// location, its own package pinned like the cards', and HubSpot's lint (extensions/app/settings/eslint.config.js,
// the cards' rule sets) clean over every file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const SETTINGS_DIR = join(process.cwd(), 'extensions', 'app', 'settings');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

describe('the settings page in the HubSpot project', () => {
  it('is one settings component whose entry registers for the settings location', () => {
    const meta = JSON.parse(readFileSync(join(SETTINGS_DIR, 'settings-hsmeta.json'), 'utf8')) as { type: string; config: { entrypoint: string } };
    expect(meta.type).toBe('settings');
    expect(meta.config.entrypoint).toBe('/app/settings/SettingsPage.tsx');
    expect(readFileSync(join(SETTINGS_DIR, 'SettingsPage.tsx'), 'utf8')).toContain('hubspot.extend<\'settings\'>');
  });

  it('pins React 18.3.1 and @hubspot/ui-extensions 0.17 as the cards do, installed through the root workspace', () => {
    const own = JSON.parse(readFileSync(join(SETTINGS_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const cards = JSON.parse(readFileSync(join(SETTINGS_DIR, '..', 'cards', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(own.dependencies).toEqual(cards.dependencies);
    const root = JSON.parse(readFileSync('package.json', 'utf8')) as { workspaces: string[] };
    expect(root.workspaces).toContain('extensions/app/settings');
  });

  it('calls the service only through service.ts, and imports nothing from outside its folder', () => {
    const sources = walk(SETTINGS_DIR).filter((path) => /\.(ts|tsx)$/.test(path));
    expect(sources.length).toBeGreaterThan(10);
    for (const path of sources) {
      const text = readFileSync(path, 'utf8');
      if (!path.endsWith(join('settings', 'service.ts'))) expect(text, path).not.toMatch(/hubspot\.fetch|\bfetch\(/);
      const depth = path.slice(SETTINGS_DIR.length + 1).split('/').length - 1;
      for (const [, from] of text.matchAll(/from '([^']+)'/g)) {
        expect(from, path).not.toMatch(/(^|\/)(src|server)\//);
        expect(from!.split('/').filter((part) => part === '..').length, `${path} imports ${from}`).toBeLessThanOrEqual(depth);
      }
    }
  });

  it('passes HubSpot\'s lint with no error and no warning', async () => {
    const eslint = new ESLint({ cwd: SETTINGS_DIR });
    const results = await eslint.lintFiles(['.']);
    const problems = results.flatMap((result) => result.messages.map((message) =>
      `${result.filePath.slice(SETTINGS_DIR.length + 1)}:${message.line}:${message.column} ${message.ruleId ?? ''} ${message.message.split('\n')[0]}`));
    expect(results.map((result) => result.filePath.slice(SETTINGS_DIR.length + 1))).toEqual(expect.arrayContaining(['SettingsPage.tsx', 'service.ts']));
    expect(problems).toEqual([]);
  }, 60_000);
});
