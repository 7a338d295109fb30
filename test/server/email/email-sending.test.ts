// When a step starts, each approver it waits on gets an email through SMTP (a real server inside the test): the deal,
// its score and why, the justification, and signed Approve and Reject links. Never twice, never in shadow mode, and
// never to a portal that turned email off or to a person who opted out.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../../server/jobs/handlers.js';
import { readLink } from '../../../server/use-cases/email/link-token.js';
import { TEST_BASE_URL } from '../../support/app.js';
import { useTestDatabase } from '../../support/db.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';
import { drainNotifications, emailJobs, LINK_KEY, linksOf, openEmailedRequest, type OpenOptions } from './email-harness.js';

const database = useTestDatabase();
let sink: SmtpSink;

beforeAll(async () => { sink = await startSmtpSink(); });
afterAll(async () => { await sink.close(); });
beforeEach(() => { sink.messages.length = 0; });

const openRequest = (options: OpenOptions = {}) => openEmailedRequest(database().db, sink, options);

describe('approval emails', () => {
  it('go to each approver of a step that starts, with the deal, its score and why, the justification and signed links', async () => {
    const { deps, portal, requestId, clock } = await openRequest();
    expect(await drainNotifications(deps, portal.portalId)).toEqual(['notify_email']);
    // The NA sales managers: one message each.
    expect(sink.messages.map((sent) => sent.to && !Array.isArray(sent.to) ? sent.to.value[0]?.address : null).sort()).toEqual(['bella.diaz@acme.example', 'ben.carter@acme.example']);
    const message = sink.messages.find((sent) => sent.text?.includes('ben.carter@'));
    expect(message!.to).toMatchObject({ value: [{ address: 'ben.carter@acme.example' }] });
    expect(message!.from?.value[0]).toMatchObject({ name: 'Approvals', address: 'approvals@acme.example' });
    expect(message!.subject).toMatch(/^Approval needed: Globex renewal \(score \d+\)$/);
    expect(message!.headers.get('auto-submitted')).toBe('auto-generated');
    expect(message!.date?.toISOString()).toBe(clock.now().toISOString());
    const text = message!.text ?? '';
    expect(text).toContain('asks for your approval on Globex renewal, amount 80,000');
    expect(text).toMatch(/Score \d+\/100, because:\n {2}- Discount/);
    expect(text).toContain('  Competitive pressure from Initech.\n  They sign this quarter.');
    expect(message!.html).toContain('<a href="http://approval-router.test/email/decide/');

    const links = linksOf(text);
    for (const [verdict, url] of Object.entries(links)) {
      expect(url.startsWith(`${TEST_BASE_URL}/email/decide/`)).toBe(true);
      const read = readLink([LINK_KEY], url.slice(`${TEST_BASE_URL}/email/decide/`.length));
      expect(read).toMatchObject({ ok: true, claims: { portalId: portal.portalId, requestId, stepIndex: 0, approver: 'ben.carter@acme.example', rowVersion: 1, verdict } });
      // Bound to the step's SLA (24 hours here), under the seven-day cap.
      if (read.ok) expect(read.claims.expiresAt * 1000).toBe(clock.now().getTime() + 24 * 3_600_000);
    }
  });

  it('are sent once per approver and step, however often the job runs', async () => {
    const { deps, portal } = await openRequest();
    await drainNotifications(deps, portal.portalId);
    const [job] = await emailJobs(deps.db, portal.portalId);
    await jobHandlers.notify_email!(deps, job!);
    await jobHandlers.notify_email!(deps, job!);
    expect(sink.messages).toHaveLength(2);
  });

  it('are sent again by the retry when the SMTP server refused them, and only then', async () => {
    const { deps, portal } = await openRequest();
    await drainNotifications(deps, portal.portalId).catch(() => undefined);
    sink.messages.length = 0;
    const [job] = await emailJobs(deps.db, portal.portalId);
    await deps.db('email_sends').where({ portal_id: portal.portalId }).delete();
    sink.refuseNext(1);
    await expect(jobHandlers.notify_email!(deps, job!)).rejects.toThrow(/451/);
    expect(await deps.db('email_sends').where({ portal_id: portal.portalId })).toEqual([]);
    await jobHandlers.notify_email!(deps, job!);
    expect(sink.messages).toHaveLength(2);
  });

  it('are not sent when the portal turned email off, to a person who opted out, or in shadow mode', async () => {
    const off = await openRequest({ settings: { channels: { email: false } } });
    expect(await drainNotifications(off.deps, off.portal.portalId)).toEqual([]);
    const shadow = await openRequest({ flag: 'shadow' });
    expect(await drainNotifications(shadow.deps, shadow.portal.portalId)).toEqual([]);
    expect(sink.messages).toEqual([]);
    const optedOut = await openRequest({ settings: { emailOptOuts: ['Ben.Carter@ACME.example'] } });
    expect(await drainNotifications(optedOut.deps, optedOut.portal.portalId)).toEqual(['notify_email']);
    expect(sink.messages.map((sent) => sent.to && !Array.isArray(sent.to) ? sent.to.value[0]?.address : null)).toEqual(['bella.diaz@acme.example']);
  });

  it('are not sent again to a ballot whose earlier attempt died mid-send: it is marked uncertain instead', async () => {
    const { deps, portal } = await openRequest();
    await drainNotifications(deps, portal.portalId);
    // Ben's send was claimed and its worker died before marking it; Bella's never started.
    await deps.db('email_sends').where({ portal_id: portal.portalId, approver_email: 'ben.carter@acme.example' }).update({ state: 'sending', sent_at: null });
    await deps.db('email_sends').where({ portal_id: portal.portalId, approver_email: 'bella.diaz@acme.example' }).delete();
    sink.messages.length = 0;
    const [job] = await emailJobs(deps.db, portal.portalId);
    await jobHandlers.notify_email!(deps, job!);
    expect(sink.messages.map((sent) => (Array.isArray(sent.to) ? null : sent.to?.value[0]?.address))).toEqual(['bella.diaz@acme.example']);
    expect(await deps.db('email_sends').where({ portal_id: portal.portalId }).orderBy('approver_email').select('approver_email', 'state')).toEqual([
      { approver_email: 'bella.diaz@acme.example', state: 'sent' }, { approver_email: 'ben.carter@acme.example', state: 'uncertain' },
    ]);
  });

  it('never go to the requester, who may not approve their own request', async () => {
    const { deps, portal } = await openRequest({ requester: 'ben' });
    await drainNotifications(deps, portal.portalId);
    expect(sink.messages.map((sent) => (Array.isArray(sent.to) ? null : sent.to?.value[0]?.address))).toEqual(['bella.diaz@acme.example']);
  });
});
