import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DirectorySchema, parsePolicy, type Policy } from '../../src/index.js';
import { parseColumnMap, planColumns } from '../../src/simulate/export-columns.js';
import { createOwnerResolver, dealsFromRows } from '../../src/simulate/export-rows.js';
import { estimateRoute, indexHistory } from '../../src/simulate/history.js';
import { percentile } from '../../src/simulate/percentile.js';
import { generateSampleExport, generateSampleHistory, SAMPLE_COLUMN_MAP } from '../../src/simulate/sample-export.js';
import { simulatePolicies } from '../../src/simulate/simulate-policies.js';
import { parseCsvRows } from '../../server/simulate/read-export-file.js';
import { buildDeal, buildDirectory, buildPolicy } from './support/builders.js';

const directory = DirectorySchema.parse(parseYaml(readFileSync('examples/sales-deal-desk/directory.yaml', 'utf8')));
const policy = (file: string): Policy => {
  const parsed = parsePolicy(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(file);
  return parsed.policy;
};

describe('export columns', () => {
  it.each([
    ['Record ID', { kind: 'id' }],
    ['Deal Name', { kind: 'property', property: 'dealname', via: 'standard' }],
    ['  deal   OWNER ', { kind: 'property', property: 'hubspot_owner_id', via: 'standard' }],
    ['Close Date', { kind: 'property', property: 'closedate', via: 'standard' }],
    ['discount_percent', { kind: 'property', property: 'discount_percent', via: 'internal' }],
    ['Discount (%)', { kind: 'ignored' }],
  ])('maps the header %j by HubSpot\'s labels', (header, target) => {
    expect(planColumns(['Record ID', header].slice(header === 'Record ID' ? 1 : 0)).targets.at(-1)).toEqual(target);
  });

  it('lets --map name custom labels and override standard ones, and reports clashes', () => {
    const { map, errors } = parseColumnMap(['Discount (%)=discount_percent, Amount=amount_net', 'nonsense']);
    expect(errors).toEqual(['--map entry "nonsense" is not Label=internal_name (an internal name is lower-case letters, digits and "_")']);
    const plan = planColumns(['Record ID', 'Discount (%)', 'Amount', 'amount_net'], map);
    expect(plan.targets.map((t) => (t.kind === 'property' ? t.property : t.kind))).toEqual(['id', 'discount_percent', 'amount_net', 'ignored']);
    expect(plan.warnings).toEqual(['columns "Amount" and "amount_net" both map to amount_net; "Amount" is used']);
  });

  it('resolves exported owners by id, email or name through the directory', () => {
    const resolve = createOwnerResolver(directory);
    expect(['102', 'Noah King', 'NOAH.KING@acme.example', ' mia  wong ', 'Sam Doe'].map(resolve)).toEqual(['102', '102', '102', '103', null]);
  });
});

describe('percentiles', () => {
  it('uses the nearest rank, so every figure is an observed value', () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2);
    expect(percentile([4, 1, 3, 2], 90)).toBe(4);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 50)).toBeNull();
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1 }), fc.integer({ min: 1, max: 100 }), (values, p) => values.includes(percentile(values, p)!)));
  });

  it('sums step medians into a route estimate and says which steps had no history', () => {
    const index = indexHistory([{ route: 'r', step: 'a', hours: 2 }, { route: 'r', step: 'a', hours: 6 }, { route: 'other', step: 'b', hours: 3 }]);
    expect(estimateRoute(index, 'r', ['a', 'b', 'c'])).toMatchObject({ p50Hours: 5, p90Hours: 9, complete: false, steps: [{ basis: 'route' }, { basis: 'step' }, { basis: 'none' }] });
  });
});

describe('the sample export', () => {
  it('is generated deterministically, and the shipped files are what the generator writes', () => {
    expect(generateSampleExport(200)).toBe(readFileSync('examples/exports/deals.csv', 'utf8'));
    expect(generateSampleHistory(160)).toBe(readFileSync('examples/exports/history.csv', 'utf8'));
    expect(readFileSync('examples/exports/column-map.txt', 'utf8').trim()).toBe(SAMPLE_COLUMN_MAP);
  });

  it('gives the same simulation, byte for byte, on every run, and accounts for every deal', () => {
    const { header, rows } = parseCsvRows(generateSampleExport(300, 3));
    const read = dealsFromRows(header, rows, planColumns(header, parseColumnMap([SAMPLE_COLUMN_MAP]).map), directory);
    const input = { deals: read.deals, candidate: policy('examples/exports/candidate-policy.yaml'), baseline: policy('examples/policies/sales-deal-desk.yaml'), directory, at: '2026-11-27T09:00:00Z', history: null };
    const first = simulatePolicies(input);
    expect(JSON.stringify(simulatePolicies(input))).toBe(JSON.stringify(first));
    for (const run of [first.candidate, first.baseline!]) {
      expect(run.routes.reduce((t, r) => t + r.deals, 0)).toBe(300);
      for (const route of run.routes.filter((r) => r.outcome === 'routed')) {
        const steps = run.steps.filter((s) => s.routeId === route.routeId);
        expect(steps.every((s) => s.deals === route.deals)).toBe(true);
      }
    }
    expect(first.diff!.unchanged + first.diff!.changes.length).toBe(300);
  });
});

describe('approver load', () => {
  it('counts a deal once for an approver that two of its steps ask, and once at each of those steps', () => {
    const twoSteps = buildPolicy((doc) => {
      doc.routes = [{
        id: 'two',
        when: { always: true },
        steps: [
          { id: 'a', approvers: { users: ['desk@x.test'] }, mode: 'any', slaHours: 24 },
          { id: 'b', approvers: { users: ['desk@x.test', 'f1@x.test'] }, mode: 'all', slaHours: 24 },
        ],
      }];
    });
    const deals = ['1', '2', '3'].map((id) => buildDeal({}, id));
    const { candidate } = simulatePolicies({ deals, candidate: twoSteps, directory: buildDirectory(), at: null });
    expect(candidate.approverLoad).toEqual([
      { approver: 'desk@x.test', requests: 3, steps: [{ routeId: 'two', stepId: 'a', deals: 3 }, { routeId: 'two', stepId: 'b', deals: 3 }] },
      { approver: 'f1@x.test', requests: 3, steps: [{ routeId: 'two', stepId: 'b', deals: 3 }] },
    ]);
    expect(candidate.steps.map((s) => [s.stepId, s.deals])).toEqual([['a', 3], ['b', 3]]);
  });
});
