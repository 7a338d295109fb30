import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DirectorySchema, isEmailAddress, normaliseEmail, parsePolicy, routeDeal, type RouteResult } from '../../src/index.js';
import { buildDeal, buildDirectory, buildUser, singleStepPolicy } from './support/builders.js';

const KELVIN = '\u212A';

describe('normaliseEmail: one rule for every address compared', () => {
  it.each([
    ['folds ASCII letters', 'Ben.Carter@ACME.example', 'ben.carter@acme.example'],
    ['trims', '  ben@acme.example ', 'ben@acme.example'],
    ['composes a decomposed accent (NFC)', 'jose\u0301.nu\u0301n\u0303ez@acme.example', 'josé.núñez@acme.example'],
    ['composes where only the lower-case letter has a composed form', 'J\u030C@acme.example', '\u01F0@acme.example'],
    ['keeps a non-ASCII capital (only A-Z fold)', 'JOSÉ@acme.example', 'josÉ@acme.example'],
    ['keeps a Kelvin sign, which toLowerCase and NFC both turn into k', `${KELVIN}ate@acme.example`, `${KELVIN}ate@acme.example`],
    ['keeps a dotted capital I, which toLowerCase turns into i and a combining dot', '\u0130van@acme.example', '\u0130van@acme.example'],
    ['keeps a Cyrillic a', '\u0430nna@acme.example', '\u0430nna@acme.example'],
    ['keeps a Greek question mark, which NFC turns into a semicolon', 'a\u037Eb@acme.example', 'a\u037Eb@acme.example'],
  ])('%s', (_name, given, expected) => {
    expect(normaliseEmail(given)).toBe(expected);
  });

  it('never makes an address with a non-ASCII character equal to an ASCII one', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'grapheme-ascii', maxLength: 12 }), (local, ascii) => {
      fc.pre([...local.trim()].some((char) => char.codePointAt(0)! > 0x7f));
      expect(normaliseEmail(`${local}@acme.example`)).not.toBe(normaliseEmail(`${ascii}@acme.example`));
    }));
  });

  it('is stable (normalising twice changes nothing) and leaves ASCII addresses as toLowerCase did', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 16 }), (text) => {
      const once = normaliseEmail(text);
      expect(normaliseEmail(once)).toBe(once);
    }));
    fc.assert(fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 24 }), (text) => {
      expect(normaliseEmail(text)).toBe(text.trim().toLowerCase());
    }));
  });
});

describe('isEmailAddress', () => {
  it.each(['josé.núñez@acme.example', 'ben@acme.example', `${KELVIN}ate@acme.example`])('accepts %s', (email) => {
    expect(isEmailAddress(email)).toBe(true);
  });
  it.each(['not-an-email', 'a b@acme.example', 'a@b@acme.example', 'a@acme.example\n', '\ud800@acme.example'])('refuses %j', (email) => {
    expect(isEmailAddress(email)).toBe(false);
  });
});

function approversOf(route: RouteResult): string[] {
  if (route.outcome.kind !== 'routed') throw new Error(`expected routed, got ${JSON.stringify(route.outcome)}`);
  return route.outcome.steps[0]!.approvers;
}

describe('the same rule in documents and routing', () => {
  const jose = buildUser('josé.núñez@x.test', { teams: ['Finance'] });
  const kate = buildUser('kate@x.test', { teams: ['Finance'] });
  const directory = buildDirectory({ users: [...buildDirectory().users, jose, kate] });

  it('a directory and a policy may name non-ASCII addresses', () => {
    expect(DirectorySchema.safeParse(directory).success).toBe(true);
    const source = `name: p\nscoring: { factors: [] }\nroutes:\n  - { id: r, when: { always: true }, steps: [ { id: s, approvers: { users: [josé.núñez@x.test] }, mode: any, slaHours: 1 } ] }\n`;
    expect(parsePolicy(source)).toMatchObject({ ok: true });
  });

  it('a policy\'s decomposed spelling of an address is the directory\'s composed one, so separation of duties holds', () => {
    const policy = singleStepPolicy({ approvers: { users: ['jose\u0301.nu\u0301n\u0303ez@x.test'], fallback: ['desk@x.test'] } });
    expect(approversOf(routeDeal(buildDeal(), policy, directory))).toEqual(['josé.núñez@x.test']);
    expect(approversOf(routeDeal(buildDeal(), policy, directory, { requester: 'josé.núñez@x.test' }))).toEqual(['desk@x.test']);
  });

  it('a requester whose address has a Kelvin sign is not the ASCII user it looks like', () => {
    const policy = singleStepPolicy({ approvers: { users: ['kate@x.test'], fallback: ['desk@x.test'] } });
    expect(approversOf(routeDeal(buildDeal(), policy, directory, { requester: `${KELVIN}ATE@x.test` }))).toEqual(['kate@x.test']);
    expect(approversOf(routeDeal(buildDeal(), policy, directory, { requester: 'KATE@x.test' }))).toEqual(['desk@x.test']);
  });
});
