import { describe, expect, it } from 'vitest';
import { materialProperties } from '../../src/lifecycle/assess-change.js';
import { conditionProperties } from '../../src/policy/condition-properties.js';
import { policyProperties } from '../../src/policy/policy-properties.js';
import { propertiesRoutingReads } from '../../src/simulate/coverage.js';
import { buildPolicy } from './support/builders.js';

const nested = buildPolicy((d) => {
  delete d.materialProperties;
  d.scoring = { factors: [{ id: 'discount', property: 'discount_percent', bands: [{ from: 10, points: 20 }] }] };
  d.routes = [
    { id: 'deep', when: { all: [{ any: [{ property: 'region', in: ['EMEA'] }, { not: { property: 'amount', from: 1000 } }] }, { score: { from: 50 } }] }, steps: [{ id: 'a', approvers: { users: ['f1@x.test'] }, mode: 'any', slaHours: 8 }] },
    { id: 'auto', when: { always: true }, autoApprove: true },
  ];
});

describe('the properties a policy reads', () => {
  it('are its factors\' and every nested condition\'s, once each, sorted', () => {
    expect(conditionProperties(nested)).toEqual(['amount', 'discount_percent', 'region']);
  });

  it('are what the CRM is asked for (with the base properties), what a material change is by default, and what an export must hold', () => {
    expect(policyProperties(nested)).toEqual(['amount', 'dealname', 'dealstage', 'discount_percent', 'hubspot_owner_id', 'pipeline', 'region']);
    expect(materialProperties(nested)).toEqual(conditionProperties(nested));
    expect(materialProperties({ ...nested, materialProperties: ['amount'] })).toEqual(['amount']);
    expect(propertiesRoutingReads(nested)).toEqual(['amount', 'discount_percent', 'hubspot_owner_id', 'region']);
  });
});
