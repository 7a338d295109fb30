// The `Crm` port: where deal facts and the directory come from. Deal facts never come from a request body.
// LocalCrm serves the demo portal from Postgres; the HubSpot adapter serves installed portals.
import type { Deal } from '../../src/deal.js';
import type { Directory } from '../../src/directory/schema.js';

export interface Crm {
  /** The deal with the named properties (and the owner, pipeline and stage), or null when the portal has no such deal. */
  getDeal(portalId: string, dealId: string, properties: readonly string[]): Promise<Deal | null>;
  /** Users with their teams and managers: what approver resolution works over. */
  getDirectory(portalId: string): Promise<Directory>;
  /** A note on the deal's timeline, placed at `at` (what it tells happened then) or else now. */
  addNote(portalId: string, dealId: string, body: string, at?: Date): Promise<void>;
  /** A task on the deal (reminders and escalations); returns its id. */
  addTask(portalId: string, dealId: string, task: NewTask): Promise<string>;
  /** Marks a task done (its step closed); a task someone deleted meanwhile is left alone. */
  completeTask(portalId: string, taskId: string): Promise<void>;
  /** Property writes, batched (HubSpot takes up to 100 deals a call); per-deal failures are reported, not thrown. */
  updateDeals(portalId: string, updates: readonly DealUpdate[]): Promise<BatchWriteResult>;
  /** The portal's super admins' emails, lower-cased and sorted: they administer the app beside the admins its settings name. */
  getSuperAdmins(portalId: string): Promise<string[]>;
}

export interface DealUpdate {
  id: string;
  properties: Record<string, string>;
}

export interface BatchWriteResult {
  updated: string[];
  /** Per-deal errors (e.g. a deleted deal); the rest of the batch was written. */
  failed: { ids: string[]; category: string; message: string }[];
  /** Calls made to the CRM: one per 100 deals for HubSpot. */
  calls: number;
}

export interface NewTask {
  subject: string;
  body: string;
  dueAt: Date;
  ownerId?: string;
}

/** The properties every evaluation reads, besides those the policy names. */
export const BASE_DEAL_PROPERTIES = ['dealname', 'amount', 'hubspot_owner_id', 'pipeline', 'dealstage'] as const;
