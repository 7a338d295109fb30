// The email and the pages its links open, as an approver meets them: in headless Chromium (Debian's, driven by
// playwright-core) against the service on a real port, the message taken from a real SMTP server. With
// EMAIL_SCREENSHOTS=1 (`npm run docs:email-screenshots`) each view is saved under docs/email/ for the README.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRequest } from '../../../server/store/requests.js';
import { launchChromium, type Chromium } from '../../support/chromium.js';
import { useTestDatabase } from '../../support/db.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';
import { drainNotifications, linksFor, openEmailedRequest } from './email-harness.js';

const SHOTS = process.env.EMAIL_SCREENSHOTS === '1' ? 'docs/email' : null;
const BEN = 'ben.carter@acme.example';
const BELLA = 'bella.diaz@acme.example';

const database = useTestDatabase();
let sink: SmtpSink;
let browser: Chromium;
let server: Server;
let baseUrl: string;
/** The app the port serves now: each request below gets its own (and its own clock). */
let current: Express | null = null;

beforeAll(async () => {
  sink = await startSmtpSink();
  browser = await launchChromium();
  server = createServer((req, res) => {
    if (current) current(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await sink?.close();
});

async function emailed(portalId: string) {
  sink.messages.length = 0;
  const setup = await openEmailedRequest(database().db, sink, { baseUrl, portalId });
  current = setup.app;
  await drainNotifications(setup.deps, setup.portal.portalId);
  const state = async () => (await findRequest(setup.db, setup.portal.portalId, setup.requestId))?.lifecycle.state;
  return { ...setup, state };
}

async function shoot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

describe('the email and its pages in a browser', () => {
  it('approve: the email, the confirmation, the outcome, then a used link and the other approver\'s moved-on link', async () => {
    const { state } = await emailed('71000001');
    const page = await browser.context.newPage();
    const message = sink.messages.find((sent) => sent.text?.includes(`${BEN}`));
    await page.setContent(message?.html || '');
    await expect(page.locator('h1').textContent()).resolves.toBe('Approval needed: Globex renewal');
    await shoot(page, '1-email');

    const ben = linksFor(sink, BEN);
    // The email's own Approve button leads to the confirmation page.
    await Promise.all([page.waitForURL(`${baseUrl}/**`), page.getByRole('link', { name: 'Approve' }).click()]);
    expect(page.url()).toBe(ben.approve);
    await expect(page.locator('h1').textContent()).resolves.toBe('Approve Globex renewal?');
    expect(await state()).toBe('pending');
    await page.getByLabel('Comment (optional)').fill('Fine by me: Initech is undercutting us.');
    await shoot(page, '2-confirm-approve');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Approve' }).click()]);
    await expect(page.locator('h1').textContent()).resolves.toBe('You approved Globex renewal');
    expect(await state()).toBe('approved');
    await shoot(page, '3-approved');

    await page.goto(ben.approve);
    await expect(page.locator('h1').textContent()).resolves.toBe('This link was already used');
    await shoot(page, '4-used');
    await page.goto(linksFor(sink, BELLA).reject);
    await expect(page.locator('h1').textContent()).resolves.toBe('This request has moved on');
    await shoot(page, '5-moved-on');
    await page.close();
  }, 60_000);

  it('reject: the browser asks for the comment before anything is sent, and the service refuses a reject without one', async () => {
    const { state } = await emailed('71000002');
    const page = await browser.context.newPage();
    await page.goto(linksFor(sink, BEN).reject);
    await expect(page.locator('h1').textContent()).resolves.toBe('Reject Globex renewal?');
    await page.getByRole('button', { name: 'Reject' }).click();
    // `required`: the browser keeps the form; nothing reached the service.
    expect(await page.locator('#comment:invalid').count()).toBe(1);
    expect(await state()).toBe('pending');
    await page.getByLabel('Why do you reject it? (required)').fill('Margin too thin at 25%: offer 15% with a 24-month term.');
    await shoot(page, '6-confirm-reject');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Reject' }).click()]);
    await expect(page.locator('h1').textContent()).resolves.toBe('You rejected Globex renewal');
    expect(await state()).toBe('rejected');
    await shoot(page, '7-rejected');

    await page.goto(`${baseUrl}/email/decide/${linksFor(sink, BELLA).approve.split('/').pop()!.slice(0, -3)}`);
    await expect(page.locator('h1').textContent()).resolves.toBe('This link is not valid');
    await shoot(page, '8-invalid');
    await page.close();
  }, 60_000);

  it('an expired link says so and decides nothing; the opt-out link stops the emails', async () => {
    const { state, clock } = await emailed('71000003');
    const page = await browser.context.newPage();
    clock.advanceHours(25);
    await page.goto(linksFor(sink, BEN).approve);
    await expect(page.locator('h1').textContent()).resolves.toBe('This link has expired');
    await shoot(page, '9-expired');
    expect(await state()).toBe('pending');

    // The foot of the email: no more approval emails, asked first, then done.
    const optOut = /^approval-router, .*\. No more approval emails: (\S+)$/m.exec(sink.messages[0]?.text ?? '')?.[1] ?? '';
    await page.goto(optOut);
    await expect(page.locator('h1').textContent()).resolves.toBe('Stop approval emails?');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Stop approval emails' }).click()]);
    await expect(page.locator('h1').textContent()).resolves.toBe('No more approval emails');
    await shoot(page, '10-opted-out');
    await page.close();
  }, 60_000);
});
