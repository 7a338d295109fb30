// Text into HTML: every value that reaches an email or a page goes through here.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** An instant as people read it, the same on every machine: "Sat 28 Nov 2026, 09:00 UTC". */
export function formatInstant(iso: string): string {
  const date = new Date(iso);
  const text = new Intl.DateTimeFormat('en-GB', {
    weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'UTC',
  }).format(date);
  return `${text} UTC`;
}
