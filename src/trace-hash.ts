// The hash that chains a portal's trace rows: each row's hash covers its content and the previous row's hash,
// so editing, deleting or reordering any row breaks every link after it.
import { canonicalJson, sha256Hex } from './hash.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface TraceRecord {
  portalId: string;
  seq: number;
  kind: string;
  requestId: string | null;
  dealId: string | null;
  /** Canonical JSON text of the input, as stored. */
  input: string;
  /** Canonical JSON text of the output, as stored. */
  output: string;
  policyHash: string | null;
  engineVersion: string;
  occurredAt: string;
}

export function chainHash(prevHash: string, record: TraceRecord): string {
  return sha256Hex(`${prevHash}\n${canonicalJson(record)}`);
}
