// Without HubSpot credentials the service still verifies every card request: it signs and checks with a
// random local secret kept under ./data (git-ignored), which `approval-router demo` reads too.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function devSigningSecret(dataDir = './data'): string {
  const file = path.resolve(dataDir, 'dev-signing-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
