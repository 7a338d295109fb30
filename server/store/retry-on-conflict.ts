// A transaction Postgres aborts to break a deadlock (40P01) or a serialization failure (40001) wrote nothing, and
// running it again usually succeeds: a use case runs its transaction through this helper, which tries once more.
// A second failure is reported as it is.
const CONFLICTS = new Set(['40P01', '40001']);

function isConflict(error: unknown): boolean {
  return CONFLICTS.has((error as { code?: unknown } | null)?.code as string);
}

export async function retryOnConflict<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!isConflict(error)) throw error;
    return run();
  }
}
