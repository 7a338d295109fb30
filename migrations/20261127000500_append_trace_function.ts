// Appending a trace in one round trip: the chain head is locked, the next row hashed and inserted, and the head
// moved inside the database, so the per-portal lock is held for microseconds rather than four network round trips.
// The hash is the same formula as src/trace-hash.ts (sha256 of prev hash, newline, canonical record), which
// `verify` recomputes in TypeScript: the caller passes the canonical record with "seq":0 last, and the function
// puts the real seq in its place.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION append_trace(
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
      INSERT INTO trace_heads (portal_id, seq, hash) VALUES (p_portal, 0, repeat('0', 64)) ON CONFLICT (portal_id) DO NOTHING;
      SELECT h.seq + 1, h.hash INTO v_seq, v_prev FROM trace_heads h WHERE h.portal_id = p_portal FOR UPDATE;
      v_hash := encode(sha256(convert_to(v_prev || E'\\n' || left(p_template, -2) || v_seq::text || '}', 'UTF8')), 'hex');
      INSERT INTO traces (portal_id, seq, kind, request_id, deal_id, input, output, policy_hash, input_hash, engine_version, occurred_at, prev_hash, hash)
        VALUES (p_portal, v_seq, p_kind, p_request, p_deal, p_input, p_output, p_policy_hash, p_input_hash, p_engine, p_occurred, v_prev, v_hash);
      UPDATE trace_heads SET seq = v_seq, hash = v_hash WHERE portal_id = p_portal;
      RETURN QUERY SELECT v_seq, v_hash;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS append_trace(bigint, text, uuid, text, text, text, text, text, text, text, text)');
}
