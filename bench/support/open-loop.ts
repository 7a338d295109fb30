// An open-loop load driver, as users load a service: each stream's requests arrive at fixed times whether or not the
// earlier ones were answered, and each latency runs from the request's scheduled time to its answer, so a stall shows
// in the figures rather than slowing the load down. Requests of one HubSpot account pass through at most
// `maxInFlightPerAccount` at a time, as HubSpot's proxy delivers `hubspot.fetch` calls: one that finds them all taken
// waits its turn, and its wait counts in its latency.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sendPrepared, TimeoutError, type LeanResponse, type PreparedRequest } from './lean-client.js';

/** A request as it goes out, and what to do with its answer (null when none came: a transport error or a timeout). */
export interface Outgoing {
  request: PreparedRequest;
  onAnswer?: (answer: LeanResponse | null) => void;
}

export interface Stream {
  name: string;
  /** Arrivals per second, evenly spaced. */
  rate: number;
  /** The HubSpot account whose in-flight limit the stream's requests share; null for requests outside it (webhooks). */
  account: string | null;
  /** The next request, made as it goes out (signed then, as HubSpot signs it), for the service at `target`. */
  make: (target: string) => Outgoing;
}

/** How HubSpot's proxy delivers `hubspot.fetch` calls: at most 20 at once per account, given up after 15 s by default. */
export const HUBSPOT_FETCH = { maxInFlightPerAccount: 20, timeoutMs: 15_000 } as const;

export interface OpenLoopOptions {
  streams: readonly Stream[];
  seconds: number;
  /** Base URLs of the service processes; each stream's requests go to them in turn. */
  targets: readonly string[];
  /** HubSpot's by default. */
  maxInFlightPerAccount?: number;
  /** An answer not complete by then is an error, as HubSpot's proxy gives up after its timeout (by default, its). */
  timeoutMs?: number;
}

export interface StreamResult {
  name: string;
  /** Milliseconds from each request's scheduled time to its answer (or its error), in the order they finished. */
  latencies: number[];
  /** When each of those requests was scheduled, in ms from the start of the run. */
  scheduledAt: number[];
  /** Errors by kind: `HTTP <status>` for an answer outside 2xx, `timeout`, or `transport: <message>`. */
  errors: Map<string, number>;
  /** Requests that found their account's in-flight limit reached and waited for a slot. */
  waited: number;
}

export interface OpenLoopResult {
  seconds: number;
  streams: StreamResult[];
  /** The most requests waiting for a slot at once, over all accounts. */
  mostWaiting: number;
  /** The driver's worst event-loop delay: a driver stall adds to every latency it measures, on every stream at once. */
  driverDelayMaxMs: number;
}

interface Arrival { stream: number; scheduledAt: number }

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { streams, seconds, targets, maxInFlightPerAccount = HUBSPOT_FETCH.maxInFlightPerAccount, timeoutMs = HUBSPOT_FETCH.timeoutMs } = options;
  const results: StreamResult[] = streams.map((stream) => ({ name: stream.name, latencies: [], scheduledAt: [], errors: new Map(), waited: 0 }));
  const inFlight = new Map<string, number>();
  const waiting = new Map<string, Arrival[]>();
  let waitingNow = 0;
  let mostWaiting = 0;
  // Each stream takes the targets in turn on its own, so every service gets its share of each kind of request.
  const nextTarget = streams.map(() => 0);
  const outstanding = new Set<Promise<void>>();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const startedAt = performance.now();

  const dispatch = (arrival: Arrival) => {
    const stream = streams[arrival.stream]!;
    const result = results[arrival.stream]!;
    const target = targets[nextTarget[arrival.stream]!++ % targets.length]!;
    const sending = (async () => {
      let answer: LeanResponse | null = null;
      let error: string | null = null;
      try {
        const outgoing = stream.make(target);
        try {
          answer = await sendPrepared(outgoing.request, timeoutMs);
          if (answer.status < 200 || answer.status > 299) error = `HTTP ${answer.status}`;
        } catch (cause) {
          error = cause instanceof TimeoutError ? 'timeout' : `transport: ${cause instanceof Error ? cause.message : String(cause)}`;
        }
        outgoing.onAnswer?.(answer);
      } catch (cause) {
        error = `driver: ${cause instanceof Error ? cause.message : String(cause)}`;
      }
      result.latencies.push(performance.now() - startedAt - arrival.scheduledAt);
      result.scheduledAt.push(arrival.scheduledAt);
      if (error !== null) result.errors.set(error, (result.errors.get(error) ?? 0) + 1);
      if (stream.account !== null) release(stream.account);
    })();
    outstanding.add(sending);
    void sending.finally(() => outstanding.delete(sending));
  };

  const arrive = (arrival: Arrival) => {
    const account = streams[arrival.stream]!.account;
    if (account === null) return dispatch(arrival);
    const busy = inFlight.get(account) ?? 0;
    if (busy < maxInFlightPerAccount) {
      inFlight.set(account, busy + 1);
      return dispatch(arrival);
    }
    results[arrival.stream]!.waited += 1;
    let queue = waiting.get(account);
    if (!queue) waiting.set(account, (queue = []));
    queue.push(arrival);
    mostWaiting = Math.max(mostWaiting, ++waitingNow);
  };

  // The freed slot goes to the account's longest-waiting request, if any.
  const release = (account: string) => {
    const next = waiting.get(account)?.shift();
    if (next) {
      waitingNow -= 1;
      dispatch(next);
    } else inFlight.set(account, (inFlight.get(account) ?? 1) - 1);
  };

  const endAt = seconds * 1000;
  const sent = streams.map(() => 0);
  const dueAt = (i: number) => (sent[i]! * 1000) / streams[i]!.rate;
  for (;;) {
    const elapsed = performance.now() - startedAt;
    let soonest = Infinity;
    for (let i = 0; i < streams.length; i++) {
      for (let at = dueAt(i); at <= elapsed && at < endAt; at = dueAt(i)) {
        arrive({ stream: i, scheduledAt: at });
        sent[i]! += 1;
      }
      if (dueAt(i) < endAt) soonest = Math.min(soonest, dueAt(i));
    }
    if (soonest === Infinity) break;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, soonest - (performance.now() - startedAt))));
  }
  while (outstanding.size > 0) await Promise.all(outstanding);
  delay.disable();
  return { seconds, streams: results, mostWaiting, driverDelayMaxMs: delay.max / 1e6 };
}

/** The q-quantile of ascending numbers (nearest rank), or NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export interface Summary { requests: number; errors: number; p50: number; p99: number; max: number }

export function summarize(result: StreamResult): Summary {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const errors = [...result.errors.values()].reduce((sum, n) => sum + n, 0);
  return { requests: sorted.length, errors, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN };
}

/** The p99 of each tenth of the run, by scheduled time, so a stall shows when it happened. */
export function p99ByTenth(result: StreamResult, seconds: number): number[] {
  const tenths = Array.from({ length: 10 }, (): number[] => []);
  result.latencies.forEach((ms, i) => tenths[Math.min(9, Math.floor((result.scheduledAt[i]! / (seconds * 1000)) * 10))]!.push(ms));
  return tenths.map((tenth) => quantile(tenth.sort((a, b) => a - b), 0.99));
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));

/**
 * The figures of a run as a table: per stream the requests, errors, p50, p99 and max in ms, and its p99 target beside
 * them (printed, never asserted); then the errors by kind and the waits for a slot.
 */
export function formatRun(run: OpenLoopResult, p99Targets: Readonly<Record<string, number>>): string {
  const lines = [`${'endpoint'.padEnd(14)} ${'requests'.padStart(9)} ${'errors'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}   target`];
  for (const stream of run.streams) {
    const s = summarize(stream);
    const target = p99Targets[stream.name];
    const verdict = target === undefined || s.requests === 0 ? '' : `p99 < ${target} ms: ${s.p99 < target ? 'met' : 'NOT met'}`;
    lines.push(`${stream.name.padEnd(14)} ${String(s.requests).padStart(9)} ${String(s.errors).padStart(7)} ${ms(s.p50).padStart(8)} ${ms(s.p99).padStart(8)} ${ms(s.max).padStart(8)}   ${verdict}`);
  }
  const errors = run.streams.flatMap((stream) => [...stream.errors].map(([kind, n]) => `${stream.name} ${kind}: ${n}`));
  lines.push(`errors (target: none): ${errors.length === 0 ? 'none' : errors.join('; ')}`);
  const waited = run.streams.reduce((sum, stream) => sum + stream.waited, 0);
  lines.push(`requests that waited for an in-flight slot of their account: ${waited}${waited > 0 ? ` (at most ${run.mostWaiting} waiting at once)` : ''}; the driver's worst event-loop delay: ${run.driverDelayMaxMs.toFixed(0)} ms`);
  return lines.join('\n');
}

/** A phase in one line: per endpoint its errors and p50, p99 and max. */
export function formatPhase(run: OpenLoopResult): string {
  return run.streams.map((stream) => {
    const s = summarize(stream);
    return `${stream.name} ${s.errors} errors, p50 ${ms(s.p50)} / p99 ${ms(s.p99)} / max ${ms(s.max)} ms`;
  }).join('; ');
}
