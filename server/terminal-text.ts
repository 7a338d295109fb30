// Text from files, CRMs and policies on its way to a terminal. Control characters are shown as escapes, never
// sent raw: a CSV cell or a deal name must not move the cursor, recolour the screen, rewrite what was printed
// before it, or reorder a line with a bidirectional override.

/** C0 controls, DEL, C1 controls, and the bidirectional embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex -- matching control characters is this module's job
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same less C0, which JSON.stringify escapes inside strings and uses raw only for its own line breaks. */
const CONTROLS_BEYOND_C0 = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const NAMED = new Map([['\n', '\\n'], ['\r', '\\r'], ['\t', '\\t']]);

function escape(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED.get(char) ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** One line: every control character escaped, line breaks included. */
export function terminalLine(text: string): string {
  return text.replace(CONTROLS, escape);
}

/** Several lines: the line breaks stay, every other control character is escaped. */
export function terminalText(text: string): string {
  return text.split('\n').map(terminalLine).join('\n');
}

/** JSON for a terminal: the controls JSON.stringify leaves raw get \u escapes, which JSON reads back as the same text. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(CONTROLS_BEYOND_C0, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
