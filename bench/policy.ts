// `npx tsx bench/policy.ts`: how long reading and checking a policy takes at the schema's limits, since the service
// does it on its request thread (the validate and save endpoints). A generated policy sits at every count limit at
// once (read from YAML, then its schema and semantic checks alone); a second document, as dense as YAML gets at the
// byte limit, shows the most the YAML parser can be made to spend.
// It prints figures; it never fails on a time.
import { Document, isMap, isScalar, isSeq, parse } from 'yaml';
import { parsePolicy, validatePolicy } from '../src/index.js';
import { POLICY_LIMITS } from '../src/policy/limits.js';

const L = POLICY_LIMITS;
const RUNS = 9;

/** A valid policy with every list, count and depth at its limit, as a person would write it in YAML. */
function policyAtEveryLimit(): string {
  const values = (prefix: string) => Array.from({ length: L.listItems }, (_, i) => `${prefix}${i}`);
  const step = (id: string) => ({ id, approvers: { role: 'm', fallback: ['desk@a.co'] }, mode: 'quorum', quorum: 1, slaHours: 1.5 });
  let deep: unknown = { property: 'region', exists: true };
  for (let level = 1; level < L.conditionDepth; level++) deep = level % 2 ? { all: [deep] } : { any: [deep] };
  const routes: unknown[] = [
    { id: 'deep', when: deep, steps: Array.from({ length: L.stepsPerRoute }, (_, s) => step(`s${s}`)) },
    { id: 'tier', when: { property: 'tier', in: values('v') }, steps: [step('s')] },
  ];
  let conditions = L.conditionDepth + 1;
  const left = L.routes - routes.length - 1;
  for (let r = 0; r < left; r++) {
    const size = Math.floor((L.conditions - conditions - 1) / (left - r));
    const tests = Array.from({ length: size - 1 }, (_, k) => ({ property: `a${r}`, equals: `${k}` }));
    routes.push({ id: `r${r}`, when: { any: tests }, ...(r % 10 === 0 ? { steps: [step('s')] } : { autoApprove: true }) });
    conditions += size;
  }
  routes.push({ id: 'auto', when: { always: true }, autoApprove: true });
  const doc = new Document({
    name: 'At every limit',
    scoring: { factors: Array.from({ length: L.factors }, (_, f) => ({ id: `f${f}`, property: `p${f}`, bands: [{ from: 1, points: 1 }] })) },
    routes,
    roles: { m: { byTeam: Object.fromEntries(values('t').map((team, t) => [team, [`m${t}@a.co`]])), fallback: ['lead@a.co'] } },
    escalation: { to: { users: ['desk@a.co'] } },
  }, { aliasDuplicateObjects: false });
  // Small objects and lists of values in flow style, as the examples write steps and conditions.
  const flowSmall = (node: unknown): { height: number; items: number } => {
    if (!isSeq(node) && !isMap(node)) return { height: 0, items: 0 };
    const children = (isSeq(node) ? node.items : node.items.map((pair) => pair.value)).map(flowSmall);
    const height = 1 + Math.max(0, ...children.map((c) => c.height));
    const items = children.reduce((sum, c) => sum + c.items, node.items.length);
    node.flow = isSeq(node) ? node.items.every(isScalar) : height <= 3 && items <= 12;
    return { height, items };
  };
  flowSmall(doc.contents);
  return doc.toString({ lineWidth: 0 });
}

/** One flow list of one-character items up to the byte limit: the most YAML tokens a document can hold. */
function densestYaml(): string {
  const head = 'name: dense\nitems: [';
  return `${head}${'a,'.repeat((L.documentBytes - head.length - 2) / 2)}a]`;
}

function time(run: () => boolean): { first: number; median: number; ok: boolean } {
  const runs: number[] = [];
  let ok = false;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    ok = run();
    runs.push(performance.now() - start);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { first: runs[0]!, median: sorted[(RUNS - 1) / 2]!, ok };
}

const ms = (figure: { first: number; median: number }) => `${figure.median.toFixed(1)} ms (median; first run ${figure.first.toFixed(1)} ms)`;
const kib = (text: string) => (Buffer.byteLength(text) / 1024).toFixed(0);
const limits = `${L.routes} routes, ${L.stepsPerRoute} steps, ${L.factors} factors, ${L.conditions} conditions, ${L.listItems}-item lists, ${L.conditionDepth} levels`;
const atLimits = policyAtEveryLimit();
if (Buffer.byteLength(atLimits) > L.documentBytes) throw new Error(`the generated policy is ${kib(atLimits)} KiB, over the limit`);
const whole = time(() => parsePolicy(atLimits).ok);
if (!whole.ok) throw new Error(`the generated policy is not valid: ${JSON.stringify(parsePolicy(atLimits)).slice(0, 500)}`);
const read = parse(atLimits) as unknown;
const checked = time(() => validatePolicy(read).ok);
const dense = densestYaml();
const refused = time(() => parsePolicy(dense).ok);

console.log(`node ${process.version}, policies read and checked with parsePolicy, ${RUNS} runs each`);
console.log(`policy at every limit (${kib(atLimits)} KiB of YAML: ${limits}): read and validated in ${ms(whole)}; its schema and semantic checks alone ${ms(checked)}`);
console.log(`densest YAML at the ${L.documentBytes / 1024} KiB limit (${kib(dense)} KiB, one-character list items): refused in ${ms(refused)}`);
