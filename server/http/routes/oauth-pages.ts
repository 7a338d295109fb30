// The small HTML pages an admin sees during the install: what happened and what to do next. No stack, no secret.
import type { Response } from 'express';

export interface Page {
  status: number;
  title: string;
  paragraphs: string[];
  /** Links shown under the text: [label, href]. */
  links?: [string, string][];
}

export function sendPage(res: Response, page: Page): void {
  res.status(page.status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // The callback URL carries the one-time code: never send it on as a Referer.
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    })
    .send(render(page));
}

function render(page: Page): string {
  const links = (page.links ?? []).map(([label, href]) => `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>`).join(' · ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · approval-router</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#213343}h1{font-size:1.4rem}a{color:#0068b1}</style>
</head><body><h1>${escapeHtml(page.title)}</h1>
${page.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
${links ? `<p>${links}</p>` : ''}
</body></html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
