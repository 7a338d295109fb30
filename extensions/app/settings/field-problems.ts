// Matches the service's 400 field paths (`body.comment`) to the card's inputs, so each message sits on its field.
import type { ApiError } from './service.js';

export function problemFor(error: ApiError | null, field: string): string | null {
  if (error?.kind !== 'validation') return null;
  const problem = error.details.find((detail) => detail.path === field || detail.path.endsWith(`.${field}`));
  return problem ? problem.message : null;
}
