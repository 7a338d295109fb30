// How the columns of a HubSpot deals export map to deal properties. HubSpot exports a view with the
// properties' labels as headers ("Record ID", "Deal Name", "Deal owner"); the policy reads internal names
// (dealname, hubspot_owner_id). Standard labels are built in; custom ones come from the --map option.

/** HubSpot's labels for the standard deal properties, as its exports write them (matched case-insensitively). */
export const STANDARD_DEAL_LABELS: Readonly<Record<string, string>> = {
  'deal name': 'dealname',
  amount: 'amount',
  'amount in company currency': 'amount_in_home_currency',
  currency: 'deal_currency_code',
  'deal stage': 'dealstage',
  pipeline: 'pipeline',
  'deal owner': 'hubspot_owner_id',
  'close date': 'closedate',
  'create date': 'createdate',
  'deal type': 'dealtype',
  'deal description': 'description',
  priority: 'hs_priority',
  'forecast category': 'hs_manual_forecast_category',
  'deal probability': 'hs_deal_stage_probability',
  'annual contract value': 'hs_acv',
  'annual recurring revenue': 'hs_arr',
  'monthly recurring revenue': 'hs_mrr',
  'total contract value': 'hs_tcv',
  'next step': 'hs_next_step',
  'last modified date': 'hs_lastmodifieddate',
  'closed lost reason': 'closed_lost_reason',
  'closed won reason': 'closed_won_reason',
  'hubspot team': 'hubspot_team_id',
};

/** Headers that hold the deal's id. */
const ID_LABELS = new Set(['record id', 'deal id', 'hs_object_id', 'id']);

const INTERNAL_NAME = /^[a-z][a-z0-9_]*$/;

export type ColumnTarget = { kind: 'id' } | { kind: 'property'; property: string; via: 'map' | 'standard' | 'internal' } | { kind: 'ignored' };

export interface ColumnPlan {
  targets: ColumnTarget[];
  /** Headers that map to nothing, reported so a missing --map is visible. */
  ignored: string[];
  /** Problems that make the file unusable (no id column, a --map label absent). */
  errors: string[];
  /** Problems worth saying that do not stop the run (two columns for one property). */
  warnings: string[];
}

export const normaliseLabel = (label: string): string => label.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * Parses --map values: "Discount (%)=discount_percent,Payment terms=payment_terms" (the option may repeat).
 * Returns the label → property table or the entries that are not "Label=internal_name".
 */
export function parseColumnMap(values: readonly string[]): { map: Map<string, string>; errors: string[] } {
  const map = new Map<string, string>();
  const errors: string[] = [];
  for (const entry of values.flatMap((v) => v.split(',')).map((e) => e.trim()).filter((e) => e !== '')) {
    const at = entry.lastIndexOf('=');
    const label = at < 0 ? '' : entry.slice(0, at).trim();
    const property = at < 0 ? '' : entry.slice(at + 1).trim();
    if (label === '' || !INTERNAL_NAME.test(property)) {
      errors.push(`--map entry "${entry}" is not Label=internal_name (an internal name is lower-case letters, digits and "_")`);
      continue;
    }
    map.set(normaliseLabel(label), property);
  }
  return { map, errors };
}

/** Decides what each header becomes: the deal id, a property (by --map, then HubSpot's labels, then as an internal name), or nothing. */
export function planColumns(header: readonly string[], custom: ReadonlyMap<string, string> = new Map()): ColumnPlan {
  const targets: ColumnTarget[] = [];
  const ignored: string[] = [];
  const warnings: string[] = [];
  const claimed = new Map<string, string>();
  let idColumn: string | null = null;
  for (const raw of header) {
    const label = normaliseLabel(raw);
    const mapped = custom.get(label);
    let target: ColumnTarget;
    if (mapped !== undefined) target = { kind: 'property', property: mapped, via: 'map' };
    else if (ID_LABELS.has(label)) target = { kind: 'id' };
    else if (Object.hasOwn(STANDARD_DEAL_LABELS, label)) target = { kind: 'property', property: STANDARD_DEAL_LABELS[label]!, via: 'standard' };
    else if (INTERNAL_NAME.test(raw.trim())) target = { kind: 'property', property: raw.trim(), via: 'internal' };
    else target = { kind: 'ignored' };

    if (target.kind === 'id') {
      if (idColumn !== null) {
        warnings.push(`column "${raw}" also looks like the deal id; "${idColumn}" is used`);
        target = { kind: 'ignored' };
      } else idColumn = raw;
    } else if (target.kind === 'property') {
      const earlier = claimed.get(target.property);
      if (earlier !== undefined) {
        warnings.push(`columns "${earlier}" and "${raw}" both map to ${target.property}; "${earlier}" is used`);
        target = { kind: 'ignored' };
      } else claimed.set(target.property, raw);
    }
    if (target.kind === 'ignored') ignored.push(raw);
    targets.push(target);
  }
  const errors: string[] = [];
  if (idColumn === null) errors.push('no column holds the deal id: expected "Record ID" (or "Deal ID", "hs_object_id", "id")');
  const headers = new Set(header.map(normaliseLabel));
  for (const label of custom.keys()) {
    if (!headers.has(label)) errors.push(`--map names the column "${label}", which the file does not have`);
  }
  return { targets, ignored, errors, warnings };
}
