// How far a long-running process's heap grows between V8's full collections. V8 starts one when the old generation
// outgrows what survived the last one by its growing factor; for this service's small live heap its own factor
// comes out low, so under load a full collection runs every few seconds, and the slowest requests cluster around
// them: each marks for tens of milliseconds beside the main thread, on cores that also run Postgres. Growing to four
// times the survivors makes those collections several times rarer, for a larger heap between them.
// V8 refuses this flag in NODE_OPTIONS, so `serve` and `worker` set it themselves, whoever launches them.
import v8 from 'node:v8';

/** The old generation may reach (1 + this / 100) times what survived the last full collection before the next. */
export const HEAP_GROWING_PERCENT = 300;

/** Sets the heap growing factor for the rest of the process; called first by the long-running commands. */
export function growHeapInLargerSteps(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
