// How large a policy may be: far beyond any real deal desk, and small enough that reading, checking and
// evaluating one stays quick, since the service does all three on its request thread.

export const POLICY_LIMITS = {
  /** Maps and lists inside one another, anywhere in the document. */
  documentDepth: 64,
} as const;
