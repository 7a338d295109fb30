// `npm run bench [-- NAME…]`: runs the named benchmarks (default: all) one after another, each in its own
// process so one's heap and JIT state never colour another's figures. Benchmarks print; they never fail on time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ALL = ['engine', 'policy', 'http', 'soak', 'sync', 'simulate'];
const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;

let failed = false;
for (const name of names) {
  const file = path.join(here, `${name}.ts`);
  if (!existsSync(file)) {
    console.log(`\n== ${name}: not present, skipped`);
    continue;
  }
  console.log(`\n== bench/${name}.ts`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
