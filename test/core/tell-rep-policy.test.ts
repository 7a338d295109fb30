// The policy says how a rep hears that their request ended: a HubSpot task (the default) or a note on the deal.
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/policy/parse-policy.js';
import { tellRepBy } from '../../src/policy/schema.js';
import { SALES_POLICY_SOURCE } from '../support/factories.js';

describe('notifications.tellRepBy in a policy', () => {
  it('defaults to a task, without changing the document or hash of a policy that does not mention it', () => {
    const plain = parsePolicy(SALES_POLICY_SOURCE);
    if (!plain.ok) throw new Error('the example policy is invalid');
    expect(plain.policy).not.toHaveProperty('notifications');
    expect(tellRepBy(plain.policy)).toBe('task');

    const empty = parsePolicy(`${SALES_POLICY_SOURCE}\nnotifications: {}\n`);
    if (!empty.ok) throw new Error(JSON.stringify(empty.problems));
    expect(empty.policy.notifications).toEqual({ tellRepBy: 'task' });
    expect(empty.hash).not.toBe(plain.hash);
  });

  it('takes a note instead, and refuses anything else with its path', () => {
    const note = parsePolicy(`${SALES_POLICY_SOURCE}\nnotifications: { tellRepBy: note }\n`);
    expect(note.ok && tellRepBy(note.policy)).toBe('note');
    const bad = parsePolicy(`${SALES_POLICY_SOURCE}\nnotifications: { tellRepBy: email, cc: x }\n`);
    expect(bad.ok ? [] : bad.problems.map((problem) => problem.path).sort()).toEqual(['notifications', 'notifications.tellRepBy']);
  });
});
