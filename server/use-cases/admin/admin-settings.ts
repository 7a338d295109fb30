// How the admin side is tuned: the promotion gate (how long a shadow run, from how much traffic one is required,
// how fresh a simulation must be), the simulation's bounds, and when an open incident gets a follow-up task.
import type { Config } from '../../config.js';

export interface AdminSettings {
  /**
   * Whether a version that has not passed the gate is refused (409) unless an admin overrides it. Off, the gate is
   * still judged and recorded with each activation, but does not refuse: for harnesses that test something else.
   */
  enforceGate: boolean;
  /** Hours a version must run in shadow before it may be activated, when the portal has the traffic for it. */
  shadowHours: number;
  /** Distinct deals evaluated over `trafficWindowDays` from which a shadow run is required (fewer would show nothing). */
  shadowMinDeals: number;
  trafficWindowDays: number;
  /** A simulation older than this no longer counts for the gate: the portal's deals have moved on. */
  simulationMaxAgeHours: number;
  /** An incident about a deal still open this many hours after it was recorded gets a follow-up task, once. */
  incidentFollowUpHours: number;
  simulation: {
    /** The deals of the last this many days. */
    windowDays: number;
    /** At most this many deals, the newest first. */
    maxDeals: number;
    /** The run stops after this much work (a HubSpot card call times out after 15 s). */
    timeBudgetMs: number;
  };
}

export const DEFAULT_ADMIN_SETTINGS: AdminSettings = {
  enforceGate: true,
  shadowHours: 24,
  shadowMinDeals: 20,
  trafficWindowDays: 7,
  simulationMaxAgeHours: 7 * 24,
  incidentFollowUpHours: 24,
  simulation: { windowDays: 90, maxDeals: 5_000, timeBudgetMs: 8_000 },
};

export function adminSettingsFrom(config: Pick<Config, 'PROMOTION_SHADOW_HOURS' | 'PROMOTION_SHADOW_MIN_DEALS' | 'INCIDENT_FOLLOW_UP_HOURS'>): AdminSettings {
  return {
    ...DEFAULT_ADMIN_SETTINGS,
    shadowHours: config.PROMOTION_SHADOW_HOURS,
    shadowMinDeals: config.PROMOTION_SHADOW_MIN_DEALS,
    incidentFollowUpHours: config.INCIDENT_FOLLOW_UP_HOURS,
  };
}
