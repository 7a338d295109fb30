// HubSpot renders a note's and a task's body (hs_note_body, hs_task_body) as HTML. Every body this service writes
// is built here: text (ours and what people typed: justifications, comments, reasons, names) is escaped, so markup
// in it shows as typed and never runs, and its line breaks stay line breaks; a link is a real anchor.

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Plain text as HTML: the five special characters escaped, each line break a <br>. */
export function htmlText(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char).replace(/\r\n|\r|\n/g, '<br>');
}

/** A link that opens `href`, showing `label` (the address itself unless told). */
export function htmlLink(href: string, label: string = href): string {
  return `<a href="${htmlText(href)}">${htmlText(label)}</a>`;
}

/** A body: the text, then the link on a line of its own when there is one. */
export function htmlBody(text: string, link?: string): string {
  return link === undefined ? htmlText(text) : `${htmlText(text)}<br>${htmlLink(link)}`;
}
