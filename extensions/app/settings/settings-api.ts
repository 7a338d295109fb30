// The settings page's endpoints on the service, all under /api/v1/admin (and the scorecard), through the same call
// as the cards (service.ts): the viewer's identity in the query, a timeout, the service's errors kept word for word.
// Every admin write carries an idempotency key and the version of what it changes as the admin saw it.
import { callService, isObject, type ApiResult, type Identity } from './service.js';
import type {
  ActivateAnswer, AdminsAnswer, BaselineAnswer, CandidateSummary, DelegationBody, DelegationListAnswer, DelegationWriteAnswer, FlagAnswer,
  GatedActivateBody, GateStatus, IncidentListAnswer, IncidentPacketAnswer, PolicyOverview, PolicySourceBody,
  PostureAnswer, PostureHistoryAnswer, ResolveIncidentAnswer, ResolveIncidentBody, RollbackAnswer, RollbackBody,
  NotificationSettingsView, SaveAnswer, SavePolicyBody, ScorecardAnswer, SetBaselineBody, SetChannelsBody, SetFlagBody, SetTargetsBody,
  SimulateBody, SimulationAnswer, SlackConnectionView, StageAnswer, TargetsAnswer, ValidateAnswer,
} from './settings-types.js';

const ADMIN = '/api/v1/admin';
const version = (value: number) => encodeURIComponent(String(value));

/**
 * `POST /admin/policy/simulate` runs the draft through up to thousands of the portal's deals; HubSpot lets a fetch
 * wait up to 120 s, and the service stops its own run well before that.
 */
export const SIMULATE_TIMEOUT_MS = 60_000;

// ---- policy ---------------------------------------------------------------------------------------------------

export function getPolicy(identity: Identity): Promise<ApiResult<PolicyOverview>> {
  return callService('GET', `${ADMIN}/policy`, identity, undefined, isPolicyOverview);
}

export function validatePolicy(identity: Identity, body: PolicySourceBody): Promise<ApiResult<ValidateAnswer>> {
  return callService('POST', `${ADMIN}/policy/validate`, identity, body, isValidateAnswer);
}

export function simulatePolicy(identity: Identity, body: SimulateBody): Promise<ApiResult<SimulationAnswer>> {
  return callService('POST', `${ADMIN}/policy/simulate`, identity, body, isSimulationAnswer, {}, SIMULATE_TIMEOUT_MS);
}

export function savePolicy(identity: Identity, body: SavePolicyBody): Promise<ApiResult<SaveAnswer>> {
  return callService('POST', `${ADMIN}/policy/versions`, identity, body, isSaveAnswer);
}

export function getGate(identity: Identity, versionNumber: number): Promise<ApiResult<GateStatus>> {
  return callService('GET', `${ADMIN}/policy/versions/${version(versionNumber)}/gate`, identity, undefined, isGateStatus);
}

export function activateVersion(identity: Identity, versionNumber: number, body: GatedActivateBody): Promise<ApiResult<ActivateAnswer>> {
  return callService('POST', `${ADMIN}/policy/versions/${version(versionNumber)}/activate`, identity, body, isActivateAnswer);
}

export function stageVersion(identity: Identity, versionNumber: number): Promise<ApiResult<StageAnswer>> {
  return callService('POST', `${ADMIN}/policy/versions/${version(versionNumber)}/stage`, identity, {}, isStageAnswer);
}

export function getCandidate(identity: Identity): Promise<ApiResult<CandidateSummary>> {
  return callService('GET', `${ADMIN}/policy/candidate`, identity, undefined, isCandidateSummary);
}

export function promoteCandidate(identity: Identity, body: GatedActivateBody): Promise<ApiResult<ActivateAnswer>> {
  return callService('POST', `${ADMIN}/policy/candidate/promote`, identity, body, isActivateAnswer);
}

export function rollBack(identity: Identity, body: RollbackBody): Promise<ApiResult<RollbackAnswer>> {
  return callService('POST', `${ADMIN}/policy/rollback`, identity, body, isRollbackAnswer);
}

// ---- rollout --------------------------------------------------------------------------------------------------

export function setFlag(identity: Identity, body: SetFlagBody): Promise<ApiResult<FlagAnswer>> {
  return callService('PUT', `${ADMIN}/flag`, identity, body, isFlagAnswer);
}

export function getPosture(identity: Identity): Promise<ApiResult<PostureAnswer>> {
  return callService('GET', `${ADMIN}/posture`, identity, undefined, isPostureAnswer);
}

export function getPostureHistory(identity: Identity): Promise<ApiResult<PostureHistoryAnswer>> {
  return callService('GET', `${ADMIN}/posture/history`, identity, undefined, isPostureHistory);
}

export function getAdmins(identity: Identity): Promise<ApiResult<AdminsAnswer>> {
  return callService('GET', `${ADMIN}/admins`, identity, undefined, isAdminsAnswer);
}

// ---- delegations ----------------------------------------------------------------------------------------------

/** Every window, ended and revoked ones too: the page shows the history. */
export function getDelegations(identity: Identity): Promise<ApiResult<DelegationListAnswer>> {
  return callService('GET', `${ADMIN}/delegations`, identity, undefined, isDelegationList, { all: 'true' });
}

export function addDelegation(identity: Identity, body: DelegationBody): Promise<ApiResult<DelegationWriteAnswer>> {
  return callService('POST', `${ADMIN}/delegations`, identity, body, isDelegationWrite);
}

/** A DELETE carries no body: its key and version travel in the signed query. */
export function endDelegation(
  identity: Identity, id: string, guard: { idempotencyKey: string; expectedVersion: number },
): Promise<ApiResult<DelegationWriteAnswer>> {
  return callService('DELETE', `${ADMIN}/delegations/${encodeURIComponent(id)}`, identity, undefined, isDelegationWrite, {
    idempotencyKey: guard.idempotencyKey, expectedVersion: String(guard.expectedVersion),
  });
}

// ---- incidents ------------------------------------------------------------------------------------------------

export function getIncidents(identity: Identity, state: 'open' | 'resolved' | 'all'): Promise<ApiResult<IncidentListAnswer>> {
  return callService('GET', `${ADMIN}/incidents`, identity, undefined, isIncidentList, { state });
}

export function getIncident(identity: Identity, id: string): Promise<ApiResult<IncidentPacketAnswer>> {
  return callService('GET', `${ADMIN}/incidents/${encodeURIComponent(id)}`, identity, undefined, isIncidentPacket);
}

export function resolveIncident(identity: Identity, id: string, body: ResolveIncidentBody): Promise<ApiResult<ResolveIncidentAnswer>> {
  return callService('POST', `${ADMIN}/incidents/${encodeURIComponent(id)}/resolve`, identity, body, isResolveAnswer);
}

// ---- the scorecard --------------------------------------------------------------------------------------------

/** The period is [from, to): dates (midnight UTC) or ISO instants. */
export function getScorecard(identity: Identity, period: { from: string; to: string }): Promise<ApiResult<ScorecardAnswer>> {
  return callService('GET', '/api/v1/scorecard', identity, undefined, isScorecard, { from: period.from, to: period.to });
}

export function getTargets(identity: Identity): Promise<ApiResult<TargetsAnswer>> {
  return callService('GET', `${ADMIN}/scorecard/targets`, identity, undefined, isTargetsAnswer);
}

export function setTargets(identity: Identity, body: SetTargetsBody): Promise<ApiResult<TargetsAnswer>> {
  return callService('PUT', `${ADMIN}/scorecard/targets`, identity, body, isTargetsAnswer);
}

export function getBaseline(identity: Identity): Promise<ApiResult<BaselineAnswer>> {
  return callService('GET', `${ADMIN}/scorecard/baseline`, identity, undefined, isBaselineAnswer);
}

export function setBaseline(identity: Identity, body: SetBaselineBody): Promise<ApiResult<BaselineAnswer>> {
  return callService('POST', `${ADMIN}/scorecard/baseline`, identity, body, isBaselineAnswer);
}

// ---- notification channels ------------------------------------------------------------------------------------

export function getNotificationSettings(identity: Identity): Promise<ApiResult<NotificationSettingsView>> {
  return callService('GET', `${ADMIN}/notifications`, identity, undefined, isNotificationSettings);
}

export function setNotificationChannels(identity: Identity, body: SetChannelsBody): Promise<ApiResult<NotificationSettingsView>> {
  return callService('PUT', `${ADMIN}/notifications`, identity, body, isNotificationSettings);
}

export function getSlackConnection(identity: Identity): Promise<ApiResult<SlackConnectionView>> {
  return callService('GET', `${ADMIN}/slack`, identity, undefined, isSlackConnection);
}

// ---- shape checks: enough to refuse an answer that is not ours, not a second schema ----------------------------

const isPolicyOverview = (v: unknown): v is PolicyOverview => isObject(v) && typeof v.featureFlag === 'string' && Array.isArray(v.versions);
const isValidateAnswer = (v: unknown): v is ValidateAnswer => isObject(v) && typeof v.valid === 'boolean' && Array.isArray(v.problems);
const isSimulationAnswer = (v: unknown): v is SimulationAnswer => isObject(v) && isObject(v.result) && isObject(v.unroutableDeals);
const isSaveAnswer = (v: unknown): v is SaveAnswer => isObject(v) && isObject(v.version) && typeof v.created === 'boolean';
const isGateStatus = (v: unknown): v is GateStatus => isObject(v) && typeof v.passed === 'boolean' && Array.isArray(v.steps);
const isActivateAnswer = (v: unknown): v is ActivateAnswer => isObject(v) && isObject(v.version) && typeof v.changed === 'boolean';
const isStageAnswer = (v: unknown): v is StageAnswer => isObject(v) && isObject(v.candidate);
const isCandidateSummary = (v: unknown): v is CandidateSummary => isObject(v) && isObject(v.candidate) && isObject(v.disagreements);
const isRollbackAnswer = (v: unknown): v is RollbackAnswer => isObject(v) && isObject(v.active) && isObject(v.previous);
const isFlagAnswer = (v: unknown): v is FlagAnswer => isObject(v) && typeof v.flag === 'string' && typeof v.version === 'number';
const isPostureAnswer = (v: unknown): v is PostureAnswer => isObject(v) && typeof v.posture === 'string' && Array.isArray(v.reasons);
const isPostureHistory = (v: unknown): v is PostureHistoryAnswer => isObject(v) && Array.isArray(v.transitions);
const isAdminsAnswer = (v: unknown): v is AdminsAnswer => isObject(v) && Array.isArray(v.listed) && Array.isArray(v.superAdmins);
const isDelegationList = (v: unknown): v is DelegationListAnswer => isObject(v) && typeof v.scope === 'string' && Array.isArray(v.delegations);
const isDelegationWrite = (v: unknown): v is DelegationWriteAnswer => isObject(v) && isObject(v.delegation) && typeof v.version === 'number';
const isIncidentList = (v: unknown): v is IncidentListAnswer => isObject(v) && Array.isArray(v.incidents);
const isIncidentPacket = (v: unknown): v is IncidentPacketAnswer => isObject(v) && typeof v.id === 'string' && 'packet' in v;
const isScorecard = (v: unknown): v is ScorecardAnswer => isObject(v) && isObject(v.totals) && isObject(v.cycle);
const isResolveAnswer = (v: unknown): v is ResolveIncidentAnswer => isObject(v) && isObject(v.incident) && typeof v.changed === 'boolean';
const isTargetsAnswer = (v: unknown): v is TargetsAnswer => isObject(v) && typeof v.version === 'number' && isObject(v.targets);
const isBaselineAnswer = (v: unknown): v is BaselineAnswer => isObject(v) && typeof v.version === 'number' && 'baseline' in v;
const isNotificationSettings = (v: unknown): v is NotificationSettingsView => isObject(v) && typeof v.version === 'number' && isObject(v.channels);
const isSlackConnection = (v: unknown): v is SlackConnectionView => isObject(v) && typeof v.connected === 'boolean' && typeof v.version === 'number';
