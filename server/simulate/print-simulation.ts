// The simulation as text for a terminal (control characters in it escaped): input problems first (skipped rows, unmapped columns), then each
// policy's routes, steps, approver load and data quality, then what changes between the two.
import type { BadRow } from '../../src/simulate/export-rows.js';
import { outcomeName, type PolicyRun, type SimulationResult } from '../../src/simulate/simulate-policies.js';
import { terminalLine } from '../terminal-text.js';
import type { ReadExport } from './read-export-file.js';

export interface SimulationReport extends SimulationResult {
  input: {
    file: string;
    format: ReadExport['format'];
    rows: number;
    deals: number;
    badRows: BadRow[];
    columns: ReadExport['columns'];
    ignoredColumns: string[];
    warnings: string[];
    unresolvedOwners: ReadExport['unresolvedOwners'];
    /** Properties each policy reads that no column provides. */
    missingProperties: { baseline: string[]; candidate: string[] };
    directory: string | null;
    at: string;
  };
  history: { file: string; samples: number; badRows: BadRow[] } | null;
}

const lineOf = (bad: BadRow) => (bad.endLine === undefined ? `line ${bad.line}` : `lines ${bad.line}–${bad.endLine}`);
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const hours = (h: number | null) => (h === null ? '—' : `${h.toFixed(1)} h`);
const pad = (text: string, width: number) => (text.length >= width ? `${text} ` : text.padEnd(width));

export function printSimulation(report: SimulationReport, options: { limit: number }): string {
  const out: string[] = [];
  const { input } = report;
  out.push(`Simulated ${input.deals} deals from ${input.file} (${input.format}, ${input.rows} rows${input.badRows.length ? `, ${input.badRows.length} skipped` : ''}) at ${input.at}`);
  if (input.columns.length) out.push(`Columns: ${input.columns.map((c) => `"${c.label}" → ${c.property}`).join(', ')}`);
  if (input.ignoredColumns.length) out.push(`Ignored columns (map them with --map 'Label=property'): ${input.ignoredColumns.map((c) => `"${c}"`).join(', ')}`);
  for (const warning of input.warnings) out.push(`Warning: ${warning}`);
  if (input.badRows.length) {
    out.push('', `Skipped rows (${input.badRows.length}):`);
    for (const bad of input.badRows) out.push(`  ${lineOf(bad)}: ${bad.problem}`);
  }
  if (input.unresolvedOwners.length) {
    out.push('', `Deal owners not found in the directory${input.directory ? '' : ' (no --directory given)'}; their deals route without an owner team:`);
    for (const owner of input.unresolvedOwners.slice(0, 10)) out.push(`  "${owner.value}": ${owner.deals} deal${owner.deals === 1 ? '' : 's'}`);
    if (input.unresolvedOwners.length > 10) out.push(`  … and ${input.unresolvedOwners.length - 10} more`);
  }
  if (report.history) {
    out.push('', `History: ${report.history.samples} decided steps from ${report.history.file}${report.history.badRows.length ? `, ${report.history.badRows.length} skipped` : ''}`);
    for (const bad of report.history.badRows) out.push(`  ${lineOf(bad)}: ${bad.problem}`);
  }
  if (report.baseline) out.push('', ...printRun('Baseline', report.baseline, input.missingProperties.baseline));
  out.push('', ...printRun(report.baseline ? 'Candidate' : 'Policy', report.candidate, input.missingProperties.candidate));
  if (report.diff) {
    const d = report.diff;
    out.push('', `== Changes, baseline → candidate: ${d.routeChanged} of ${d.compared} deals change route, ${d.scoreChanged} change score, ${d.unchanged} unchanged`);
    for (const t of d.transitions) out.push(`  ${pad(`${t.from} → ${t.to}`, 44)}${String(t.deals).padStart(6)}`);
    if (d.changes.length) {
      const shown = d.changes.slice(0, options.limit);
      out.push(`  Deals${d.changes.length > shown.length ? ` (first ${shown.length} of ${d.changes.length}; --json lists all, --limit shows more)` : ''}:`);
      for (const c of shown) {
        out.push(`    ${pad(c.id, 12)}${pad(c.name ? `"${c.name}"` : '', 40)}${outcomeName(c.baseline)} (${c.baseline.score}) → ${outcomeName(c.candidate)} (${c.candidate.score})`);
      }
    }
  }
  // Names, labels, ids and values come from the export, the policy and the directory: none may drive the terminal.
  return out.map(terminalLine).join('\n');
}

function printRun(title: string, run: PolicyRun, missing: string[]): string[] {
  const out = [`== ${title}: "${run.name}" (${run.hash.slice(0, 12)}), ${run.deals} deals; score mean ${run.score.mean ?? '—'}, p50 ${run.score.p50 ?? '—'}, p90 ${run.score.p90 ?? '—'}`];
  if (missing.length) out.push(`  No column provides ${missing.join(', ')}: every deal scores ${missing.length === 1 ? 'it' : 'them'} as missing.`);
  const withCycle = run.routes.some((r) => r.cycle !== null);
  out.push(`  Routes:${withCycle ? ' '.repeat(50) + 'est. cycle p50 (p90)' : ''}`);
  for (const r of run.routes) {
    const name = r.outcome === 'routed' ? r.routeId ?? '' : r.outcome === 'auto_approved' ? `${r.routeId ?? ''} (auto-approved)` : outcomeName({ routeId: r.routeId, outcome: r.outcome, score: 0 });
    const cycle = r.cycle ? `${hours(r.cycle.p50Hours)} (${hours(r.cycle.p90Hours)})${r.cycle.complete ? '' : ` — no history for ${r.cycle.steps.filter((s) => s.basis === 'none').map((s) => s.step).join(', ')}`}` : '';
    out.push(`    ${pad(name, 30)}${pad(r.label ?? '', 28)}${String(r.deals).padStart(6)} ${pct(r.share).padStart(6)}  ${cycle}`.trimEnd());
  }
  if (run.expectedHoursPerDeal !== null) out.push(`  Expected approval time per deal: ${hours(run.expectedHoursPerDeal)} (auto-approved count as 0)`);
  if (run.steps.length) {
    out.push('  Steps:');
    for (const s of run.steps) out.push(`    ${pad(`${s.routeId}/${s.stepId}`, 30)}${pad(s.label ?? '', 28)}${String(s.deals).padStart(6)}`);
  }
  if (run.unroutable.length) {
    out.push('  Unroutable:');
    for (const u of run.unroutable) out.push(`    ${String(u.deals).padStart(6)}  ${u.reason}`);
  }
  if (run.approverLoad.length) {
    out.push('  Approver load (deals that would wait on each):');
    for (const a of run.approverLoad) out.push(`    ${pad(a.approver, 34)}${String(a.requests).padStart(6)}  ${a.steps.map((s) => `${s.routeId}/${s.stepId} ${s.deals}`).join(', ')}`);
  }
  const issues = run.dataQuality.filter((q) => q.unparsable || q.notListed || q.missing);
  if (issues.length) {
    out.push('  Values that scored nothing (labels where the policy lists internal values show here):');
    for (const q of issues) {
      const parts = [q.missing && `${q.missing} missing`, q.unparsable && `${q.unparsable} unparsable`, q.notListed && `${q.notListed} not listed`].filter(Boolean).join(', ');
      out.push(`    ${pad(`${q.factorId} (${q.property})`, 40)}${parts}${q.examples.length ? `: ${q.examples.map((e) => `"${e.value}" ${e.deals}`).join(', ')}` : ''}`);
    }
  }
  return out;
}
