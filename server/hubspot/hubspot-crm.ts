// HubSpotCrm: the Crm port over HubSpot's CRM API, per portal. Reads answer like LocalCrm (only the properties
// asked for, a missing deal is null); every other failure surfaces as a HubSpotApiError, never swallowed.
import type { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/notes/index.js';
import type { Deal } from '../../src/deal.js';
import { normaliseEmail } from '../../src/directory/email.js';
import type { Directory } from '../../src/directory/schema.js';
import type { BatchWriteResult, Crm, DealUpdate, NewTask } from '../crm/crm.js';
import { mapOwnersToDirectory, type OwnerLike } from './owners-directory.js';
import { HubSpotApiError, isApiException, toHubSpotApiError, withDeadline } from './hubspot-errors.js';
import type { ClientForPortal } from './hubspot-client.js';

/** HubSpot's ids for the default note→deal and task→deal associations. */
const NOTE_TO_DEAL = 214;
const TASK_TO_DEAL = 216;
/** HubSpot's batch endpoints take at most 100 inputs. */
export const BATCH_LIMIT = 100;

export interface HubSpotCrmOptions {
  clientFor: ClientForPortal;
  /**
   * How long one HubSpot call may take before it counts as no answer (retryable). The api-client sets no timeout
   * of its own, and a hung call would hold a worker (and its claimed jobs) past their lease.
   */
  callTimeoutMs?: number;
  now?: () => Date;
}

export type { BatchWriteResult, DealUpdate, NewTask };

export class HubSpotCrm implements Crm {
  readonly #clientFor: ClientForPortal;
  readonly #timeoutMs: number;
  readonly #now: () => Date;

  constructor(options: HubSpotCrmOptions) {
    this.#clientFor = options.clientFor;
    this.#timeoutMs = options.callTimeoutMs ?? 10_000;
    this.#now = options.now ?? (() => new Date());
  }

  async getDeal(portalId: string, dealId: string, properties: readonly string[]): Promise<Deal | null> {
    const client = await this.#clientFor(portalId);
    try {
      const deal = await this.#call('deal read', client.crm.deals.basicApi.getById(dealId, [...properties]));
      // HubSpot adds hs_object_id, createdate, ...: keep only what was asked, as LocalCrm does.
      const picked: Record<string, string | null> = {};
      for (const name of properties) {
        // Own properties only: "constructor" must not read Object's.
        if (Object.hasOwn(deal.properties, name)) picked[name] = deal.properties[name] ?? null;
      }
      return { id: deal.id, properties: picked };
    } catch (error) {
      if (isApiException(error) && error.code === 404) return null;
      throw toHubSpotApiError('deal read', error);
    }
  }

  /** Owners with their teams, every page (server/cache keeps a copy for a minute). */
  getDirectory(portalId: string): Promise<Directory> {
    return this.#fetchDirectory(portalId);
  }

  async addNote(portalId: string, dealId: string, body: string): Promise<void> {
    const client = await this.#clientFor(portalId);
    try {
      await this.#call('note create', client.crm.objects.notes.basicApi.create({
        properties: { hs_note_body: body, hs_timestamp: this.#now().toISOString() },
        associations: [{ to: { id: dealId }, types: [dealAssociation(NOTE_TO_DEAL)] }],
      }));
    } catch (error) {
      throw toHubSpotApiError('note create', error);
    }
  }

  /** A task on the deal (e.g. for its owner after a gate rollback). Returns the task id. */
  async addTask(portalId: string, dealId: string, task: NewTask): Promise<string> {
    const client = await this.#clientFor(portalId);
    try {
      const created = await this.#call('task create', client.crm.objects.tasks.basicApi.create({
        properties: {
          hs_task_subject: task.subject,
          hs_task_body: task.body,
          hs_timestamp: task.dueAt.toISOString(),
          hs_task_status: 'NOT_STARTED',
          ...(task.ownerId ? { hubspot_owner_id: task.ownerId } : {}),
        },
        associations: [{ to: { id: dealId }, types: [dealAssociation(TASK_TO_DEAL)] }],
      }));
      return created.id;
    } catch (error) {
      throw toHubSpotApiError('task create', error);
    }
  }

  /** Writes deal properties, 100 deals a call. A whole-call failure throws; per-deal failures are returned. */
  async updateDeals(portalId: string, updates: readonly DealUpdate[]): Promise<BatchWriteResult> {
    const result: BatchWriteResult = { updated: [], failed: [], calls: 0 };
    if (updates.length === 0) return result;
    const client = await this.#clientFor(portalId);
    for (let start = 0; start < updates.length; start += BATCH_LIMIT) {
      const inputs = updates.slice(start, start + BATCH_LIMIT).map((u) => ({ id: u.id, properties: u.properties }));
      try {
        result.calls += 1;
        const answer = await this.#call('deal batch update', client.crm.deals.batchApi.update({ inputs }));
        // A 2xx whose body is not HubSpot's (an HTML page, an empty object) must not read as "nothing updated".
        if (!Array.isArray(answer.results)) throw new HubSpotApiError('deal batch update', null, null, { unreadable: true });
        result.updated.push(...answer.results.map((deal) => deal.id));
        const errors = 'errors' in answer ? answer.errors ?? [] : [];
        for (const e of errors) result.failed.push({ ids: idsOf(e.context), category: e.category, message: e.message });
      } catch (error) {
        throw toHubSpotApiError('deal batch update', error);
      }
    }
    return result;
  }

  /** The users flagged superAdmin, every page of GET /settings/v3/users (scope settings.users.read). */
  async getSuperAdmins(portalId: string): Promise<string[]> {
    const client = await this.#clientFor(portalId);
    const emails = new Set<string>();
    let after: string | undefined;
    try {
      do {
        const page = await this.#call('users read', client.settings.users.usersApi.getPage(100, after));
        for (const user of page.results) if (user.superAdmin === true && user.email) emails.add(normaliseEmail(user.email));
        after = page.paging?.next?.after;
      } while (after);
    } catch (error) {
      throw toHubSpotApiError('users read', error);
    }
    return [...emails].sort();
  }

  #call<T>(operation: string, work: Promise<T>): Promise<T> {
    return withDeadline(operation, work, this.#timeoutMs);
  }

  async #fetchDirectory(portalId: string): Promise<Directory> {
    const client = await this.#clientFor(portalId);
    const owners: OwnerLike[] = [];
    let after: string | undefined;
    try {
      do {
        const page = await this.#call('owners read', client.crm.owners.ownersApi.getPage(undefined, after, 500, false));
        owners.push(...page.results);
        after = page.paging?.next?.after;
      } while (after);
    } catch (error) {
      throw toHubSpotApiError('owners read', error);
    }
    return mapOwnersToDirectory(owners);
  }
}

function dealAssociation(associationTypeId: number) {
  // The api-client types the category as a TS enum; its wire value is this string (importing the enum's
  // runtime value would reach into the client's internal CommonJS modules).
  return { associationCategory: 'HUBSPOT_DEFINED' as AssociationSpecAssociationCategoryEnum, associationTypeId };
}

function idsOf(context: Record<string, unknown> | undefined): string[] {
  const ids = context?.ids;
  return Array.isArray(ids) ? ids.map(String) : [];
}
