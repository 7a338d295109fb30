// The HubSpot directory kept by server/cache: HubSpot is its source, so a copy lives a minute.
import { describe, expect, it } from 'vitest';
import type { Directory } from '../../src/directory/schema.js';
import { DirectoryCache } from '../../server/cache/hubspot-directory.js';

describe('the HubSpot directory', () => {
  const directoryOf = (email: string): Directory => ({ users: [{ email, teams: ['NA'] }] });

  it('is asked again once its copy is a minute old; callers at the same time share one fetch', async () => {
    let now = 0;
    const cache = new DirectoryCache({ ttlMs: 60_000, clock: () => now });
    let fetches = 0;
    const fetch = (email: string) => () => { fetches += 1; return Promise.resolve(directoryOf(email)); };
    const [a, b] = await Promise.all([cache.get('1', fetch('first@acme.example')), cache.get('1', fetch('first@acme.example'))]);
    expect(fetches).toBe(1);
    expect(a).toBe(b);
    now = 59_999;
    expect((await cache.get('1', fetch('second@acme.example'))).users[0]?.email).toBe('first@acme.example');
    expect((await cache.get('2', fetch('other@acme.example'))).users[0]?.email).toBe('other@acme.example'); // per portal
    now = 60_000;
    expect((await cache.get('1', fetch('second@acme.example'))).users[0]?.email).toBe('second@acme.example');
  });

  it('keeps no failed fetch', async () => {
    const cache = new DirectoryCache();
    await expect(cache.get('1', () => Promise.reject(new Error('HubSpot is down')))).rejects.toThrow('HubSpot is down');
    expect(await cache.get('1', () => Promise.resolve(directoryOf('back@acme.example')))).toEqual(directoryOf('back@acme.example'));
  });
});
