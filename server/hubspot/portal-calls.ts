// Every HubSpot API call made for a portal passes here, one HTTP call at a time: the portal's budget is spent first
// (as an interactive or a background caller), the call runs with the portal's own fresh token and a deadline, a 429
// blocks the portal for every caller, and each call is counted by portal, caller, operation and outcome.
import type { Client } from '@hubspot/api-client';
import type { Metrics } from '../metrics.js';
import type { ClientForPortal } from './hubspot-client.js';
import { HubSpotBudgetError, type CallerKind, type HubSpotBudget } from './hubspot-budget.js';
import { toHubSpotApiError, withDeadline } from './hubspot-errors.js';

export interface PortalCallsOptions {
  clientFor: ClientForPortal;
  /** Whose wait the calls are: decides who goes first when the budget runs low. */
  caller: CallerKind;
  /** Spent before each call. Without one (adapter tests, benches) calls are unmetered. */
  budget?: HubSpotBudget;
  metrics?: Pick<Metrics, 'hubspotCalls'>;
  /**
   * How long one call may take before it counts as no answer (retryable). The api-client sets no timeout of its own,
   * and a hung call would hold a worker (and its claimed jobs) past their lease, or a person's card.
   */
  timeoutMs?: number;
}

export class PortalCalls {
  readonly caller: CallerKind;
  readonly #clientFor: ClientForPortal;
  readonly #budget: HubSpotBudget | undefined;
  readonly #metrics: Pick<Metrics, 'hubspotCalls'> | undefined;
  readonly #timeoutMs: number;

  constructor(options: PortalCallsOptions) {
    this.caller = options.caller;
    this.#clientFor = options.clientFor;
    this.#budget = options.budget;
    this.#metrics = options.metrics;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * One call to HubSpot for the portal. Throws HubSpotBudgetError when the portal must wait (budget spent, or HubSpot
   * answered 429), PortalUninstalledError when it cannot be called at all, else HubSpotApiError for HubSpot's answer.
   */
  async run<T>(portalId: string, operation: string, work: (client: Client) => Promise<T>): Promise<T> {
    const count = (outcome: 'ok' | 'error' | 'rate_limited' | 'refused') =>
      this.#metrics?.hubspotCalls.inc({ portal: portalId, caller: this.caller, operation: operation.replaceAll(' ', '_'), outcome });
    try {
      await this.#budget?.spend(portalId, this.caller);
    } catch (error) {
      if (error instanceof HubSpotBudgetError) count('refused');
      throw error;
    }
    const client = await this.#clientFor(portalId);
    try {
      const result = await withDeadline(operation, work(client), this.#timeoutMs);
      count('ok');
      return result;
    } catch (error) {
      const failure = toHubSpotApiError(operation, error);
      if (failure.hubspotStatus !== 429) {
        count('error');
        throw failure;
      }
      count('rate_limited');
      throw this.#budget ? await this.#budget.rateLimited(portalId, failure) : failure;
    }
  }
}
