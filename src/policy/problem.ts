// A problem found in a policy document, with a readable path such as `routes[2].steps[0].quorum`.

export interface PolicyProblem {
  path: string;
  message: string;
}

export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

export function problem(path: readonly PropertyKey[], message: string): PolicyProblem {
  return { path: formatPath(path), message };
}
