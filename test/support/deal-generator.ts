// A seeded generator of HubSpot-like deals for both example portals: the same seed gives the same
// deals on every machine, for the regression baseline, property tests and the benchmark.
import type { Deal } from '../../src/index.js';

/** mulberry32: tiny, fast, and fully determined by its 32-bit seed. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface GeneratedDeal {
  deal: Deal;
  requester: string | null;
}

const OWNERS: readonly (readonly [string, string])[] = [
  ['101', 'ava.stone@acme.example'], ['102', 'noah.king@acme.example'], ['103', 'mia.wong@acme.example'],
  ['104', 'liam.ortiz@acme.example'], ['110', 'anna.berg@acme.example'], ['111', 'ben.carter@acme.example'],
  ['112', 'bella.diaz@acme.example'], ['201', 'olivia.hart@acme.example'], ['202', 'james.lee@acme.example'],
  ['203', 'priya.shah@acme.example'], ['210', 'clara.lind@acme.example'], ['211', 'carlos.reyes@acme.example'],
  ['999', 'ghost@acme.example'],
];
const OTHER_REQUESTERS = ['dealdesk@acme.example', 'fiona.hughes@acme.example', 'cs.ops@acme.example', 'Chloe.Park@acme.example'];

export function generateDeals(count: number, seed: number): GeneratedDeal[] {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  /** A decimal string as HubSpot sends it, sometimes missing, empty or hand-typed. */
  const decimal = (max: number, p: number, places = 0): string | null => {
    if (!chance(p)) return null;
    const roll = random();
    if (roll < 0.02) return '';
    if (roll < 0.04) return `${Math.floor(random() * max).toLocaleString('en-US')}`.includes(',') ? '12,000' : 'n/a';
    const value = random() * max;
    return places === 0 ? String(Math.floor(value)) : value.toFixed(places);
  };
  const deals: GeneratedDeal[] = [];
  for (let i = 0; i < count; i++) {
    const owner = chance(0.95) ? pick(OWNERS) : null;
    const properties: Record<string, string | null> = {
      dealname: `Generated deal ${i}`,
      amount: decimal(chance(0.1) ? 2_000_000 : 300_000, 0.95, chance(0.3) ? 2 : 0),
      discount_percent: decimal(40, 0.85, chance(0.4) ? 1 : 0),
      payment_terms: chance(0.9) ? pick(['net_30', 'net_30', 'net_45', 'net_60', 'net_90', 'custom', 'prepaid']) : null,
      contract_term_months: chance(0.9) ? pick(['12', '12', '24', '36', '48', '60']) : null,
      non_standard_contract: pick(['true', 'false', 'false', null]),
      renewal_discount_percent: decimal(30, 0.5, 1),
      service_credit_amount: decimal(30_000, 0.25, 2),
      refund_amount: decimal(20_000, 0.15, 2),
      sla_exception: chance(0.2) ? pick(['support_hours', 'response_time', 'uptime', 'other']) : null,
      amendment_type: chance(0.25) ? pick(['term_extension', 'scope_change', 'price_change']) : null,
      hubspot_owner_id: owner ? owner[0] : null,
      pipeline: pick(['default', 'renewals']),
      dealstage: pick(['qualifiedtobuy', 'presentationscheduled', 'contractsent', 'renewal_negotiation']),
    };
    const requester = owner && chance(0.7) ? owner[1] : chance(0.8) ? pick(OTHER_REQUESTERS) : null;
    deals.push({ deal: { id: String(100_000 + i), properties }, requester });
  }
  return deals;
}
