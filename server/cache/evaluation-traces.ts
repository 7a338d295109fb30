// The trace rows of evaluations, by input hash: traces are append-only (the database refuses UPDATE and DELETE) and
// an input hash names what was evaluated, so a row once read answers for that input for good, in every process.
// Only rows read back are kept, never one this process has just appended: a preview's append does not wait for the
// disk, and a Postgres crash could still take it back. Beside them, the hashes of the policy and directory documents
// this process has stored (each in a statement that waits for the disk): a document is named by its hash and never
// removed, so one stored is not written again, and a new evaluation neither serialises nor sends it.
import type { AppendedTrace } from '../store/traces.js';

export class EvaluationTraceCache {
  readonly #rows = new Map<string, AppendedTrace>();
  readonly #documents = new Set<string>();
  readonly #limit: number;

  constructor(limit = 50_000) {
    this.#limit = limit;
  }

  get(portalId: string, inputHash: string): AppendedTrace | undefined {
    return this.#rows.get(`${portalId}:${inputHash}`);
  }

  /** Keeps a row read from the database; past the limit the oldest goes first. */
  keep(portalId: string, inputHash: string, row: AppendedTrace): void {
    if (this.#rows.size >= this.#limit) this.#rows.delete(this.#rows.keys().next().value as string);
    this.#rows.set(`${portalId}:${inputHash}`, row);
  }

  /** Whether this process stored the document with this hash. */
  documentStored(hash: string): boolean {
    return this.#documents.has(hash);
  }

  /** Notes a document this process has stored; past the limit the oldest goes first. */
  keepDocument(hash: string): void {
    if (this.#documents.size >= this.#limit) this.#documents.delete(this.#documents.values().next().value as string);
    this.#documents.add(hash);
  }
}
