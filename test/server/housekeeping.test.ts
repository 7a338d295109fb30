// The minute's housekeeping runs once a minute across all workers, not once in each: of the workers that offer at
// the same time exactly one takes the turn, the next turn comes a minute later (to whichever worker offers first),
// and a clock set back does not stop it for good. Against a real Postgres, on the test's clock.
import { describe, expect, it } from 'vitest';
import { claimDueJobs, enqueueJob, finishJobs } from '../../server/store/jobs.js';
import { runMinuteHousekeeping } from '../../server/use-cases/admin/housekeeping.js';
import { createClock } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { seedPortal } from '../support/factories.js';
import { createTestLogger } from '../support/logger.js';

const database = useTestDatabase();
const settings = { jobRetentionDays: 7, webhookRetentionDays: 7, incidentFollowUpHours: 24 };

describe('minute housekeeping', () => {
  it('is run by one of the workers offering at once, again a minute later, and after the clock is set back', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const clock = createClock();
    const deps = { db, logger: createTestLogger().logger, crmFor: () => portal.crm, now: clock.now };
    const offer = (workerId: string) => runMinuteHousekeeping(deps, workerId, settings);

    // A job finished a month ago is past its retention: the worker with the turn deletes it.
    const monthAgo = new Date(clock.now().getTime() - 30 * 86_400_000).toISOString();
    await enqueueJob(db, { portalId: portal.portalId, kind: 'notify', key: 'old', payload: {} }, monthAgo);
    const [old] = await claimDueJobs(db, { workerId: 'w0', now: monthAgo, lockSeconds: 30 }, 1);
    await finishJobs(db, 'w0', [{ id: old!.id, note: null }], monthAgo);

    const first = await Promise.all(['w1', 'w2', 'w3'].map(offer));
    expect(first.filter((done) => done !== null)).toEqual([expect.objectContaining({ prunedJobs: 1 })]);

    clock.advanceHours(30 / 3600);
    expect(await Promise.all(['w1', 'w2', 'w3'].map(offer))).toEqual([null, null, null]);

    clock.advanceHours(30 / 3600);
    expect(await offer('w3')).not.toBeNull();
    expect(await offer('w1')).toBeNull();

    clock.set(new Date(clock.now().getTime() - 86_400_000).toISOString());
    expect(await offer('w2')).not.toBeNull();
    expect(await offer('w1')).toBeNull();
  });
});
