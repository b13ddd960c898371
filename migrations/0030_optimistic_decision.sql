-- Decisions in one statement when the application's view of the project is current (issue 10).
-- An index for the latest approval on or before a date, then the check that guards the statement.
CREATE INDEX "approved_stages_project_value_date_idx" ON "approved_stages" USING btree ("project_id","value_date" DESC NULLS FIRST,"stage");
--> statement-breakpoint
-- The approved total in PL/pgSQL, whose plan each connection keeps: as a SQL function with a FROM
-- clause it could not be inlined and was planned on every call, half of gerbang_decision_inputs'
-- time (0.076 of 0.138 ms per call on a project without approvals).
CREATE OR REPLACE FUNCTION gerbang_approved_total(p_project uuid)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT coalesce(sum(coalesce(s.amount, (SELECT d.amount FROM disbursements d WHERE d.id = s.disbursement_id))), 0)::bigint
    FROM approved_stages s WHERE s.project_id = p_project);
END;
$$;
--> statement-breakpoint
-- The latest approval of a project, with the request's own approval counted when p_stage is being
-- approved now (p_value_date then its value date): what a process remembers of the project for its
-- next decision (disbursements/decision-state.ts). Ties go to the first stage, as in
-- gerbang_decision_inputs.
CREATE OR REPLACE FUNCTION gerbang_latest_approval(p_project uuid, p_stage text, p_value_date date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (
    SELECT json_build_object('stage', a.stage, 'valueDate', a.value_date)
    FROM (
      (SELECT s.stage, s.value_date FROM approved_stages s WHERE s.project_id = p_project ORDER BY s.value_date DESC, s.stage LIMIT 1)
      UNION ALL
      SELECT p_stage, p_value_date WHERE p_stage IS NOT NULL AND p_value_date IS NOT NULL
    ) a
    ORDER BY a.value_date DESC, a.stage LIMIT 1);
END;
$$;
--> statement-breakpoint
-- A decision in one statement (disbursements/decide.ts): the application evaluated the request on
-- the inputs it expects (p_expected: gerbang_decision_inputs' document, as remembered from the
-- project's last decision or read just before), and this function, called first in the statement
-- that stores the decision, says whether that statement may write:
--   * without p_expected, a read: whether another request holds the key (its advisory lock, let go
--     at once), the stored answer for the key, or the project's inputs and its latest approval (no
--     row lock: the write checks again);
--   * with it: the key's advisory lock (locked false: another request holds it), the stored answer
--     for the key, the project's row lock, and the inputs read after the lock. Only when they equal
--     p_expected (jsonb equality) and no webhook subscribes to the decision (its delivery jobs
--     need the transaction that decideInTransaction opens) is ok true: the statement's inserts and
--     audit append then run, under the same locks, and commit without waiting for the WAL flush.
--     Otherwise nothing is written and the answer carries what to do instead (the inputs as they
--     are now, to evaluate again).
-- p_approve_amount (the request's amount, when its decision approves) gives `after`, what the
-- project looks like once this decision commits: its approved total and latest approval.
CREATE OR REPLACE FUNCTION gerbang_decision_check(p_lock bigint, p_sub text, p_key text, p_project_id uuid, p_project_code text,
  p_stage text, p_value_date date, p_expected jsonb, p_approve_amount bigint, p_event text)
RETURNS json LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_idem json;
  v_project uuid;
  v_opd text;
  v_inputs json;
BEGIN
  IF NOT pg_try_advisory_xact_lock(p_lock) THEN
    RETURN json_build_object('locked', false);
  END IF;
  SELECT json_build_object('requestSha256', k.request_sha256, 'disbursementId', k.disbursement_id) INTO v_idem
    FROM idempotency_keys k WHERE k.sub = p_sub AND k.key = p_key;
  IF v_idem IS NOT NULL THEN
    RETURN json_build_object('locked', true, 'idem', v_idem);
  END IF;
  IF p_expected IS NULL THEN
    IF p_project_id IS NOT NULL THEN
      SELECT p.id INTO v_project FROM projects p WHERE p.id = p_project_id;
    ELSE
      SELECT p.id INTO v_project FROM projects p WHERE p.code = p_project_code;
    END IF;
  ELSE
    SELECT p.id, p.opd_code INTO v_project, v_opd FROM projects p WHERE p.id = p_project_id FOR UPDATE;
  END IF;
  IF v_project IS NULL THEN
    RETURN json_build_object('locked', true);
  END IF;
  v_inputs := gerbang_decision_inputs(v_project, p_stage, p_value_date);
  IF p_expected IS NULL OR v_inputs::jsonb IS DISTINCT FROM p_expected THEN
    RETURN json_build_object('locked', true, 'inputs', v_inputs, 'latest', gerbang_latest_approval(v_project, NULL, NULL));
  END IF;
  IF EXISTS (SELECT 1 FROM webhooks w WHERE w.deleted_at IS NULL AND w.disabled_at IS NULL AND p_event = ANY (w.events)
      AND (w.opd_code IS NULL OR w.opd_code = v_opd)) THEN
    RETURN json_build_object('locked', true, 'subscribed', true);
  END IF;
  PERFORM set_config('synchronous_commit', 'off', true);
  RETURN json_build_object('locked', true, 'ok', true, 'after', json_build_object(
    'approvedTotal', ((v_inputs->>'approvedTotal')::bigint + coalesce(p_approve_amount, 0))::text,
    'latest', gerbang_latest_approval(v_project,
      CASE WHEN p_approve_amount IS NULL THEN NULL ELSE p_stage END, CASE WHEN p_approve_amount IS NULL THEN NULL ELSE p_value_date END)));
END;
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gerbang_latest_approval(uuid, text, date) TO gerbang_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gerbang_decision_check(bigint, text, text, uuid, text, text, date, jsonb, bigint, text) TO gerbang_app;
