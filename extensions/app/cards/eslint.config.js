// HubSpot's lint for the cards. `hs project lint` runs `npx eslint .` in this folder with this file, and
// `hs project upload` warns when no config here enables HubSpot's UI-extension rules. These are the rule sets
// @hubspot/eslint-config-ui-extensions recommends, at its severities: ESLint's and typescript-eslint's
// recommended and stylistic rules, React's, the hooks rules (set-state-in-effect among them) and HubSpot's rules for
// the sandbox the cards run in. test/extensions/hubspot-lint.test.ts runs this file over the cards in `npm test`;
// the root eslint.config.js applies the React, hooks and HubSpot rules too, beside its type-aware ones.
import js from '@eslint/js';
import { config as uiExtensions } from '@hubspot/eslint-config-ui-extensions';
import prettier from 'eslint-config-prettier';
import react from 'eslint-plugin-react';
import reactHooks from 'eslint-plugin-react-hooks';
import unusedImports from 'eslint-plugin-unused-imports';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig([
  { ignores: ['node_modules/**', 'dist/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  tseslint.configs.stylistic,
  react.configs.flat.recommended,
  react.configs.flat['jsx-runtime'],
  { settings: { react: { version: 'detect' } } },
  ...uiExtensions,
  reactHooks.configs.flat['recommended-latest'],
  {
    plugins: { 'unused-imports': unusedImports },
    rules: {
      // Props are typed by TypeScript.
      'react/prop-types': 'off',
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
      'unused-imports/no-unused-imports': 'error',
      'unused-imports/no-unused-vars': ['warn', { vars: 'all', varsIgnorePattern: '^_', args: 'after-used', argsIgnorePattern: '^_' }],
    },
  },
  prettier,
]);
