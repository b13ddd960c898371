-- Migration 0012's gerbang_decision_inputs, plus `valueDateLimit`: the latest valueDate a decision may
-- have (contract 2.8: the project's maintenanceEndDate, or endDate, plus 365 days), read in the same
-- statement as the rest so the check costs no extra round trip.
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
    'version', coalesce((SELECT v.version::text FROM project_roster_versions v WHERE v.project_id = p.id), '0'),
    'valueDateLimit', (coalesce(p.maintenance_end_date, p.end_date) + 365)::text)
  FROM projects p JOIN contractors c ON c.id = p.contractor_id
    LEFT JOIN project_registrations r ON r.registration_number = p.bpjs_registration_number
  WHERE p.id = p_project
$$;
