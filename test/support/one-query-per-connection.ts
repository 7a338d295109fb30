// pg runs one query at a time on a connection and queues the rest; it warns that pg@9 will not, once a query arrives
// while one runs and another waits. A transaction is one connection, so code that sends it several queries at once (a
// Promise.all over a transaction's reads) works today and breaks on that upgrade. The test during which pg warns of
// it fails. pg warns once per process, so the first test to do it is the one that fails.
import { afterEach, expect } from 'vitest';

const KEY = Symbol.for('approval-router.queries-sent-while-busy');
type Tracked = { warnings: string[] };
const host = process as unknown as Record<symbol, Tracked | undefined>;
// One listener per process, however many test files the process runs.
const tracked = host[KEY] ??= (() => {
  const state: Tracked = { warnings: [] };
  process.on('warning', (warning) => {
    if (warning.message.includes('already executing a query')) state.warnings.push(warning.message);
  });
  return state;
})();

afterEach(async () => {
  await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  const sent = tracked.warnings.splice(0);
  expect(sent, 'a connection was sent a query while it ran another: a Promise.all over one transaction?').toEqual([]);
});
