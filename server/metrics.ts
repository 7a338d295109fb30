// Prometheus metrics (prom-client). Counters and histograms are recorded where things happen; gauges that must
// agree across processes (requests by state, jobs, lag, breaches, posture) are read from Postgres through the store
// at scrape time, with the service's clock.
import type { Db } from './db/database.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { syncWaits } from './store/budgets.js';
import { countIncidentsOfKind } from './store/incidents.js';
import { countOpenJobs, oldestQueuedSyncAge } from './store/jobs.js';
import { countRequestsByState } from './store/requests.js';
import { currentPostures } from './store/rollout-posture.js';

const POSTURE_LEVELS = { healthy: 0, degraded: 1, critical: 2 } as const;

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  decisions: Counter<'verdict'>;
  signatureFailures: Counter<'reason'>;
  /** Every HubSpot API call for a portal (server/hubspot/portal-calls.ts), and every one its budget refused. */
  hubspotCalls: Counter<'portal' | 'caller' | 'operation' | 'outcome'>;
  jobOutcomes: Counter<'kind' | 'outcome'>;
  /** Malformed webhook events kept in quarantine (`approval-router incidents --quarantined`) instead of processed. */
  webhookEventsQuarantined: Counter;
  /** Card views' deal reads, by where they were answered: `cache` (no HubSpot call) or `live`. */
  cardDealReads: Counter<'source'>;
}

export function createMetrics(db: Db, options: { defaultMetrics?: boolean; clock: () => Date }): Metrics {
  const { clock } = options;
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'approval_router_' });
  const metrics: Metrics = {
    registry,
    httpDuration: new Histogram({
      name: 'approval_router_http_request_duration_seconds', help: 'HTTP request latency by route.',
      labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
    }),
    decisions: new Counter({ name: 'approval_router_decisions_total', help: 'Approver decisions recorded, by verdict.', labelNames: ['verdict'], registers: [registry] }),
    signatureFailures: new Counter({ name: 'approval_router_signature_failures_total', help: 'Requests refused for a bad HubSpot signature, by reason.', labelNames: ['reason'], registers: [registry] }),
    hubspotCalls: new Counter({
      name: 'approval_router_hubspot_calls_total', labelNames: ['portal', 'caller', 'operation', 'outcome'], registers: [registry],
      help: 'HubSpot API calls by portal, caller (interactive, background), operation and outcome: ok, error, rate_limited (HubSpot answered 429), refused (the portal\'s budget was spent or the portal blocked: no call made).',
    }),
    jobOutcomes: new Counter({ name: 'approval_router_job_outcomes_total', help: 'Jobs finished by this process, by kind and outcome.', labelNames: ['kind', 'outcome'], registers: [registry] }),
    cardDealReads: new Counter({ name: 'approval_router_card_deal_reads_total', help: 'Deal reads of card views, by source: cache (no HubSpot call) or live.', labelNames: ['source'], registers: [registry] }),
    webhookEventsQuarantined: new Counter({ name: 'approval_router_webhook_events_quarantined_total', help: 'Malformed webhook events quarantined (listed by `approval-router incidents --quarantined`); the rest of their batches were stored.', registers: [registry] }),
  };

  const fromDatabase = <T extends string>(name: string, help: string, labelNames: T[], read: (gauge: Gauge<T>) => Promise<void>) =>
    new Gauge<T>({
      name, help, labelNames, registers: [registry],
      async collect() {
        this.reset();
        await read(this).catch(() => undefined); // a scrape during an outage shows no value rather than failing
      },
    });
  fromDatabase('approval_router_requests', 'Approval requests by state.', ['state'], async (gauge) => {
    for (const { state, count } of await countRequestsByState(db)) gauge.set({ state }, count);
  });
  fromDatabase('approval_router_jobs', 'Jobs by kind and state (dead jobs need a person).', ['kind', 'state'], async (gauge) => {
    for (const { kind, state, count } of await countOpenJobs(db)) gauge.set({ kind, state }, count);
  });
  fromDatabase('approval_router_outbox_lag_seconds', 'Age of the oldest unsent deal sync, deferred ones included.', [], async (gauge) => {
    gauge.set(await oldestQueuedSyncAge(db, clock().toISOString()));
  });
  fromDatabase('approval_router_sync_deferred_until_seconds', 'Per portal whose HubSpot syncs wait: until when (Unix time), because its day\'s budget is spent (budget) or HubSpot asked it to wait (rate_limited).', ['portal', 'reason'], async (gauge) => {
    for (const { portalId, deferredUntil, blockedUntil } of await syncWaits(db, clock())) {
      if (deferredUntil) gauge.set({ portal: portalId, reason: 'budget' }, deferredUntil.getTime() / 1000);
      if (blockedUntil) gauge.set({ portal: portalId, reason: 'rate_limited' }, blockedUntil.getTime() / 1000);
    }
  });
  // One worker takes each minute's turn to assess posture: every process reports the posture recorded last.
  fromDatabase('approval_router_posture', 'Portal posture as last recorded: 0 healthy, 1 degraded, 2 critical.', ['portal'], async (gauge) => {
    for (const { portalId, posture } of await currentPostures(db)) gauge.set({ portal: portalId }, POSTURE_LEVELS[posture]);
  });
  fromDatabase('approval_router_sla_breaches', 'SLA breaches escalated, all time.', [], async (gauge) => {
    gauge.set(await countIncidentsOfKind(db, 'sla_breach'));
  });
  return metrics;
}
