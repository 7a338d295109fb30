// HubSpotCrm: the Crm port over HubSpot's CRM API, per portal. Reads answer like LocalCrm (only the properties
// asked for, a missing deal is null); every other failure surfaces as a typed error, never swallowed. Each HTTP call
// goes through PortalCalls: the portal's budget, as the kind of caller this instance serves.
import type { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/notes/index.js';
import type { Deal } from '../../src/deal.js';
import { normaliseEmail } from '../../src/directory/email.js';
import type { Directory } from '../../src/directory/schema.js';
import type { BatchWriteResult, Crm, DealUpdate, NewTask } from '../crm/crm.js';
import type { Metrics } from '../metrics.js';
import { mapOwnersToDirectory, type OwnerLike } from './owners-directory.js';
import { HubSpotApiError } from './hubspot-errors.js';
import type { ClientForPortal } from './hubspot-client.js';
import type { CallerKind, HubSpotBudget } from './hubspot-budget.js';
import { PortalCalls } from './portal-calls.js';

/** HubSpot's ids for the default note→deal and task→deal associations. */
const NOTE_TO_DEAL = 214;
const TASK_TO_DEAL = 216;
/** HubSpot's batch endpoints take at most 100 inputs. */
export const BATCH_LIMIT = 100;

export interface HubSpotCrmOptions {
  clientFor: ClientForPortal;
  /** Every call spends the portal's budget as this kind of caller; without it (adapter tests, benches) calls are unmetered. */
  budget?: { gate: HubSpotBudget; caller: CallerKind };
  metrics?: Pick<Metrics, 'hubspotCalls'>;
  /** How long one HubSpot call may take before it counts as no answer (retryable). */
  callTimeoutMs?: number;
  /** The service's clock: a note written without an instant of its own is placed at it. */
  now: () => Date;
}

export type { BatchWriteResult, DealUpdate, NewTask };

export class HubSpotCrm implements Crm {
  readonly #calls: PortalCalls;
  readonly #now: () => Date;

  constructor(options: HubSpotCrmOptions) {
    this.#calls = new PortalCalls({
      clientFor: options.clientFor,
      caller: options.budget?.caller ?? 'interactive',
      ...(options.budget ? { budget: options.budget.gate } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.callTimeoutMs ? { timeoutMs: options.callTimeoutMs } : {}),
    });
    this.#now = options.now;
  }

  async getDeal(portalId: string, dealId: string, properties: readonly string[]): Promise<Deal | null> {
    try {
      const deal = await this.#calls.run(portalId, 'deal read', (client) => client.crm.deals.basicApi.getById(dealId, [...properties]));
      // HubSpot adds hs_object_id, createdate, ...: keep only what was asked, as LocalCrm does.
      const picked: Record<string, string | null> = {};
      for (const name of properties) {
        // Own properties only: "constructor" must not read Object's.
        if (Object.hasOwn(deal.properties, name)) picked[name] = deal.properties[name] ?? null;
      }
      return { id: deal.id, properties: picked };
    } catch (error) {
      if (error instanceof HubSpotApiError && error.hubspotStatus === 404) return null;
      throw error;
    }
  }

  /** Owners with their teams, every page, one call a page (server/cache keeps a copy for a minute). */
  async getDirectory(portalId: string): Promise<Directory> {
    const owners: OwnerLike[] = [];
    let after: string | undefined;
    do {
      const page = await this.#calls.run(portalId, 'owners read', (client) => client.crm.owners.ownersApi.getPage(undefined, after, 500, false));
      owners.push(...page.results);
      after = page.paging?.next?.after;
    } while (after);
    return mapOwnersToDirectory(owners);
  }

  async addNote(portalId: string, dealId: string, body: string, at?: Date): Promise<void> {
    await this.#calls.run(portalId, 'note create', (client) => client.crm.objects.notes.basicApi.create({
      properties: { hs_note_body: body, hs_timestamp: (at ?? this.#now()).toISOString() },
      associations: [{ to: { id: dealId }, types: [dealAssociation(NOTE_TO_DEAL)] }],
    }));
  }

  /** A task on the deal (e.g. for its owner after a gate rollback). Returns the task id. */
  async addTask(portalId: string, dealId: string, task: NewTask): Promise<string> {
    const created = await this.#calls.run(portalId, 'task create', (client) => client.crm.objects.tasks.basicApi.create({
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
  }

  /** Completes a task; one deleted in HubSpot meanwhile (404) needs nothing more. */
  async completeTask(portalId: string, taskId: string): Promise<void> {
    try {
      await this.#calls.run(portalId, 'task complete', (client) => client.crm.objects.tasks.basicApi.update(taskId, { properties: { hs_task_status: 'COMPLETED' } }));
    } catch (error) {
      if (error instanceof HubSpotApiError && error.hubspotStatus === 404) return;
      throw error;
    }
  }

  /**
   * Writes deal properties, 100 deals a call, each call spending the budget as it goes. A whole-call failure throws
   * (property writes set absolute values, so a caller that retries all of them converges); per-deal failures are returned.
   */
  async updateDeals(portalId: string, updates: readonly DealUpdate[]): Promise<BatchWriteResult> {
    const result: BatchWriteResult = { updated: [], failed: [], calls: 0 };
    for (let start = 0; start < updates.length; start += BATCH_LIMIT) {
      const inputs = updates.slice(start, start + BATCH_LIMIT).map((u) => ({ id: u.id, properties: u.properties }));
      result.calls += 1;
      const answer = await this.#calls.run(portalId, 'deal batch update', async (client) => {
        const answered = await client.crm.deals.batchApi.update({ inputs });
        // A 2xx whose body is not HubSpot's (an HTML page, an empty object) must not read as "nothing updated".
        if (!Array.isArray(answered.results)) throw new HubSpotApiError('deal batch update', null, null, { unreadable: true });
        return answered;
      });
      result.updated.push(...answer.results.map((deal) => deal.id));
      const errors = 'errors' in answer ? answer.errors ?? [] : [];
      for (const e of errors) result.failed.push({ ids: idsOf(e.context), category: e.category, message: e.message });
    }
    return result;
  }

  /** The users flagged superAdmin, every page of GET /settings/v3/users (scope settings.users.read). */
  async getSuperAdmins(portalId: string): Promise<string[]> {
    const emails = new Set<string>();
    let after: string | undefined;
    do {
      const page = await this.#calls.run(portalId, 'users read', (client) => client.settings.users.usersApi.getPage(100, after));
      for (const user of page.results) if (user.superAdmin === true && user.email) emails.add(normaliseEmail(user.email));
      after = page.paging?.next?.after;
    } while (after);
    return [...emails].sort();
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
