import { describe, expect, it } from 'vitest';
import { parseEncryptionKeys, TokenCipher, TokenDecryptionError } from '../../../server/hubspot/token-crypto.js';
import { KEYS } from '../../support/hubspot.js';

describe('token encryption at rest', () => {
  const token = 'CJSP-a-very-secret-access-token';

  it('round-trips, with a fresh IV each time, and stores the key id beside the ciphertext', () => {
    const cipher = TokenCipher.fromSpec(`${KEYS.current},${KEYS.old}`);
    const a = cipher.encrypt(token, 'portal:1');
    const b = cipher.encrypt(token, 'portal:1');
    expect(a.keyId).toBe('k2026');
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.ciphertext.includes(Buffer.from(token))).toBe(false);
    expect(cipher.decrypt(a, 'portal:1')).toBe(token);
  });

  it('decrypts ciphertexts of an older key after rotation, and encrypts with the first key', () => {
    const before = TokenCipher.fromSpec(KEYS.old).encrypt(token, 'portal:1');
    const after = TokenCipher.fromSpec(`${KEYS.current},${KEYS.old}`);
    expect(after.decrypt(before, 'portal:1')).toBe(token);
    expect(after.encrypt(token, 'portal:1').keyId).toBe('k2026');
  });

  it('refuses an unknown key id, a tampered ciphertext and a ciphertext moved to another row', () => {
    const cipher = TokenCipher.fromSpec(KEYS.current);
    const sealed = cipher.encrypt(token, 'portal:1');
    expect(() => TokenCipher.fromSpec(KEYS.old).decrypt(sealed, 'portal:1')).toThrow(TokenDecryptionError);
    const tampered = Buffer.from(sealed.ciphertext);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => cipher.decrypt({ ...sealed, ciphertext: tampered }, 'portal:1')).toThrow(/does not open/);
    expect(() => cipher.decrypt(sealed, 'portal:2')).toThrow(/does not open/);
  });

  it('rejects malformed key lists without echoing key material', () => {
    const secretish = Buffer.alloc(16, 3).toString('base64');
    expect(() => parseEncryptionKeys(`a:${secretish}`)).toThrow(/expected 32 bytes/);
    expect(() => parseEncryptionKeys(`a:${secretish}`)).not.toThrow(new RegExp(secretish.slice(0, 8)));
    expect(() => parseEncryptionKeys('no-colon')).toThrow(/keyId:base64key/);
    expect(() => parseEncryptionKeys(`${KEYS.old},${KEYS.old}`)).toThrow(/appears twice/);
    expect(() => parseEncryptionKeys(' , ')).toThrow(/at least one/);
  });
});
