// HubSpot's lint over the cards, as `hs project lint` runs it: ESLint in extensions/app/cards with the config there
// (HubSpot's recommended rule sets for UI extensions). The CLI checks that the lint packages sit in the cards
// folder's own node_modules, which npm workspaces never fill (they are hoisted to the root), so in this repository it
// reports them missing instead of linting; this runs the same ESLint over the same files with the same config.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const CARDS_DIR = join(process.cwd(), 'extensions', 'app', 'cards');

describe('HubSpot\'s lint of the cards', () => {
  it('passes with no error and no warning', async () => {
    const eslint = new ESLint({ cwd: CARDS_DIR });
    const results = await eslint.lintFiles(['.']);
    const problems = results.flatMap((result) => result.messages.map((message) =>
      `${result.filePath.slice(CARDS_DIR.length + 1)}:${message.line}:${message.column} ${message.ruleId ?? ''} ${message.message.split('\n')[0]}`));
    expect(results.map((result) => result.filePath.slice(CARDS_DIR.length + 1))).toEqual(expect.arrayContaining(['DealCard.tsx', 'use-card-view.ts', 'components/WaitingSummary.tsx']));
    expect(problems).toEqual([]);
  }, 60_000);

  it('enables HubSpot\'s UI-extension rules and the React rules HubSpot reported, as errors', async () => {
    const eslint = new ESLint({ cwd: CARDS_DIR });
    const config = await eslint.calculateConfigForFile(join(CARDS_DIR, 'DealCard.tsx')) as { rules: Record<string, unknown[]> };
    const severity = (rule: string) => config.rules[rule]?.[0];
    // `hs project upload` warns unless some @hubspot/ui-extensions/ rule is on.
    expect(Object.keys(config.rules).filter((rule) => rule.startsWith('@hubspot/ui-extensions/')).length).toBeGreaterThan(5);
    for (const rule of ['react-hooks/set-state-in-effect', 'react/no-unescaped-entities', 'react-hooks/rules-of-hooks', '@hubspot/ui-extensions/no-html-elements']) {
      expect(severity(rule), rule).toBe(2);
    }
  });
});
