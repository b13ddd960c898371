-- What a decision (and the compliance dry run) is evaluated from, written once: the project as the
-- policy needs it (with its contractor's NPP and BPJS's registration row; `ProjectHead` in
-- src/disbursements/repository.ts), its APPROVED unvoided stages and its roster version. NULL when
-- there is no such project. STABLE: it reads with the snapshot of the statement that calls it, so
-- gerbang_begin_decision's call (after the project lock) sees everything committed before the lock.
CREATE OR REPLACE FUNCTION gerbang_decision_inputs(p_project uuid)
RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'project', json_build_object(
      'id', p.id, 'code', p.code, 'opdCode', p.opd_code, 'startDate', p.start_date::text,
      'contractValue', p.contract_value::text, 'vatPercent', p.vat_percent::text,
      'bpjsRegistrationNumber', p.bpjs_registration_number, 'bpjsPremiumPaid', p.bpjs_premium_paid::text,
      'contractorEmployerNpp', c.bpjs_employer_number, 'regFound', r.found, 'regStatus', r.status,
      'regPremiumPaid', r.premium_paid::text, 'regVerifiedAtMs', (extract(epoch from r.verified_at) * 1000)::float8),
    'approvals', (
      SELECT coalesce(json_agg(json_build_object('stage', s.stage, 'valueDate', s.value_date) ORDER BY s.value_date, s.stage), '[]'::json)
      FROM approved_stages s WHERE s.project_id = p.id),
    'version', coalesce((SELECT v.version::text FROM project_roster_versions v WHERE v.project_id = p.id), '0'))
  FROM projects p JOIN contractors c ON c.id = p.contractor_id
    LEFT JOIN project_registrations r ON r.registration_number = p.bpjs_registration_number
  WHERE p.id = p_project
$$;
--> statement-breakpoint
-- As in migration 0009, with the inputs read through the function above.
CREATE OR REPLACE FUNCTION gerbang_begin_decision(p_lock bigint, p_sub text, p_key text, p_project_id uuid, p_project_code text)
RETURNS json LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_idem json;
  v_project uuid;
BEGIN
  IF NOT pg_try_advisory_xact_lock(p_lock) THEN
    RETURN json_build_object('locked', false);
  END IF;
  SELECT json_build_object('requestSha256', k.request_sha256, 'disbursementId', k.disbursement_id) INTO v_idem
    FROM idempotency_keys k WHERE k.sub = p_sub AND k.key = p_key;
  IF v_idem IS NOT NULL THEN
    RETURN json_build_object('locked', true, 'idem', v_idem);
  END IF;
  SELECT p.id INTO v_project FROM projects p
    WHERE (p_project_id IS NOT NULL AND p.id = p_project_id) OR (p_project_id IS NULL AND p.code = p_project_code)
    FOR UPDATE;
  IF v_project IS NULL THEN
    RETURN json_build_object('locked', true);
  END IF;
  RETURN json_build_object('locked', true, 'inputs', gerbang_decision_inputs(v_project));
END;
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gerbang_decision_inputs(uuid) TO gerbang_app;
