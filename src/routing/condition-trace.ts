// How a route condition was evaluated: a tree mirroring the policy's `when`, each node with its result.

export type ConditionTrace =
  | { op: 'always'; result: true }
  | { op: 'all' | 'any'; result: boolean; of: ConditionTrace[] }
  | { op: 'not'; result: boolean; of: ConditionTrace }
  | { op: 'score'; test: string; score: number; result: boolean }
  | {
    op: 'property';
    property: string;
    test: string;
    /** The property exactly as HubSpot gave it, or null when missing. */
    value: string | null;
    result: boolean;
    /** Why a comparison could not be made: the condition is then false, never guessed. */
    problem: 'missing' | 'unparsable' | null;
  };
