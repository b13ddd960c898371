-- The first round trip of a disbursement decision's transaction, as one function call:
--   1. the idempotency key's advisory lock (held until the transaction ends; not taken: another
--      transaction is deciding the same key),
--   2. the stored answer for the key, if any,
--   3. the project's row lock, which serialises the decisions of one project,
--   4. after the lock: the project (with its contractor's NPP and BPJS's registration row), its
--      APPROVED unvoided stages and its roster version.
-- A VOLATILE function takes a fresh snapshot for each statement it runs (READ COMMITTED), so what
-- it reads after the lock includes everything committed while it waited, exactly like separate
-- statements sent after the lock, without their round trips while the project is locked.
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
  RETURN json_build_object(
    'locked', true,
    'project', (
      SELECT json_build_object(
        'id', p.id, 'code', p.code, 'opdCode', p.opd_code, 'startDate', p.start_date::text,
        'contractValue', p.contract_value::text, 'vatPercent', p.vat_percent::text,
        'bpjsRegistrationNumber', p.bpjs_registration_number, 'bpjsPremiumPaid', p.bpjs_premium_paid::text,
        'contractorEmployerNpp', c.bpjs_employer_number, 'regFound', r.found, 'regStatus', r.status,
        'regPremiumPaid', r.premium_paid::text, 'regVerifiedAtMs', (extract(epoch from r.verified_at) * 1000)::float8)
      FROM projects p JOIN contractors c ON c.id = p.contractor_id
        LEFT JOIN project_registrations r ON r.registration_number = p.bpjs_registration_number
      WHERE p.id = v_project),
    'approvals', (
      SELECT coalesce(json_agg(json_build_object('stage', s.stage, 'valueDate', s.value_date) ORDER BY s.value_date, s.stage), '[]'::json)
      FROM approved_stages s WHERE s.project_id = v_project),
    'version', coalesce((SELECT v.version::text FROM project_roster_versions v WHERE v.project_id = v_project), '0'));
END;
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gerbang_begin_decision(bigint, text, text, uuid, text) TO gerbang_app;
