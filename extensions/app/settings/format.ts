// How the settings page words times, durations, shares and hashes.

export function formatTime(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
  } catch {
    return date.toISOString();
  }
}

/** A duration as a person reads it: minutes below an hour, hours below two days, then days. */
export function formatHours(hours: number | null): string {
  if (hours === null) return 'n/a';
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${Number(hours.toFixed(1))} h`;
  return `${Number((hours / 24).toFixed(1))} d`;
}

/** A share (0..1) as a percentage with at most one decimal. */
export function formatShare(share: number | null): string {
  return share === null ? 'n/a' : `${Number((share * 100).toFixed(1))}%`;
}

/** The first 12 characters of a content hash: enough to tell versions apart on screen. */
export function shortHash(hash: string): string {
  return hash.length > 12 ? hash.slice(0, 12) : hash;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A calendar day as HubSpot's DateInput gives it (month from 0). */
export interface Day {
  year: number;
  month: number;
  date: number;
}

/** The instant a day starts in a time zone (midnight there, or the first instant after a skipped midnight), as ISO. */
export function startOfDay(day: Day, timeZone: string): string {
  const wall = Date.UTC(day.year, day.month, day.date);
  let instant = wall - offsetMinutes(wall, timeZone) * 60_000;
  // Around a change of offset the first guess uses the wrong one; one more step settles it.
  instant = wall - offsetMinutes(instant, timeZone) * 60_000;
  return new Date(instant).toISOString();
}

/** The day after, across month and year ends. */
export function nextDay(day: Day): Day {
  const next = new Date(Date.UTC(day.year, day.month, day.date + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth(), date: next.getUTCDate() };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in minutes. */
function offsetMinutes(instant: number, timeZone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    }).formatToParts(instant);
  } catch {
    return 0;
  }
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return Math.round((wall - Math.floor(instant / 1000) * 1000) / 60_000);
}
