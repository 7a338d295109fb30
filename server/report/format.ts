// How the report writes durations and shares: minutes below an hour (a 20-minute p50 reads "20 min", not "0.3 h"),
// hours with one decimal above, shares as percentages.

export function formatHours(hours: number | null): string {
  if (hours === null) return '—';
  const minutes = Math.round(hours * 60);
  if (minutes < 60) return hours > 0 && minutes === 0 ? 'under 1 min' : `${minutes} min`;
  return `${hours.toFixed(1)} h`;
}

export function formatShare(value: number | null): string {
  return value === null ? '—' : `${Math.round(value * 1000) / 10}%`;
}
