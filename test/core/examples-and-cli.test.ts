import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run as runPolicy } from '../../server/commands/policy.js';
import { run as runRoute } from '../../server/commands/route.js';
import { terminalText } from '../../server/terminal-text.js';
import { evaluate, type RouteResult } from '../../src/index.js';
import { loadExample, policyPath } from '../support/examples.js';

function summary(route: RouteResult): string {
  if (route.outcome.kind === 'auto_approved') return `${route.routeId}: auto`;
  if (route.outcome.kind === 'unroutable') return `${route.routeId}: unroutable`;
  return `${route.routeId}: ${route.outcome.steps.map((s) => `${s.id}[${s.approvers.join(' ')}]`).join(' > ')}`;
}

describe('the example portals', () => {
  it.each<[string, string, string, string]>([
    ['sales-deal-desk', 'standard-discount.json', 'ava.stone@acme.example', 'standard: manager[anna.berg@acme.example]'],
    ['sales-deal-desk', 'large-multi-year.json', 'noah.king@acme.example', 'executive: manager[ben.carter@acme.example bella.diaz@acme.example] > finance[cfo@acme.example farah.nasser@acme.example fiona.hughes@acme.example frank.meyer@acme.example] > cro[cro@acme.example]'],
    ['sales-deal-desk', 'net-90-terms.json', 'mia.wong@acme.example', 'finance-terms: manager[ben.carter@acme.example bella.diaz@acme.example] > finance[cfo@acme.example farah.nasser@acme.example fiona.hughes@acme.example frank.meyer@acme.example]'],
    ['sales-deal-desk', 'within-guidelines.json', 'ava.stone@acme.example', 'auto: auto'],
    ['sales-deal-desk', 'manager-owns-deal.json', 'anna.berg@acme.example', 'standard: manager[dealdesk@acme.example]'],
    ['sales-deal-desk', 'unparsable-amount.json', 'noah.king@acme.example', 'light: line-manager[ben.carter@acme.example]'],
    ['sales-deal-desk', 'apac-owner.json', 'liam.ortiz@acme.example', 'executive: manager[dealdesk@acme.example] > finance[cfo@acme.example farah.nasser@acme.example fiona.hughes@acme.example frank.meyer@acme.example] > cro[cro@acme.example]'],
    ['client-success', 'renewal-discount.json', 'olivia.hart@acme.example', 'cs-lead: cs-lead[clara.lind@acme.example]'],
    ['client-success', 'large-refund.json', 'james.lee@acme.example', 'cs-leadership: cs-lead[carlos.reyes@acme.example chloe.park@acme.example] > vp[vp.cs@acme.example] > finance[cfo@acme.example fiona.hughes@acme.example frank.meyer@acme.example]'],
    ['client-success', 'service-credit.json', 'james.lee@acme.example', 'cs-lead: cs-lead[carlos.reyes@acme.example chloe.park@acme.example]'],
    ['client-success', 'sla-exception.json', 'olivia.hart@acme.example', 'sla-exceptions: support[support.director@acme.example] > cs-lead[clara.lind@acme.example]'],
    ['client-success', 'small-refund.json', 'priya.shah@acme.example', 'refunds: cs-lead[carlos.reyes@acme.example chloe.park@acme.example] > finance[cfo@acme.example fiona.hughes@acme.example frank.meyer@acme.example]'],
    ['client-success', 'term-extension.json', 'priya.shah@acme.example', 'auto: auto'],
    ['client-success', 'scope-change.json', 'priya.shah@acme.example', 'csm-manager: manager[chloe.park@acme.example]'],
  ])('%s: %s routes as a deal desk would expect', (name, file, requester, expected) => {
    const example = loadExample(name as 'sales-deal-desk');
    const deal = example.deals.find((d) => d.file === file)!.deal;
    const { route } = evaluate({ deal, policy: example.policy, directory: example.directory, requester, at: '2026-11-27T10:00:00Z' });
    expect(summary(route)).toBe(expected);
  });
});

describe('the route and policy commands', () => {
  let out: string[];
  let err: string[];
  beforeEach(() => {
    out = [];
    err = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { out.push(args.join(' ')); });
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { err.push(args.join(' ')); });
  });
  afterEach(() => { vi.restoreAllMocks(); });

  const dir = 'examples/sales-deal-desk';
  const routeArgs = ['--policy', policyPath('sales-deal-desk'), '--deal', `${dir}/deals/manager-owns-deal.json`, '--directory', `${dir}/directory.yaml`, '--requester', 'anna.berg@acme.example', '--at', '2026-11-27T10:00:00Z'];

  it('prints the score, every route tried and the approvers with reasons', async () => {
    expect(await runRoute(routeArgs)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('Score 35/100');
    expect(text).toMatch(/executive\s+no\s+any\[score ≥ 70 \(35\) ✗, amount ≥ 500000 \("95000"\) ✗\] ✗/);
    expect(text).toMatch(/anna\.berg@acme\.example\s+excluded_requester/);
    expect(text).toMatch(/dealdesk@acme\.example\s+approver\s+via role sales_manager fallback/);
  });

  it('prints the same evaluation as JSON with --json', async () => {
    expect(await runRoute([...routeArgs, '--json'])).toBe(0);
    const printed = JSON.parse(out.join('\n'));
    expect(printed.route.routeId).toBe('standard');
    expect(printed.outputHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['a missing file', ['--policy', 'nope.yaml', '--deal', 'nope.json'], /cannot read nope\.yaml: ENOENT/],
    ['a deal with a number where HubSpot sends a string', ['--policy', policyPath('sales-deal-desk'), '--deal', 'examples/client-success/directory.yaml'], /id: Invalid input/],
    ['a missing option', ['--policy', policyPath('sales-deal-desk')], /--policy and --deal are required/],
    ['a folder given as --directory', ['--policy', policyPath('sales-deal-desk'), '--deal', `${dir}/deals/standard-discount.json`, '--directory', dir], /cannot read examples\/sales-deal-desk: it is a folder; give a directory file/],
    ['an unknown option', ['--polcy', 'x'], /Unknown option/],
  ])('exits 2 with a clear message on %s', async (_name, args, message) => {
    expect(await runRoute(args)).toBe(2);
    expect(err.join('\n')).toMatch(message);
  });

  it('checks a good policy: exit 0 with its hash', async () => {
    expect(await runPolicy(['check', policyPath('client-success')])).toBe(0);
    expect(out.join('\n')).toMatch(/ok: "Acme client success", 5 factors, 6 routes, sha256 [0-9a-f]{64}/);
  });

  it('reports a YAML alias inside the node it names as a problem and exits 1', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = `${mkdtempSync(`${tmpdir()}/policy-`)}/cyclic.yaml`;
    writeFileSync(file, 'name: cyclic\ndescription: &d [*d]\nscoring: { factors: [] }\nroutes: [{ id: auto, when: { always: true }, autoApprove: true }]\n');
    expect(await runPolicy(['check', file])).toBe(1);
    expect(out).toEqual([`${file}: description[0]: a YAML alias here refers to a node that contains it (a cycle)`, '1 problem']);
  });

  it('prints a deal\'s text with its control characters escaped', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = `${mkdtempSync(`${tmpdir()}/deal-`)}/deal.json`;
    writeFileSync(file, JSON.stringify({ id: '77', properties: { dealname: 'Evil\u001b[2J\u001b[31m co', discount_percent: '25\u009b', hubspot_owner_id: '102' } }));
    expect(await runRoute(['--policy', policyPath('sales-deal-desk'), '--deal', file, '--directory', `${dir}/directory.yaml`, '--at', '2026-11-27T10:00:00Z'])).toBe(0);
    const text = out.join('\n');
    expect(terminalText(text)).toBe(text);
    expect(text).toContain('Deal 77 "Evil\\x1b[2J\\x1b[31m co"');
    expect(text).toContain('"25\\x9b"');
  });

  it('lists every problem of a bad policy with its path and exits 1', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = `${mkdtempSync(`${tmpdir()}/policy-`)}/bad.yaml`;
    writeFileSync(file, 'name: bad\nscoring: { factors: [] }\nroutes:\n  - { id: a, when: { score: { from: 10 } }, steps: [{ id: s, approvers: { users: [a@x.test] }, mode: quorum, quorum: 2, slaHours: 1 }] }\n');
    expect(await runPolicy(['check', file])).toBe(1);
    expect(out).toEqual([
      `${file}: routes[0].steps[0].quorum: must be ≤ the number of approvers (at most 1 can be resolved, quorum is 2)`,
      `${file}: routes[0].when: no route always matches: end the list with a catch-all (when: { always: true }) so every deal gets a route`,
      '2 problems',
    ]);
  });
});
