// Rebuilds a JSON value with every object's keys in reverse order: for "key order never matters" tests.
export function shuffleKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(shuffleKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, shuffleKeys(v)])) as T;
}
