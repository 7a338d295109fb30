// The public API of the pure core: policy language, scoring, routing, lifecycle and hashing.
export { ENGINE_VERSION, canonicalJson, hashJson, sha256Hex } from './hash.js';
export { addHours, formatInstant, parseInstant } from './time.js';
export { compareToThreshold, compileThreshold, isDecimal, type Threshold } from './decimal.js';
export { DealSchema, OWNER_PROPERTY, PIPELINE_PROPERTY, STAGE_PROPERTY, readProperty, type Deal } from './deal.js';
export {
  DelegationSchema, DirectorySchema, DirectoryUserSchema,
  type Delegation, type Directory, type DirectoryUser,
} from './directory/schema.js';
export { EmailAddress, isEmailAddress, normaliseEmail } from './directory/email.js';
export {
  ApproverSourceSchema, ConditionSchema, FactorSchema, PolicySchema, RouteSchema, StepSchema,
  type ApproverSource, type Condition, type Factor, type Policy, type Role, type Route, type Step,
} from './policy/schema.js';
export { parsePolicy, validatePolicy, type PolicyResult } from './policy/parse-policy.js';
export { formatPath, type PolicyProblem } from './policy/problem.js';
export { policyJsonSchema } from './policy/json-schema.js';
export { compilePolicy, routeDeal, scoreDeal, type CompiledPolicy } from './policy/compile-policy.js';
export type { FactorStatus, FactorTrace, ScoreResult } from './scoring/types.js';
export type { ConditionTrace } from './routing/condition-trace.js';
export type {
  OwnerTrace, ResolutionEntry, ResolutionStatus, ResolutionTier, ResolvedStep, RouteOptions, RouteOutcome,
  RouteResult, RouteTrial, StepMode,
} from './routing/types.js';
export { evaluate, hashPolicy, serialiseOutput, type EvaluationInput, type EvaluationOutput } from './evaluate.js';
export { autoApprove, request, type AutoApproveCommand, type RequestCommand } from './lifecycle/request.js';
export { decide, type DecideCommand } from './lifecycle/decide.js';
export { expire, invalidate, isDue, withdraw } from './lifecycle/close.js';
export { escalate } from './lifecycle/escalate.js';
export { assessChange, type ApprovedSnapshot, type ChangeAssessment } from './lifecycle/assess-change.js';
export type {
  ApprovalEvent, ApprovalState, ApprovalStatus, Decision, StepState, StepStatus, TransitionError,
  TransitionErrorCode, TransitionResult,
} from './lifecycle/types.js';
export { renderCondition, renderEvaluation, renderRoute, renderScore } from './explain/render-explanation.js';
