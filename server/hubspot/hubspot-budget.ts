// One HubSpot budget per portal for every call the service makes on the portal's behalf, shared by all processes
// through Postgres (store/budgets.ts) and decided with the service's clock: a token bucket under HubSpot's limit for
// OAuth apps (about 110 calls per 10 s), a daily budget counted to the portal's own midnight, and a block when HubSpot
// answers 429. Interactive callers (a person waiting on a card or an install) go first: background work may not
// spend the last `interactiveReserve` calls of the window, nor the same share of the day.
import type { Db } from '../db/database.js';
import { RetryLaterError } from '../errors.js';
import { updateBudget, type BudgetChange, type BudgetRow } from '../store/budgets.js';
import type { HubSpotApiError } from './hubspot-errors.js';

/** Who waits on a call: a person (card view or action, install, admin command) or a job. */
export type CallerKind = 'interactive' | 'background';

export interface BudgetLimits {
  /** Calls per portal per rolling 10 s, all processes together. */
  perTenSeconds: number;
  /** Of those, how many background work leaves for interactive callers. */
  interactiveReserve: number;
  /** Calls per portal per day, the day ending at the portal's midnight. */
  daily: number;
}

/**
 * Why a call waits: our 10-second budget (`rate`) or day's budget (`daily`) is spent, or HubSpot answered 429 and
 * asked to wait (`rate_limited`), until the portal's next day for its daily limit (`daily_limit`).
 */
export type WaitReason = 'rate' | 'daily' | 'rate_limited' | 'daily_limit';

/** No call was made, or HubSpot refused one: the portal waits until `until` for every caller. */
export class HubSpotBudgetError extends RetryLaterError {
  override readonly name: string = 'HubSpotBudgetError';
  readonly portalId: string;
  readonly reason: WaitReason;
  readonly until: Date;
  /** What is spent or refused, in words, without the wait (an incident names the wait itself). */
  readonly why: string;

  constructor(portalId: string, reason: WaitReason, until: Date, why: string, now: Date, cause?: unknown) {
    const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
    const wait = seconds <= 120 ? `for ${seconds} s` : `until ${until.toISOString()}`;
    super(`HubSpot is not called for portal ${portalId} ${wait}: ${why}`, seconds, { countsAsAttempt: false, cause });
    this.portalId = portalId;
    this.reason = reason;
    this.until = until;
    this.why = why;
  }

  /** HubSpot itself refused (429), rather than our budget. */
  get fromHubSpot(): boolean {
    return this.reason === 'rate_limited' || this.reason === 'daily_limit';
  }

  /** The wait lasts until the portal's next day. */
  get forTheDay(): boolean {
    return this.reason === 'daily' || this.reason === 'daily_limit';
  }
}

export class HubSpotBudget {
  readonly #db: Db;
  readonly #limits: BudgetLimits;
  readonly #now: () => Date;

  constructor(options: { db: Db; limits: BudgetLimits; now: () => Date }) {
    if (options.limits.interactiveReserve >= options.limits.perTenSeconds) throw new Error('the interactive reserve must be smaller than the 10-second budget');
    this.#db = options.db;
    this.#limits = options.limits;
    this.#now = options.now;
  }

  get limits(): BudgetLimits {
    return this.#limits;
  }

  /** Takes `calls` from the portal's budget for this kind of caller, or throws HubSpotBudgetError naming the wait. */
  async spend(portalId: string, caller: CallerKind, calls = 1): Promise<void> {
    const now = this.#now();
    const refusal = await updateBudget(this.#db, portalId, now, this.#limits.perTenSeconds, (row) => decideSpend(row, { calls, caller, limits: this.#limits, now }));
    if (refusal) throw new HubSpotBudgetError(portalId, refusal.reason, refusal.until, refusal.why, now);
  }

  /**
   * HubSpot answered 429: no process calls it for this portal until the time it named (a Retry-After, else its
   * rolling 10 s; for its daily limit, the portal's next midnight). Returns the error the caller throws.
   */
  async rateLimited(portalId: string, failure: HubSpotApiError): Promise<HubSpotBudgetError> {
    const now = this.#now();
    const block = await updateBudget(this.#db, portalId, now, this.#limits.perTenSeconds, (row) => decideBlock(row, failure, now));
    return new HubSpotBudgetError(portalId, block.reason, block.until, block.why, now, failure);
  }
}

interface SpendRequest {
  calls: number;
  caller: CallerKind;
  limits: BudgetLimits;
  now: Date;
}

interface Refusal {
  reason: WaitReason;
  until: Date;
  why: string;
}

/** The calls background work may spend in a day: the day's budget less the interactive share of it. */
export function backgroundDailyAllowance(limits: BudgetLimits): number {
  return limits.daily - Math.floor((limits.daily * limits.interactiveReserve) / limits.perTenSeconds);
}

/** Whether `calls` may be spent now, and the row as it is after the decision (refilled, the day turned, spent or not). */
export function decideSpend(row: BudgetRow, request: SpendRequest): { change: BudgetChange; result: Refusal | null } {
  const { calls, caller, limits, now } = request;
  const perSecond = limits.perTenSeconds / 10;
  // A process whose clock runs behind another's never winds the bucket back.
  const refilledAt = row.refilledAt > now ? row.refilledAt : now;
  const elapsed = Math.max(0, (now.getTime() - row.refilledAt.getTime()) / 1000);
  const tokens = Math.min(limits.perTenSeconds, row.tokens + elapsed * perSecond);
  const dayCalls = row.day === row.today ? row.dayCalls : 0;
  const kept: BudgetChange = { tokens, refilledAt, day: row.today, dayCalls };

  if (row.blockedUntil && row.blockedUntil > now) {
    const daily = row.blockReason === 'daily_limit';
    const why = daily ? `HubSpot's daily API limit for the portal is reached${dayNote(row)}` : 'HubSpot answered 429 (its rate limit) and asked to wait';
    return { change: kept, result: { reason: daily ? 'daily_limit' : 'rate_limited', until: row.blockedUntil, why } };
  }
  const background = caller === 'background';
  const dailyAllowance = background ? backgroundDailyAllowance(limits) : limits.daily;
  if (dayCalls + calls > dailyAllowance) {
    const reserve = background && dailyAllowance < limits.daily ? ` (background work leaves the last ${limits.daily - dailyAllowance} for card views and actions)` : '';
    return { change: kept, result: { reason: 'daily', until: row.nextMidnight, why: `the portal's daily budget of ${limits.daily} HubSpot calls is spent${reserve}${dayNote(row)}` } };
  }
  const floor = background ? limits.interactiveReserve : 0;
  if (tokens - calls < floor) {
    const seconds = Math.max(1, Math.ceil((calls + floor - tokens) / perSecond));
    const reserve = floor > 0 ? ` (background work leaves the last ${floor} for card views and actions)` : '';
    return { change: kept, result: { reason: 'rate', until: new Date(now.getTime() + seconds * 1000), why: `the portal's budget of ${limits.perTenSeconds} HubSpot calls per 10 s is spent for the moment${reserve}` } };
  }
  return { change: { tokens: tokens - calls, refilledAt, day: row.today, dayCalls: dayCalls + calls }, result: null };
}

/** How long HubSpot's 429 blocks the portal; a block already in force that lasts longer stands. */
export function decideBlock(row: BudgetRow, failure: HubSpotApiError, now: Date): { change: BudgetChange; result: Refusal } {
  const daily = failure.dailyLimitReached;
  // Without a Retry-After, HubSpot's rolling 10-second window.
  const named = daily ? row.nextMidnight : new Date(now.getTime() + (failure.retryAfterSeconds ?? 10) * 1000);
  const standing = row.blockedUntil && row.blockedUntil > named ? row.blockedUntil : null;
  const until = standing ?? named;
  const reason: WaitReason = (standing ? row.blockReason === 'daily_limit' : daily) ? 'daily_limit' : 'rate_limited';
  const why = reason === 'daily_limit' ? `HubSpot's daily API limit for the portal is reached${dayNote(row)}` : 'HubSpot answered 429 (its rate limit) and asked to wait';
  // HubSpot's window is full: the bucket starts empty from the refusal.
  return {
    change: { blockedUntil: until, blockReason: reason, tokens: 0, refilledAt: row.refilledAt > now ? row.refilledAt : now },
    result: { reason, until, why },
  };
}

/** Which midnight ends the portal's day, said wherever a daily wait is. */
function dayNote(row: BudgetRow): string {
  return row.timeZone ? `; its day ends at midnight ${row.timeZone}` : '; its day ends at midnight UTC (HubSpot has not told its time zone)';
}
