// The Node flags `npm start` runs the service with, read from package.json's start script: the one place they are
// set, so a benchmark or a test that spawns the service runs it with the same flags as `npm start`.
import { readFileSync } from 'node:fs';

function readServiceNodeFlags(): string[] {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const words = manifest.scripts.start.trim().split(/\s+/);
  if (words[0] !== 'exec' || words[1] !== 'node') throw new Error(`package.json's start script should begin "exec node": ${manifest.scripts.start}`);
  const flags: string[] = [];
  for (let i = 2; i < words.length && words[i]!.startsWith('-'); i++) {
    // The loader is how the service's TypeScript runs, not a runtime setting: whoever spawns the service adds its own.
    if (words[i] === '--import' || words[i] === '--require') i++;
    else flags.push(words[i]!);
  }
  return flags;
}

export const SERVICE_NODE_FLAGS: readonly string[] = readServiceNodeFlags();
