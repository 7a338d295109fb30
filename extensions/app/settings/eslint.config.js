// HubSpot's lint for the settings page, the same rule sets as the cards' (extensions/app/cards/eslint.config.js):
// `hs project lint` runs `npx eslint .` in each extension folder with its own config. ESLint's and typescript-eslint's
// recommended and stylistic rules, React's, the hooks rules and HubSpot's rules for the sandbox UI extensions run in.
// test/extensions/settings-project.test.ts runs this file over the page in `npm test`.
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
