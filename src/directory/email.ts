// One rule for email addresses, wherever they are compared: the directory, the signed identity, policy documents,
// delegations and replayed traces. Addresses are people's identities here, so two count as one only when they
// are the same text up to Unicode composition and the case of ASCII letters.
import { z } from 'zod';

// NFC maps these three onto ASCII (the Kelvin sign onto K, the Greek question mark onto ';', the Greek varia onto
// '`'); they are kept as they are, so that no non-ASCII address ever becomes an ASCII one.
const KEPT_FROM_NFC = /([\u037E\u1FEF\u212A])/u;
const ASCII = /^\p{ASCII}*$/u;

/**
 * The form addresses are stored and compared in: trimmed, composed (NFC) and with ASCII letters lower-cased. Only
 * A–Z fold: `toLowerCase` would turn a Kelvin sign into `k` and merge a lookalike into someone else's address.
 * Composing again after folding keeps the result stable (a lower-case letter can compose where its capital cannot).
 */
export function normaliseEmail(email: string): string {
  // ASCII has nothing to compose or keep, and toLowerCase folds only A–Z in it.
  if (ASCII.test(email)) return email.trim().toLowerCase();
  return email.trim().split(KEPT_FROM_NFC)
    .map((part, index) => (index % 2 === 1 ? part : foldAsciiCase(part.normalize('NFC')).normalize('NFC')))
    .join('');
}

function foldAsciiCase(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

// A local part and a domain, with no whitespace, control character or second `@`. Non-ASCII is allowed on both
// sides: HubSpot users and owners may have such addresses, and what evaluation accepts, replay must accept.
const EMAIL_SHAPE = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u;

export function isEmailAddress(value: string): boolean {
  return EMAIL_SHAPE.test(value) && value.isWellFormed();
}

/** An address as written (documents keep their bytes, so their hashes hold); compare through `normaliseEmail`. */
export const EmailAddress = z.string()
  .refine(isEmailAddress, 'expected an email address (a local part, @, a domain; no spaces)')
  // For editors of policy documents (the JSON Schema): the same shape, as far as a pattern without flags can say it.
  .meta({ format: 'idn-email', pattern: '^[^\\s@]+@[^\\s@]+$' });
