// Delegations only depend on which windows contain the instant, so every instant between two consecutive window
// boundaries gives the same evaluation. The card's preview is evaluated at the latest boundary at or before now:
// the result is exactly the same as at now, and repeated views share one content-addressed trace.
import { formatInstant, parseInstant } from '../time.js';
import type { Directory } from './schema.js';

const BEFORE_EVERY_WINDOW = '1970-01-01T00:00:00.000Z';

/** The earliest instant that is delegation-equivalent to `at` (windows are [startsAt, endsAt)). */
export function delegationEpoch(directory: Directory, at: string): string {
  const now = parseInstant(at);
  if (now === null) return at;
  let latest: number | null = null;
  for (const delegation of directory.delegations ?? []) {
    for (const boundary of [parseInstant(delegation.startsAt), parseInstant(delegation.endsAt)]) {
      if (boundary !== null && boundary <= now && (latest === null || boundary > latest)) latest = boundary;
    }
  }
  return latest === null ? BEFORE_EVERY_WINDOW : formatInstant(latest);
}
