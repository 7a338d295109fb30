// Bad input on HubSpot's webhook endpoint, signed correctly: fast-check mutates real event batches (fields dropped,
// retyped or replaced by hostile values, numbers past what a date, a Postgres bigint or an integer column can hold,
// unstorable text in known and unknown fields, which the inbox keeps, unknown fields nested up to 150,000 deep), or
// sends any hostile JSON instead. A JSON array is answered 200, always: its malformed events are quarantined and the
// rest stored (HubSpot does not deliver a batch again after a 4xx). Anything else is a 400 naming `body`; none is a 500.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/db.js';
import { seedPortal } from '../support/factories.js';
import { buildWebhookApp, postWebhook, propertyChange } from '../server/webhooks-harness.js';
import { deeplyNestedJson, hostileJson, hostileKey, hostileNumber, hostileString } from './support/hostile.js';

const database = useTestDatabase();
const RUNS = Number(process.env.FUZZ_RUNS ?? 740);
const FIELDS = ['eventId', 'subscriptionId', 'portalId', 'appId', 'occurredAt', 'subscriptionType', 'attemptNumber', 'objectId',
  'propertyName', 'propertyValue', 'changeSource', 'sourceId', 'objectTypeId'];

describe('POST /webhooks/hubspot under generated input', () => {
  it('answers 200 for any JSON array, storing or quarantining each event; 400 for anything else; never a 500', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { app, clock } = buildWebhookApp(db);
    const event = fc.record({
      dealId: fc.nat({ max: 50 }).map(String), property: fc.constantFrom('amount', 'dealstage', 'discount_percent'), value: fc.string({ maxLength: 12 }),
    }).map(({ dealId, property, value }) => propertyChange(portal.portalId, dealId, property, value, clock.now()) as Record<string, unknown>);
    const number = fc.oneof(hostileNumber, fc.constantFrom(8.64e15, 8.64e15 + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, 1e19, -1));
    const value = fc.oneof(hostileJson(FIELDS), hostileString, number);
    const mutated = fc.oneof(
      { weight: 2, arbitrary: event },
      { weight: 6, arbitrary: fc.tuple(event, fc.constantFrom(...FIELDS), value).map(([e, name, v]) => ({ ...e, [name]: v })) },
      { weight: 2, arbitrary: fc.tuple(event, fc.constantFrom(...FIELDS)).map(([e, name]) => Object.fromEntries(Object.entries(e).filter(([key]) => key !== name))) },
      // Fields HubSpot may add are kept in the stored payload, so their text must be storable too.
      { weight: 3, arbitrary: fc.tuple(event, hostileKey(FIELDS), value).map(([e, key, v]) => ({ ...e, [key]: v })) },
    );
    // A field nested deeper than JSON.stringify can write goes as text, after the events before it.
    const deepField = fc.tuple(fc.array(event, { maxLength: 3 }), event, hostileKey(FIELDS), deeplyNestedJson).map(([before, e, key, nested]) => {
      const text = `[${[...before.map((b) => JSON.stringify(b)), `${JSON.stringify(e).slice(0, -1)},${JSON.stringify(key)}:${nested}}`].join(',')}]`;
      // A new field with a storable name is what HubSpot might add: its depth must not cost the batch.
      return { body: JSON.parse(text) as unknown, text, genuine: !FIELDS.includes(key) && !key.includes('\u0000') && key.isWellFormed() };
    });
    const batch = fc.oneof(
      { weight: 8, arbitrary: fc.array(mutated, { minLength: 1, maxLength: 6 }).map((body) => ({ body, text: undefined, genuine: false })) },
      { weight: 1, arbitrary: deepField },
      { weight: 1, arbitrary: hostileJson(FIELDS).map((body) => ({ body, text: undefined, genuine: false })) },
    );
    await fc.assert(fc.asyncProperty(batch, async ({ body, text, genuine }) => {
      const answer = await postWebhook(app, clock, text === undefined ? body : undefined, text === undefined ? {} : { text });
      if (!Array.isArray(body)) {
        expect(answer.status, answer.text.slice(0, 300)).toBe(400);
        expect((answer.body as { error: { details?: { path: string }[] } }).error.details).toEqual([expect.objectContaining({ path: 'body' })]);
        return;
      }
      expect(answer.status, answer.text.slice(0, 300)).toBe(200);
      const counts = answer.body as { received: number; stored: number; quarantined: number };
      expect(counts.received).toBe(body.length);
      expect(counts.stored + counts.quarantined).toBeLessThanOrEqual(body.length);
      // A new field with a storable name is what HubSpot might add: its depth must not cost the event.
      if (genuine) expect(counts.quarantined).toBe(0);
    }), { numRuns: RUNS, endOnFailure: true });
  }, 180_000);
});
