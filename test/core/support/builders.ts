// Factories for the core's tests: small valid policies, deals and directories, overridable per test.
import type { z } from 'zod';
import { PolicySchema, validatePolicy, type Deal, type Directory, type DirectoryUser, type Policy, type StepSchema } from '../../../src/index.js';

type PolicyStep = z.input<typeof StepSchema>;

/** A policy document before validation, typed so that tests edit it safely. */
export type PolicyDocument = z.input<typeof PolicySchema>;

export function buildDeal(properties: Record<string, string | null> = {}, id = 'deal-1'): Deal {
  return { id, properties: { hubspot_owner_id: '1', ...properties } };
}

export function buildUser(email: string, extra: Partial<DirectoryUser> = {}): DirectoryUser {
  return { email, teams: [], ...extra };
}

/** Owner "1" (rep@x.test, team EMEA, manager boss@x.test), managers, a three-person Finance team. */
export function buildDirectory(extra: Partial<Directory> = {}): Directory {
  return {
    users: [
      buildUser('rep@x.test', { ownerId: '1', teams: ['EMEA'], managerEmail: 'boss@x.test' }),
      buildUser('other@x.test', { ownerId: '2', teams: ['NA'] }),
      buildUser('boss@x.test', { ownerId: '3', teams: ['EMEA'] }),
      buildUser('multi@x.test', { ownerId: '4', teams: ['Leadership', 'NA'], primaryTeam: 'NA' }),
      buildUser('emea.mgr@x.test', { teams: ['EMEA'] }),
      buildUser('na.mgr@x.test', { teams: ['NA'] }),
      buildUser('f1@x.test', { teams: ['Finance'] }),
      buildUser('f2@x.test', { teams: ['Finance'] }),
      buildUser('f3@x.test', { teams: ['Finance'] }),
      buildUser('gone@x.test', { teams: ['Finance'], active: false }),
    ],
    ...extra,
  };
}

/** A small valid policy document: discount bands, payment values, three routes. */
export function policyDocument(): PolicyDocument {
  return {
    name: 'Test policy',
    scoring: {
      factors: [
        { id: 'discount', property: 'discount_percent', bands: [{ from: 10, points: 15 }, { from: 20, points: 35 }, { from: 30, points: 50 }] },
        { id: 'payment', property: 'payment_terms', values: { net_60: 10, net_90: 25 } },
      ],
    },
    routes: [
      {
        id: 'executive',
        when: { any: [{ score: { from: 70 } }, { property: 'amount', from: 500000 }] },
        steps: [
          { id: 'manager', approvers: { role: 'sales_manager' }, mode: 'any', slaHours: 24 },
          { id: 'finance', approvers: { team: 'Finance' }, mode: 'quorum', quorum: 2, slaHours: 48 },
        ],
      },
      { id: 'standard', when: { score: { from: 30 } }, steps: [{ id: 'manager', approvers: { role: 'sales_manager' }, mode: 'any', slaHours: 24 }] },
      { id: 'auto', when: { always: true }, autoApprove: true },
    ],
    roles: { sales_manager: { byTeam: { EMEA: ['emea.mgr@x.test'], NA: ['na.mgr@x.test'] }, fallback: ['desk@x.test'] } },
    materialProperties: ['amount', 'discount_percent', 'payment_terms'],
  };
}

export function buildPolicy(edit: (doc: PolicyDocument) => void = () => {}): Policy {
  const doc = policyDocument();
  edit(doc);
  const result = validatePolicy(doc);
  if (!result.ok) throw new Error(`test policy is invalid: ${JSON.stringify(result.problems)}`);
  return result.policy;
}

/** A one-route policy whose only step is `step`, for resolver tests. */
export function singleStepPolicy(step: Partial<PolicyStep>, roles?: PolicyDocument['roles']): Policy {
  return buildPolicy((doc) => {
    doc.routes = [{ id: 'only', when: { always: true }, steps: [{ id: 's', mode: 'any', slaHours: 24, approvers: { users: ['desk@x.test'] }, ...step }] }];
    if (roles) doc.roles = roles;
  });
}

/** Shape-checked only: for tests that need a policy the semantic checks would refuse. */
export function buildPolicyUnchecked(edit: (doc: PolicyDocument) => void): Policy {
  const doc = policyDocument();
  edit(doc);
  return PolicySchema.parse(doc);
}
