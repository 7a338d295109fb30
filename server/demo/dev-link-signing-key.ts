// Without LINK_SIGNING_KEY (development) the links of approval emails are signed with a random local key kept under
// ./data (git-ignored), so links stay good across restarts, and every process on the machine shares it.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function devLinkSigningKey(dataDir = './data'): string {
  const file = path.resolve(dataDir, 'link-signing-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    // Exclusive create: of two processes starting at once, one writes and both read the same key.
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}
