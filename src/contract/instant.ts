// The instants the API accepts, from 1970-01-01T00:00:00Z through 9999-12-31T23:59:59.999Z: a range that Postgres
// timestamps, JavaScript Dates and four-digit ISO years all hold. Postgres has no year 0 (0000-01-01 fails with
// SQLSTATE 22008), JavaScript writes years past 9999 with a sign, and nothing the service schedules lies before 1970.
import { z } from 'zod';
import { parseInstant } from '../time.js';

export const EARLIEST_INSTANT_MS = 0;
export const LATEST_INSTANT_MS = 253_402_300_799_999;

const IN_RANGE = 'an instant from 1970-01-01T00:00:00Z through 9999-12-31T23:59:59.999Z';

/** Epoch milliseconds of an ISO 8601 instant with an offset inside the range, or null. */
export function parseApiInstant(value: string): number | null {
  const at = parseInstant(value);
  return at !== null && at >= EARLIEST_INSTANT_MS && at <= LATEST_INSTANT_MS ? at : null;
}

/** An ISO 8601 instant with an offset, inside the range (an offset may carry a 9999-12-31 instant into year 10000). */
export const Instant = z.iso.datetime({ offset: true, abort: true })
  .refine((value) => parseApiInstant(value) !== null, `must be ${IN_RANGE}`);
