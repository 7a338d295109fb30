// The email channel's parts on their own: the link token (signature, rotation, tampering), the form token, the two
// mailers (SMTP with a login, .eml files), and the settings that keep mail and links safe in production.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/config.js';
import { createLogger, secretValues } from '../../../server/logger.js';
import { createEmlFolderMailer } from '../../../server/mail/eml-folder-mailer.js';
import type { MailMessage } from '../../../server/mail/mailer.js';
import { createSmtpMailer } from '../../../server/mail/smtp-mailer.js';
import { checkFormToken, formToken, readLink, signLink, type LinkClaims } from '../../../server/use-cases/email/link-token.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';

const OLD_KEY = 'old-link-key-0123456789-0123456789-abc';
const NEW_KEY = 'new-link-key-0123456789-0123456789-xyz';
const CLAIMS: LinkClaims = {
  linkId: 'AAAAAAAAAAAAAAAAAAAAAA', portalId: '70000001', requestId: '8f1c2f8e-4b1e-4d5c-9a43-0d7c9b1f2a11', stepIndex: 1,
  approver: 'ben.carter@acme.example', rowVersion: 3, verdict: 'approve', expiresAt: 1_800_000_000,
};

describe('link tokens', () => {
  it('read back exactly what was signed, under any key still listed, and under no other', () => {
    const token = signLink([OLD_KEY], CLAIMS);
    expect(readLink([OLD_KEY], token)).toEqual({ ok: true, claims: CLAIMS });
    // Rotation: a new key signs, the old one still verifies until it is dropped.
    expect(readLink([NEW_KEY, OLD_KEY], token)).toEqual({ ok: true, claims: CLAIMS });
    expect(readLink([NEW_KEY], token)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuse any change: another approver, request, step, version, verdict or expiry, a cut signature, or junk', () => {
    const token = signLink([NEW_KEY], CLAIMS);
    const [payload = '', signature = ''] = token.split('.');
    const compact = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const change of [{ a: 'noah.king@acme.example' }, { r: '00000000-0000-4000-8000-000000000000' }, { s: 0 }, { rv: 4 }, { d: 'reject' }, { e: 1_900_000_000 }]) {
      const forged = Buffer.from(JSON.stringify({ ...compact, ...change })).toString('base64url');
      expect(readLink([NEW_KEY], `${forged}.${signature}`)).toEqual({ ok: false, reason: 'bad_signature' });
    }
    expect(readLink([NEW_KEY], `${payload}.${signature.slice(0, -1)}`)).toEqual({ ok: false, reason: 'malformed' });
    expect(readLink([NEW_KEY], `${payload}.${'A'.repeat(43)}`)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(readLink([NEW_KEY], '../../etc/passwd')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('bind the confirmation form to its link and to the browser\'s cookie', () => {
    const token = formToken([NEW_KEY], 'link-one-0123456789', 'browser-nonce-0123456789');
    expect(checkFormToken([NEW_KEY], 'link-one-0123456789', 'browser-nonce-0123456789', token)).toBe(true);
    expect(checkFormToken([NEW_KEY], 'link-two-0123456789', 'browser-nonce-0123456789', token)).toBe(false);
    expect(checkFormToken([NEW_KEY], 'link-one-0123456789', 'other-nonce-0123456789', token)).toBe(false);
    expect(checkFormToken([NEW_KEY], 'link-one-0123456789', 'browser-nonce-0123456789', 'short')).toBe(false);
  });
});

const MESSAGE: MailMessage = {
  to: { name: 'Ben Carter', address: 'ben.carter@acme.example' }, subject: 'Approval needed: Globex renewal (score 45)',
  text: 'Approve: http://localhost:3000/email/decide/abc.def', html: '<p>Approve</p>',
  messageId: '<approval.8f1c2f8e.0.abcdef@approval-router>', date: new Date('2026-11-27T09:00:00.000Z'),
};

describe('mailers', () => {
  let sink: SmtpSink;
  beforeAll(async () => { sink = await startSmtpSink({ user: 'mailer', password: 'smtp-password-0123' }); });
  afterAll(async () => { await sink.close(); });

  it('send through SMTP with the configured login, and fail with a wrong one', async () => {
    const settings = { host: '127.0.0.1', port: sink.port, secure: false, requireTls: false, from: 'Approvals <approvals@acme.example>', user: 'mailer' };
    const good = createSmtpMailer({ ...settings, password: 'smtp-password-0123' });
    const sent = await good.send(MESSAGE);
    expect(sent.messageId).toBe(MESSAGE.messageId);
    expect(sink.messages.map((message) => [message.subject, message.messageId, message.date?.toISOString()])).toEqual([[MESSAGE.subject, MESSAGE.messageId, '2026-11-27T09:00:00.000Z']]);
    const bad = createSmtpMailer({ ...settings, password: 'wrong-password' });
    await expect(bad.send(MESSAGE)).rejects.toThrow(/invalid user name or password|535/i);
    // In production the connection must be TLS: a server without STARTTLS gets no message (and no password).
    const strict = createSmtpMailer({ ...settings, password: 'smtp-password-0123', requireTls: true });
    await expect(strict.send(MESSAGE)).rejects.toThrow(/STARTTLS|TLS/i);
    expect(sink.messages).toHaveLength(1);
    for (const mailer of [good, bad, strict]) mailer.close();
  });

  it('write, without SMTP, one whole .eml file per message that only its owner reads', async () => {
    const folder = path.join(mkdtempSync(path.join(tmpdir(), 'approval-router-mail-')), 'mail');
    try {
      const mailer = createEmlFolderMailer(folder, 'approval-router <approvals@localhost>');
      const sent = await mailer.send(MESSAGE);
      expect(readdirSync(folder)).toEqual(['2026-11-27T09-00-00-000Z-approval.8f1c2f8e.0.abcdef.eml']);
      expect(sent.where).toBe(path.join(folder, '2026-11-27T09-00-00-000Z-approval.8f1c2f8e.0.abcdef.eml'));
      expect(statSync(sent.where).mode & 0o777).toBe(0o600);
      const parsed = await simpleParser(readFileSync(sent.where));
      expect([parsed.subject, parsed.text?.trim(), parsed.from?.value[0]?.address]).toEqual([MESSAGE.subject, MESSAGE.text, 'approvals@localhost']);
    } finally {
      rmSync(path.dirname(folder), { recursive: true, force: true });
    }
  });
});

describe('mail settings', () => {
  const production = {
    NODE_ENV: 'production', HUBSPOT_CLIENT_ID: 'id', HUBSPOT_CLIENT_SECRET: 'client-secret-0123', PUBLIC_BASE_URL: 'https://approvals.example.com',
    DATABASE_URL: 'postgres://u:p@db/x', TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`, METRICS_TOKEN: 'metrics-token-0123456789',
  };

  it('require a sender of its own with SMTP in production, and link keys of at least 32 characters', () => {
    expect(() => loadConfig({ ...production, SMTP_HOST: 'smtp.acme.example' })).toThrow(/MAIL_FROM: required with SMTP_HOST/);
    expect(loadConfig({ ...production, SMTP_HOST: 'smtp.acme.example', MAIL_FROM: 'Approvals <approvals@acme.example>' }).SMTP_PORT).toBe(587);
    expect(() => loadConfig({ LINK_SIGNING_KEY: `${NEW_KEY},short` })).toThrow(/LINK_SIGNING_KEY/);
    expect(loadConfig({ LINK_SIGNING_KEY: `${NEW_KEY}, ${OLD_KEY}` }).LINK_SIGNING_KEY).toBe(`${NEW_KEY}, ${OLD_KEY}`);
  });

  it('keep the SMTP password, every link key and a link\'s token out of the logs', () => {
    const lines: string[] = [];
    const destination = new Writable({ write(chunk: Buffer, _encoding, callback) { lines.push(chunk.toString('utf8')); callback(); } });
    const logger = createLogger({ level: 'info', destination, secrets: secretValues({ SMTP_PASSWORD: 'smtp-password-0123', LINK_SIGNING_KEY: `${NEW_KEY}, ${OLD_KEY}` }) });
    logger.info({ req: { url: '/email/decide/eyJ2IjoxfQ.c2lnbmF0dXJl?x=1' } }, `connect with smtp-password-0123 and ${NEW_KEY} or ${OLD_KEY}`);
    const line = lines.join('');
    for (const secret of ['smtp-password-0123', NEW_KEY, OLD_KEY, 'eyJ2IjoxfQ']) expect(line).not.toContain(secret);
    expect(line).toContain('/email/decide/[redacted]?x=1');
  });
});
