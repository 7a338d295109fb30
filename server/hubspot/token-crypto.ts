// Seals OAuth tokens at rest with AES-256-GCM. Each ciphertext is stored with the id of the key that sealed it,
// so keys rotate without a migration: the first key encrypts, any known key decrypts.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface Sealed {
  keyId: string;
  /** iv (12 bytes) | auth tag (16 bytes) | ciphertext */
  ciphertext: Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;

/** Parses `id:base64key,id2:base64key2` (32-byte keys); throws with a message that never contains key material. */
export function parseEncryptionKeys(spec: string): EncryptionKey[] {
  const keys = spec.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!KEY_ID.test(id)) throw new Error(`entry ${index + 1}: expected keyId:base64key with a key id of letters, digits, '_', '.' or '-'`);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32) throw new Error(`key "${id}": expected 32 bytes of base64 (got ${key.length}); make one with \`openssl rand -base64 32\``);
    return { id, key };
  });
  if (keys.length === 0) throw new Error('expected at least one keyId:base64key');
  const ids = keys.map((k) => k.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) throw new Error(`key id "${duplicate}" appears twice`);
  return keys;
}

/** For the config schema: the problem with a key list, or null when it is usable. */
export function describeKeySpecProblem(spec: string): string | null {
  try {
    parseEncryptionKeys(spec);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

export class TokenCipher {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #current: EncryptionKey;

  constructor(keys: readonly EncryptionKey[]) {
    const [first] = keys;
    if (!first) throw new Error('TokenCipher needs at least one key');
    this.#current = first;
    this.#keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  static fromSpec(spec: string): TokenCipher {
    return new TokenCipher(parseEncryptionKeys(spec));
  }

  /** The id new ciphertexts are sealed with: a row with another id is re-sealed at its next write. */
  get currentKeyId(): string {
    return this.#current.id;
  }

  /**
   * `context` is authenticated but not stored (e.g. portal id and column): a ciphertext copied to another
   * portal's row or column fails to open instead of handing out the wrong portal's token.
   */
  encrypt(plaintext: string, context: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.#current.id, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]) };
  }

  decrypt(sealed: Sealed, context: string): string {
    const key = this.#keys.get(sealed.keyId);
    if (!key) throw new TokenDecryptionError(`no key with id "${sealed.keyId}" is configured in TOKEN_ENCRYPTION_KEYS`);
    if (sealed.ciphertext.length < IV_BYTES + TAG_BYTES) throw new TokenDecryptionError('ciphertext is truncated');
    const iv = sealed.ciphertext.subarray(0, IV_BYTES);
    const tag = sealed.ciphertext.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(sealed.ciphertext.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new TokenDecryptionError(`ciphertext does not open with key "${sealed.keyId}" (tampered, or sealed for another row)`, error);
    }
  }
}

export class TokenDecryptionError extends Error {
  override readonly name = 'TokenDecryptionError';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}
