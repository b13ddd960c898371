-- A decision reads only the approvals the policy reads (policy/period.ts approvalsFor): those of
-- its own stage and the first of those with the latest value date on or before its own. Reading
-- all of them (json_agg with its sort) made the decision's first statement grow with every stage
-- paid: 0.7 ms of database CPU at a few approvals, 3.3 ms at a thousand. The approved total
-- (gerbang_approved_total, also read by an override's approval) sums approved_stages.amount
-- (migration 0028), reading the decision only for a row without it.
CREATE OR REPLACE FUNCTION gerbang_approved_total(p_project uuid)
RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(coalesce(s.amount, (SELECT d.amount FROM disbursements d WHERE d.id = s.disbursement_id))), 0)::bigint
  FROM approved_stages s WHERE s.project_id = p_project
$$;
--> statement-breakpoint
-- gerbang_decision_inputs(project, stage, value date): migration 0026's document with those
-- approvals; with a NULL value date, every approval (the one-argument form, for the compliance
-- read and the forecast, is that). In PL/pgSQL, whose plans each connection keeps: as a SQL
-- function it was planned on every call, which cost about as much as running it.
CREATE OR REPLACE FUNCTION gerbang_decision_inputs(p_project uuid, p_stage text, p_value_date date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (
    SELECT json_build_object(
      'project', json_build_object(
        'id', p.id, 'code', p.code, 'opdCode', p.opd_code, 'startDate', p.start_date::text,
        'contractValue', p.contract_value::text, 'vatPercent', p.vat_percent::text,
        'bpjsRegistrationNumber', p.bpjs_registration_number, 'bpjsPremiumPaid', p.bpjs_premium_paid::text,
        'contractorEmployerNpp', c.bpjs_employer_number, 'regFound', r.found, 'regStatus', r.status,
        'regPremiumPaid', r.premium_paid::text, 'regPremiumRequired', r.premium_required::text,
        'regVerifiedAtMs', (extract(epoch from r.verified_at) * 1000)::float8),
      'approvals', (
        SELECT coalesce(json_agg(json_build_object('stage', a.stage, 'valueDate', a.value_date) ORDER BY a.value_date, a.stage), '[]'::json)
        FROM (
          SELECT s.stage, s.value_date FROM approved_stages s WHERE s.project_id = p.id AND p_value_date IS NULL
          UNION ALL
          SELECT s.stage, s.value_date FROM approved_stages s WHERE s.project_id = p.id AND p_value_date IS NOT NULL AND s.stage = p_stage
          UNION
          (SELECT s.stage, s.value_date FROM approved_stages s WHERE s.project_id = p.id AND p_value_date IS NOT NULL AND s.value_date <= p_value_date
           ORDER BY s.value_date DESC, s.stage LIMIT 1)
        ) a),
      'approvedTotal', gerbang_approved_total(p.id)::text,
      'version', coalesce((SELECT v.version::text FROM project_roster_versions v WHERE v.project_id = p.id), '0'),
      'valueDateLimit', (coalesce(p.maintenance_end_date, p.end_date) + 365)::text)
    FROM projects p JOIN contractors c ON c.id = p.contractor_id
      LEFT JOIN project_registrations r ON r.registration_number = p.bpjs_registration_number
    WHERE p.id = p_project);
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION gerbang_decision_inputs(p_project uuid)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN gerbang_decision_inputs(p_project, NULL, NULL);
END;
$$;
--> statement-breakpoint
-- gerbang_begin_decision with the request's stage and value date, and the project found by id or by
-- code in two statements, each on its index (migration 0012's single statement with an OR of both
-- scanned the table). The five-argument form stays for processes of the previous release during a
-- rolling upgrade.
CREATE OR REPLACE FUNCTION gerbang_begin_decision(p_lock bigint, p_sub text, p_key text, p_project_id uuid, p_project_code text,
  p_stage text, p_value_date date)
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
  IF p_project_id IS NOT NULL THEN
    SELECT p.id INTO v_project FROM projects p WHERE p.id = p_project_id FOR UPDATE;
  ELSE
    SELECT p.id INTO v_project FROM projects p WHERE p.code = p_project_code FOR UPDATE;
  END IF;
  IF v_project IS NULL THEN
    RETURN json_build_object('locked', true);
  END IF;
  RETURN json_build_object('locked', true, 'inputs', gerbang_decision_inputs(v_project, p_stage, p_value_date));
END;
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gerbang_approved_total(uuid) TO gerbang_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gerbang_decision_inputs(uuid, text, date) TO gerbang_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gerbang_decision_inputs(uuid) TO gerbang_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gerbang_begin_decision(bigint, text, text, uuid, text, text, date) TO gerbang_app;
