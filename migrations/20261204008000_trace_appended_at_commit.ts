// An action's trace is appended as its transaction commits. The portal's chain head is a lock every append of the
// portal waits for, held to the end of the holder's transaction; taken in the middle of an action, it was held across
// the round trip that returns the statement's answer to the service and brings back its COMMIT, which under load is
// most of the time the lock is held. A row staged in `trace_staged` fires a deferred trigger at COMMIT, which appends
// the trace and stores the action's idempotent answer with the trace's hash: the head is held only from then to the
// end of the commit. That commit does not wait for its WAL to reach the disk, so the head is not held across the
// flush either; the service reads the answer back in a statement that does wait (store/idempotency.ts), and WAL is
// flushed in order, so the action is durable before its answer leaves.
//
// append_trace() also locks an existing head first and inserts one only when there is none: the insert's conflict
// check waits for the head's holder as the lock does, so every append waited twice.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION append_trace(
      p_portal bigint, p_kind text, p_request uuid, p_deal text, p_input text, p_output text, p_policy_hash text,
      p_input_hash text, p_engine text, p_occurred text, p_template text
    ) RETURNS TABLE (trace_seq bigint, trace_hash text) LANGUAGE plpgsql AS $$
    DECLARE
      v_seq bigint;
      v_prev text;
      v_hash text;
    BEGIN
      IF right(p_template, 9) <> ',"seq":0}' THEN
        RAISE EXCEPTION 'append_trace: the template must end with ,"seq":0}';
      END IF;
      SELECT h.seq + 1, h.hash INTO v_seq, v_prev FROM trace_heads h WHERE h.portal_id = p_portal FOR UPDATE;
      IF NOT FOUND THEN
        INSERT INTO trace_heads (portal_id, seq, hash) VALUES (p_portal, 0, repeat('0', 64)) ON CONFLICT (portal_id) DO NOTHING;
        SELECT h.seq + 1, h.hash INTO v_seq, v_prev FROM trace_heads h WHERE h.portal_id = p_portal FOR UPDATE;
      END IF;
      v_hash := encode(sha256(convert_to(v_prev || E'\\n' || left(p_template, -2) || v_seq::text || '}', 'UTF8')), 'hex');
      INSERT INTO traces (portal_id, seq, kind, request_id, deal_id, input, output, policy_hash, input_hash, engine_version, occurred_at, prev_hash, hash)
        VALUES (p_portal, v_seq, p_kind, p_request, p_deal, p_input, p_output, p_policy_hash, p_input_hash, p_engine, p_occurred, v_prev, v_hash);
      UPDATE trace_heads SET seq = v_seq, hash = v_hash WHERE portal_id = p_portal;
      RETURN QUERY SELECT v_seq, v_hash;
    END $$;
  `);
  // Rows live only inside their transaction: the trigger deletes each as it appends it.
  await knex.raw(`
    CREATE TABLE trace_staged (
      id bigserial PRIMARY KEY,
      portal_id bigint NOT NULL,
      kind text NOT NULL,
      request_id uuid,
      deal_id text,
      input text NOT NULL,
      output text NOT NULL,
      policy_hash text,
      input_hash text,
      engine_version text NOT NULL,
      occurred_at text NOT NULL,
      template text NOT NULL,
      answer_key text NOT NULL,
      answer_status integer NOT NULL,
      answer_body text NOT NULL
    )
  `);
  await knex.raw(`
    CREATE FUNCTION append_staged_trace() RETURNS trigger LANGUAGE plpgsql AS $$
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
  await knex.raw(`
    CREATE CONSTRAINT TRIGGER trace_staged_append_at_commit AFTER INSERT ON trace_staged
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION append_staged_trace()
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS trace_staged');
  await knex.raw('DROP FUNCTION IF EXISTS append_staged_trace()');
}
