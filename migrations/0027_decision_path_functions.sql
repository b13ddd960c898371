-- The audit append as PL/pgSQL, whose plans each connection keeps: the statement it replaces was
-- parsed and planned again on every request (an unnamed statement with a recursive CTE), which
-- cost about as much database CPU as running it. (The decision's first statement follows in
-- migration 0029.)
--
-- 1. A webhook notification (webhooks/repository.ts): the event row, only when some live endpoint
-- subscribed to its type (and OPD), and the ids of those endpoints.
CREATE OR REPLACE FUNCTION gerbang_record_webhook_event(p_id uuid, p_type text, p_opd text, p_data jsonb, p_at timestamptz)
RETURNS text[] LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_targets text[];
BEGIN
  SELECT coalesce(array_agg(w.id::text), '{}') INTO v_targets FROM webhooks w
    WHERE w.deleted_at IS NULL AND w.disabled_at IS NULL AND p_type = ANY (w.events)
      AND (w.opd_code IS NULL OR w.opd_code = p_opd);
  IF cardinality(v_targets) > 0 THEN
    INSERT INTO webhook_events (id, type, opd_code, data, created_at) VALUES (p_id, p_type, p_opd, p_data, p_at);
  END IF;
  RETURN v_targets;
END;
$$;
--> statement-breakpoint
-- 2. One audit event appended (audit/append.ts): under the head's lock, the event's seq, its hash
-- and its Merkle leaf, computed here from the canonical JSON the caller made of everything else,
-- so that no round trip and no wait for the application's event loop falls between taking the
-- chain's lock and committing. The event's RFC 8785 text is
--   p_pre || ',"prevHash":"' || prev || p_post || seq || '}'
-- (the keys after entityType are prevHash, requestId and seq; p_post holds requestId), and the
-- leaf's, with the hash, p_pre || ',"hash":"' || hash || '","prevHash":"' || prev || p_post || seq || '}'.
-- Then the head, the leaf and, when given, the webhook notification (p_notice_seq_key names a
-- top-level key of its data that takes the event's seq). Returns seq, prevHash, hash and the
-- notification's recipients.
-- The leaf (index seq - 1) is stored only when the tree reaches the previous leaf: while the
-- start-up catch-up (tree-backfill.ts) is behind, it takes the event in order under the same lock.
-- A leaf already stored at that index (the head moved back by hand over deleted events) is kept,
-- and a missing sibling leaves a NULL that the NOT NULL column refuses: never a gap.
CREATE OR REPLACE FUNCTION gerbang_append_audit(
  p_pre text, p_post text, p_at timestamptz, p_actor jsonb, p_action text, p_entity_type text, p_entity_id text,
  p_data jsonb, p_request_id text,
  p_notice_id uuid, p_notice_type text, p_notice_opd text, p_notice_data jsonb, p_notice_at timestamptz, p_notice_seq_key text)
RETURNS json LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_seq bigint;
  v_prev text;
  v_hash text;
  v_leaf bytea;
  v_targets text[] := '{}';
BEGIN
  SELECT h.seq + 1, h.hash INTO v_seq, v_prev FROM audit_head h WHERE h.id = 1 FOR UPDATE;
  IF v_seq IS NULL THEN
    RAISE EXCEPTION 'audit_head is missing: migrations not applied';
  END IF;
  v_hash := encode(sha256(convert_to(p_pre || ',"prevHash":"' || v_prev || p_post || v_seq::text || '}', 'UTF8')), 'hex');
  v_leaf := sha256('\x00'::bytea
    || convert_to(p_pre || ',"hash":"' || v_hash || '","prevHash":"' || v_prev || p_post || v_seq::text || '}', 'UTF8'));
  INSERT INTO audit_events (seq, at, actor, action, entity_type, entity_id, data, request_id, prev_hash, hash)
    VALUES (v_seq, p_at, p_actor, p_action, p_entity_type, p_entity_id, p_data, p_request_id, v_prev, v_hash);
  UPDATE audit_head SET seq = v_seq, hash = v_hash WHERE id = 1;
  WITH RECURSIVE up (level, k, h) AS (
    SELECT 0, v_seq - 1, v_leaf
    UNION ALL
    SELECT up.level + 1, up.k / 2,
           sha256('\x01'::bytea
             || (SELECT substring(t.hashes FROM up.level * 32 + 1 FOR 32) FROM audit_tree t
                 WHERE t.leaf_index = up.k * (1::bigint << up.level) - 1)
             || up.h)
    FROM up WHERE up.k % 2 = 1
  )
  INSERT INTO audit_tree (leaf_index, hashes)
  SELECT v_seq - 1, CASE WHEN count(*) = count(h) THEN string_agg(h, ''::bytea ORDER BY level) END FROM up
  HAVING v_seq = 1 OR EXISTS (SELECT 1 FROM audit_tree WHERE leaf_index = v_seq - 2)
  ON CONFLICT (leaf_index) DO NOTHING;
  IF p_notice_type IS NOT NULL THEN
    v_targets := gerbang_record_webhook_event(p_notice_id, p_notice_type, p_notice_opd,
      CASE WHEN p_notice_seq_key IS NULL THEN p_notice_data ELSE jsonb_set(p_notice_data, ARRAY[p_notice_seq_key], to_jsonb(v_seq)) END,
      p_notice_at);
  END IF;
  RETURN json_build_object('seq', v_seq, 'prevHash', v_prev, 'hash', v_hash, 'targets', v_targets);
END;
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gerbang_record_webhook_event(uuid, text, text, jsonb, timestamptz) TO gerbang_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gerbang_append_audit(text, text, timestamptz, jsonb, text, text, text, jsonb, text, uuid, text, text, jsonb, timestamptz, text) TO gerbang_app;
