// HubSpot's webhook payload, parsed once at the edge: a JSON array of events, each read on its own, so a malformed
// event is quarantined beside the rest rather than costing them. Ids arrive as numbers and are kept as strings (deal
// ids are strings everywhere else); unknown fields are kept for the inbox.
import { z } from 'zod';
import { isStorableText } from './card-api.js';
import { LATEST_INSTANT_MS } from './instant.js';

const NumericId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/, 'expected a numeric id')])
  .transform((value) => String(value));
/** A portal id is stored as a Postgres bigint: at most 18 digits as a string (any 19-digit value may not fit). */
const PortalId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,18}$/, 'expected a portal id of at most 18 digits')])
  .transform((value) => String(value));

/** How deep an event's fields may nest. HubSpot's fields are flat; what an unknown field nests deeper is cut off. */
export const MAX_FIELD_DEPTH = 8;
const CUT_OFF = `[cut off: nested deeper than ${MAX_FIELD_DEPTH} levels]`;

/**
 * The event as the inbox keeps it: as received, except that a value nested deeper than MAX_FIELD_DEPTH is replaced
 * by a note. A field HubSpot may add is kept, but one nested thousands deep would overflow the stack of whatever
 * walks it (this schema, JSON.stringify, Postgres's jsonb), and refusing it would refuse the genuine events beside it.
 */
export function cutDeepFields(event: unknown): unknown {
  return cut(event, 0);
}

function cut(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_FIELD_DEPTH) return CUT_OFF;
  if (Array.isArray(value)) return value.map((item) => cut(item, depth + 1));
  // Object.fromEntries defines each key as an own property, an own "__proto__" included, as JSON.parse did.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cut(item, depth + 1)]));
}

// The inbox stores each event whole, as received (unknown fields and all), in Postgres, which cannot hold a NUL or
// half a surrogate pair: such text anywhere in the event makes it malformed, by name, rather than failing the store.
// It is looked for in the event as parsed from the body, before the object schema copies it: an own "__proto__" key
// survives JSON.parse but not that copy.
const Storable = z.unknown().superRefine((event, context) => {
  for (const path of unstorableTextPaths(event)) context.addIssue({ code: 'custom', path, message: 'contains a NUL character or a broken unicode sequence' });
});

// The subscription type and property name are part of the inbox's dedupe key, an index entry Postgres limits to
// about 2.7 kB: HubSpot's are a few dozen characters, and 200 leaves room.
const EventFields = z.looseObject({
  subscriptionType: z.string().min(1).max(200),
  objectId: NumericId,
  propertyName: z.string().min(1).max(200).nullish(),
  propertyValue: z.string().nullish(),
  changeSource: z.string().nullish(),
  sourceId: z.string().nullish(),
  eventId: NumericId,
  subscriptionId: NumericId.nullish(),
  portalId: PortalId,
  appId: NumericId.nullish(),
  /** Milliseconds since the epoch. */
  occurredAt: z.number().int().positive().max(LATEST_INSTANT_MS),
  attemptNumber: z.number().int().nonnegative().max(2_147_483_647).nullish(), // an integer column
  /** Generic (`object.*`) subscriptions name the object type: deals are 0-3. */
  objectTypeId: z.string().nullish(),
});

/** One event, with its fields nested deeper than MAX_FIELD_DEPTH cut off first (see cutDeepFields). */
export const WebhookEventSchema = z.unknown().transform(cutDeepFields).pipe(Storable).pipe(EventFields);

/** Where a JSON value holds text Postgres cannot store, in keys or values, to any depth. */
function unstorableTextPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return isStorableText(value) ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((item, index) => unstorableTextPaths(item, [...path, index]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => (isStorableText(key) ? unstorableTextPaths(item, [...path, key]) : [[...path, key]]));
  }
  return [];
}

/**
 * The body HubSpot posts: a JSON array of events (at most 100 a request today). Only its being an array is checked
 * here: the count is bounded by the body limit alone, and each event is read on its own by readWebhookEvent.
 */
export const WebhookBatchSchema = z.array(z.unknown(), { error: 'expected a JSON array of webhook events' });

export type WebhookEvent = z.infer<typeof EventFields>;

/** Where an event is malformed, relative to the event: `occurredAt`, `context.note`, `` (not an object). */
export interface EventProblem {
  path: string;
  message: string;
}

export type ReadEvent =
  | { ok: true; event: WebhookEvent; raw: unknown }
  | { ok: false; raw: unknown; problems: EventProblem[]; portalId: string | null };

/**
 * Reads one event of a batch. `raw` is the event as the inbox keeps it (cutDeepFields applied), whether it is
 * well-formed or not; a malformed one names every problem, and its portal when that field at least is readable.
 */
export function readWebhookEvent(item: unknown): ReadEvent {
  const raw = cutDeepFields(item);
  const storable = Storable.safeParse(raw);
  const parsed = storable.success ? EventFields.safeParse(raw) : storable;
  if (parsed.success) return { ok: true, event: parsed.data, raw };
  const portal = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? PortalId.safeParse((raw as { portalId?: unknown }).portalId) : null;
  return {
    ok: false, raw, portalId: portal?.success ? portal.data : null,
    problems: parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: escapeUnstorable(issue.message) })),
  };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${escapeUnstorable(String(part))}`)).join('');
}

// A problem names the key at fault, which may itself be what Postgres cannot store: such characters are written
// as JSON escapes.
// eslint-disable-next-line no-control-regex -- NUL is the very character looked for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const escapeUnstorable = (text: string): string => text.replace(UNSTORABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** What an event means to us, legacy (`deal.propertyChange`) and generic (`object.propertyChange`, 0-3) alike. */
export type DealEventKind = 'deal.propertyChange' | 'deal.creation' | 'deal.deletion';

const DEAL_OBJECT_TYPE = '0-3';

export function dealEventKind(subscriptionType: string, objectTypeId?: string | null): DealEventKind | null {
  switch (subscriptionType) {
    case 'deal.propertyChange':
    case 'deal.creation':
    case 'deal.deletion':
      return subscriptionType;
    case 'object.propertyChange':
    case 'object.creation':
    case 'object.deletion':
      return objectTypeId === DEAL_OBJECT_TYPE ? (`deal.${subscriptionType.slice('object.'.length)}` as DealEventKind) : null;
    default:
      return null;
  }
}
