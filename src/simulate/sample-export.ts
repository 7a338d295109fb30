// A deterministic stand-in for a HubSpot deals export, for the shipped example, the tests and the
// benchmark: the same seed gives the same bytes. Columns are labelled as HubSpot labels them; the
// deal desk's custom properties carry labels that need --map (see examples/exports/README.md).

export const SAMPLE_COLUMN_MAP = 'Discount (%)=discount_percent,Payment terms=payment_terms,Contract term (months)=contract_term_months,Non-standard contract=non_standard_contract';

const HEADER = ['Record ID', 'Deal Name', 'Deal Stage', 'Pipeline', 'Amount', 'Close Date', 'Deal owner', 'Create Date',
  'Discount (%)', 'Payment terms', 'Contract term (months)', 'Non-standard contract', 'Associated Company'];
const OWNERS = ['Ava Stone', 'Noah King', 'Mia Wong', 'Liam Ortiz', 'Noah King', 'Ava Stone', 'Mia Wong', 'Sam Doe'];
const STAGES = ['Appointment Scheduled', 'Qualified To Buy', 'Presentation Scheduled', 'Decision Maker Bought-In', 'Contract Sent'];
const COMPANIES = ['Brightside Clinics', 'Northwind Logistics', 'Globex', 'Initech', 'Umbrella Health', 'Vandelay Imports', 'Stark Freight', 'Wayne Analytics', 'Acme Retail', 'Hooli Cloud'];
const KINDS = ['new business', 'expansion', 'renewal', 'pilot'];
const TERMS: [string, number][] = [['net_30', 55], ['net_45', 15], ['net_60', 15], ['net_90', 10], ['custom', 5]];

/** mulberry32: a tiny seeded generator (the core may not use Math.random). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const csvCell = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** `count` deals as CSV text (header included, "\n" line ends, a final newline). */
export function generateSampleExport(count: number, seed = 7): string {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const weighted = (list: readonly [string, number][]) => {
    let roll = next() * list.reduce((t, [, w]) => t + w, 0);
    for (const [value, weight] of list) if ((roll -= weight) < 0) return value;
    return list[list.length - 1]![0];
  };
  const lines = [HEADER.map(csvCell).join(',')];
  for (let i = 0; i < count; i++) {
    const company = pick(COMPANIES);
    // Amounts are log-spread: most deals are small, a few are very large.
    const amount = Math.round(5000 * Math.exp(next() * 5.2) / 100) * 100;
    const discount = next() < 0.45 ? 0 : Math.round(next() * 38);
    const term = pick(['12', '12', '12', '24', '36', '36', '60']);
    const day = 1 + Math.floor(next() * 28);
    const month = 1 + Math.floor(next() * 12);
    const date = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    lines.push([
      String(20_000_000 + i * 7),
      `${company} - ${pick(KINDS)}`,
      pick(STAGES),
      'Sales Pipeline',
      String(amount),
      date(2027, month, day),
      pick(OWNERS),
      date(2026, Math.max(1, month - 2), day),
      String(discount),
      weighted(TERMS),
      term,
      next() < 0.08 ? 'true' : '',
      company,
    ].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Decided-step history in the format `simulate --history` reads: route,step,hours,outcome. */
export function generateSampleHistory(count: number, seed = 11): string {
  const next = random(seed);
  const steps: [string, string, number][] = [
    ['executive', 'manager', 7], ['executive', 'finance', 20], ['executive', 'cro', 30], ['finance-terms', 'manager', 6],
    ['finance-terms', 'finance', 16], ['standard', 'manager', 5], ['light', 'line-manager', 3],
  ];
  const lines = ['route,step,hours,outcome'];
  for (let i = 0; i < count; i++) {
    const [route, step, median] = steps[Math.floor(next() * steps.length)]!;
    const hours = Math.round(median * Math.exp((next() - 0.5) * 1.6) * 10) / 10;
    lines.push(`${route},${step},${hours},${next() < 0.86 ? 'approved' : 'rejected'}`);
  }
  return `${lines.join('\n')}\n`;
}
