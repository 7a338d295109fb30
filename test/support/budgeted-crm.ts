// The real LocalCrm behind the real per-portal HubSpot budget, spending as the HubSpot adapter does (PortalCalls):
// one call per read, note and task, one per 100 deals written. For tests of work that meets a spent budget without
// a HubSpot on nock; the adapter's own spending is pinned on nock in test/server/hubspot/hubspot-budget.test.ts.
import type { Crm } from '../../server/crm/crm.js';
import type { Db } from '../../server/db/database.js';
import { HubSpotBudget, type BudgetLimits, type CallerKind } from '../../server/hubspot/hubspot-budget.js';
import { BATCH_LIMIT } from '../../server/hubspot/hubspot-crm.js';

export function budgetedCrm(inner: Crm, options: { db: Db; now: () => Date; limits: BudgetLimits; caller?: CallerKind }): Crm {
  const budget = new HubSpotBudget({ db: options.db, limits: options.limits, now: options.now });
  const caller = options.caller ?? 'background';
  return {
    getDeal: async (portalId, ...args) => { await budget.spend(portalId, caller); return inner.getDeal(portalId, ...args); },
    getDirectory: async (portalId) => { await budget.spend(portalId, caller); return inner.getDirectory(portalId); },
    addNote: async (portalId, ...args) => { await budget.spend(portalId, caller); return inner.addNote(portalId, ...args); },
    addTask: async (portalId, ...args) => { await budget.spend(portalId, caller); return inner.addTask(portalId, ...args); },
    completeTask: async (portalId, taskId) => { await budget.spend(portalId, caller); return inner.completeTask(portalId, taskId); },
    getSuperAdmins: async (portalId) => { await budget.spend(portalId, caller); return inner.getSuperAdmins(portalId); },
    updateDeals: async (portalId, updates) => {
      await budget.spend(portalId, caller, Math.ceil(updates.length / BATCH_LIMIT));
      return inner.updateDeals(portalId, updates);
    },
  };
}
