// The commit that appends a staged trace holds the portal's chain head until the commit ends, and a commit that waits
// for the disk ends only after its WAL is flushed: every append of the portal waited for that flush as well. The
// trigger now lets its transaction's commit return before the flush, and the service reads the answer back in a
// statement that does wait for the disk (store/idempotency.ts): WAL is flushed in order, so that flush makes the
// action durable before its answer leaves, and the head is no longer held across it.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION append_staged_trace() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v_hash text;
    BEGIN
      SELECT a.trace_hash INTO v_hash FROM append_trace(NEW.portal_id, NEW.kind, NEW.request_id, NEW.deal_id, NEW.input, NEW.output,
        NEW.policy_hash, NEW.input_hash, NEW.engine_version, NEW.occurred_at, NEW.template) a;
      UPDATE idempotency_keys
        SET status = NEW.answer_status, response = left(NEW.answer_body, -1) || ',"traceHash":' || to_json(v_hash)::text || '}'
        WHERE portal_id = NEW.portal_id AND key = NEW.answer_key;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'append_staged_trace: no idempotency key % in portal %', NEW.answer_key, NEW.portal_id;
      END IF;
      DELETE FROM trace_staged WHERE id = NEW.id;
      PERFORM set_config('synchronous_commit', 'off', true);
      RETURN NULL;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION append_staged_trace() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v_hash text;
    BEGIN
      SELECT a.trace_hash INTO v_hash FROM append_trace(NEW.portal_id, NEW.kind, NEW.request_id, NEW.deal_id, NEW.input, NEW.output,
        NEW.policy_hash, NEW.input_hash, NEW.engine_version, NEW.occurred_at, NEW.template) a;
      UPDATE idempotency_keys
        SET status = NEW.answer_status, response = left(NEW.answer_body, -1) || ',"traceHash":' || to_json(v_hash)::text || '}'
        WHERE portal_id = NEW.portal_id AND key = NEW.answer_key;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'append_staged_trace: no idempotency key % in portal %', NEW.answer_key, NEW.portal_id;
      END IF;
      DELETE FROM trace_staged WHERE id = NEW.id;
      RETURN NULL;
    END $$;
  `);
}
