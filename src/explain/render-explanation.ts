// Renders an evaluation as plain text for people: the CLI prints it, and the service can put it in a
// note on the deal. Pure, so the same evaluation always reads the same.
import type { EvaluationOutput } from '../evaluate.js';
import type { ConditionTrace } from '../routing/condition-trace.js';
import type { ResolvedStep, RouteResult } from '../routing/types.js';
import type { FactorTrace, ScoreResult } from '../scoring/types.js';

export function renderEvaluation(output: EvaluationOutput, title?: string): string {
  const lines: string[] = [];
  if (title) lines.push(title);
  lines.push(...renderScore(output.score), '', ...renderRoute(output.route), '');
  lines.push(`policy ${output.policyHash.slice(0, 12)} · input ${output.inputHash.slice(0, 12)} · output ${output.outputHash.slice(0, 12)} · ${output.engineVersion}`);
  return lines.join('\n');
}

export function renderScore(score: ScoreResult): string[] {
  const clamped = score.total === score.score ? '' : ` (factors sum to ${score.total}, clamped)`;
  const rows = score.factors.map((f) => [f.id, f.value === null ? `${f.property} (no value)` : `${f.property} = ${JSON.stringify(f.value)}`, describeFactor(f), signed(f.points)]);
  return [`Score ${score.score}/100${clamped}`, ...table(rows).map((row) => `  ${row}`)];
}

function describeFactor(f: FactorTrace): string {
  switch (f.status) {
    case 'scored': return f.band === null ? 'listed value' : `band from ${f.band}`;
    case 'below_bands': return 'below every band';
    case 'not_listed': return 'value not listed';
    case 'missing': return 'missing: scores 0';
    case 'unparsable': return 'not a plain decimal: scores 0';
  }
}

export function renderRoute(route: RouteResult): string[] {
  const lines = [`Route ${route.routeId === null ? '(none)' : `"${route.routeId}"`}: every route tried in order, first match wins`];
  lines.push(...table(route.tried.map((t) => [t.routeId, t.matched ? 'matched' : 'no', renderCondition(t.condition)])).map((row) => `  ${row}`));
  const owner = route.owner;
  lines.push(`Owner: ${owner.email ?? '(unknown)'}${owner.ownerId ? ` (owner id ${owner.ownerId}${owner.primaryTeam ? `, team ${owner.primaryTeam}` : ''})` : ''}${owner.note ? ` (${owner.note})` : ''}`);
  lines.push(`Requester: ${route.requester ?? '(not given)'}`);
  const outcome = route.outcome;
  if (outcome.kind === 'auto_approved') lines.push('Outcome: auto-approved, no approval needed');
  else if (outcome.kind === 'unroutable') lines.push(`Outcome: UNROUTABLE: ${outcome.reason}`);
  else lines.push(`Outcome: routed, ${outcome.steps.length} step${outcome.steps.length === 1 ? '' : 's'}`);
  const steps = outcome.kind === 'auto_approved' ? [] : outcome.steps;
  steps.forEach((step, i) => lines.push(...renderStep(step, i)));
  return lines;
}

function renderStep(step: ResolvedStep, i: number): string[] {
  const need = step.mode === 'any' ? 'any one' : step.mode === 'all' ? 'all' : `${step.required} of ${step.approvers.length}`;
  const head = `  ${i + 1}. ${step.id}${step.label ? ` (${step.label})` : ''}: ${need} must approve, SLA ${step.slaHours}h: ${step.approvers.join(', ') || '(nobody)'}`;
  const rows = step.resolution.map((r) => [
    r.email ?? '(nobody)',
    r.status,
    `via ${r.via}${r.tier === 'primary' ? '' : ` [${r.tier.replace('_', ' ')}]`}`,
    r.note ?? '',
  ]);
  return [head, ...table(rows).map((row) => `       ${row}`)];
}

export function renderCondition(c: ConditionTrace): string {
  const mark = c.result ? '✓' : '✗';
  switch (c.op) {
    case 'always': return 'always ✓';
    case 'all':
    case 'any': return `${c.op}[${c.of.map(renderCondition).join(', ')}] ${mark}`;
    case 'not': return `not(${renderCondition(c.of)}) ${mark}`;
    case 'score': return `score ${c.test} (${c.score}) ${mark}`;
    case 'property': {
      const value = c.value === null ? 'no value' : JSON.stringify(c.value);
      return `${c.property} ${c.test} (${value}${c.problem === 'unparsable' ? ', not a decimal' : ''}) ${mark}`;
    }
  }
}

function signed(points: number): string {
  return points > 0 ? `+${points}` : String(points);
}

/** Left-aligned columns, trailing spaces trimmed. */
function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}
