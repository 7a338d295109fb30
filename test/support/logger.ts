// A logger for tests that keeps every line in memory, so tests can assert on what was logged.
import { Writable } from 'node:stream';
import { createLogger } from '../../server/logger.js';

export function createTestLogger(level = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}
