// HubSpot's webhook payload, parsed once at the edge: a JSON array of fewer than 100 events. Ids arrive as
// numbers and are kept as strings (deal ids are strings everywhere else); unknown fields are kept for the inbox.
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
// half a surrogate pair: such text anywhere in the event is refused by name rather than failing the store. It is
// looked for in the event as parsed from the body, before the object schema copies it: an own "__proto__" key
// survives JSON.parse but not that copy.
const StorableEvent = z.unknown().transform(cutDeepFields).superRefine((event, context) => {
  for (const path of unstorableTextPaths(event)) context.addIssue({ code: 'custom', path, message: 'contains a NUL character or a broken unicode sequence' });
});

// The subscription type and property name are part of the inbox's dedupe key, an index entry Postgres limits to
// about 2.7 kB: HubSpot's are a few dozen characters, and 200 leaves room.
export const WebhookEventSchema = StorableEvent.pipe(z.looseObject({
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
}));

/** Where a JSON value holds text Postgres cannot store, in keys or values, to any depth. */
function unstorableTextPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return isStorableText(value) ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((item, index) => unstorableTextPaths(item, [...path, index]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => (isStorableText(key) ? unstorableTextPaths(item, [...path, key]) : [[...path, key]]));
  }
  return [];
}

/** HubSpot batches fewer than 100 events a request; a larger body is not HubSpot's. */
export const MAX_WEBHOOK_BATCH = 99;

export const WebhookBatchSchema = z.array(WebhookEventSchema).max(MAX_WEBHOOK_BATCH, `HubSpot sends at most ${MAX_WEBHOOK_BATCH} events a request`);

export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

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
