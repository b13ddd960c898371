-- Policy version 2 reads two more inputs under the decision's project lock: BPJS's required premium
-- on the registration row (change 7) and the sum of the project's APPROVED, unvoided amounts
-- (change 12, judged under the same serialisation as the stage rule; a void deletes the
-- approved_stages row). Migration 0014's function otherwise; gerbang_begin_decision calls it.
CREATE OR REPLACE FUNCTION gerbang_decision_inputs(p_project uuid)
RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'project', json_build_object(
      'id', p.id, 'code', p.code, 'opdCode', p.opd_code, 'startDate', p.start_date::text,
      'contractValue', p.contract_value::text, 'vatPercent', p.vat_percent::text,
      'bpjsRegistrationNumber', p.bpjs_registration_number, 'bpjsPremiumPaid', p.bpjs_premium_paid::text,
      'contractorEmployerNpp', c.bpjs_employer_number, 'regFound', r.found, 'regStatus', r.status,
      'regPremiumPaid', r.premium_paid::text, 'regPremiumRequired', r.premium_required::text,
      'regVerifiedAtMs', (extract(epoch from r.verified_at) * 1000)::float8),
    'approvals', (
      SELECT coalesce(json_agg(json_build_object('stage', s.stage, 'valueDate', s.value_date) ORDER BY s.value_date, s.stage), '[]'::json)
      FROM approved_stages s WHERE s.project_id = p.id),
    'approvedTotal', (
      SELECT coalesce(sum(d.amount), 0)::text FROM approved_stages s JOIN disbursements d ON d.id = s.disbursement_id
      WHERE s.project_id = p.id),
    'version', coalesce((SELECT v.version::text FROM project_roster_versions v WHERE v.project_id = p.id), '0'),
    'valueDateLimit', (coalesce(p.maintenance_end_date, p.end_date) + 365)::text)
  FROM projects p JOIN contractors c ON c.id = p.contractor_id
    LEFT JOIN project_registrations r ON r.registration_number = p.bpjs_registration_number
  WHERE p.id = p_project
$$;
