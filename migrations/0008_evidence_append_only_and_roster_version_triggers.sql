-- Decision evidence is history like the decisions that name it: never changed or removed.
DROP TRIGGER IF EXISTS decision_evidence_append_only ON decision_evidence;
--> statement-breakpoint
CREATE TRIGGER decision_evidence_append_only BEFORE UPDATE OR DELETE ON decision_evidence
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS decision_evidence_no_truncate ON decision_evidence;
--> statement-breakpoint
CREATE TRIGGER decision_evidence_no_truncate BEFORE TRUNCATE ON decision_evidence
  FOR EACH STATEMENT EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
GRANT SELECT, INSERT ON decision_evidence TO gerbang_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON decision_evidence FROM gerbang_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON project_roster_versions TO gerbang_app;
--> statement-breakpoint
-- Roster versions: any committed change to a project's assignments, or to the membership of a NIK
-- on any of its assignments, bumps the project's version in the same transaction, so a cache keyed
-- by the version never serves rows older than the database's. Statement-level triggers with
-- transition tables cost one statement per import, not one per row. Rows are bumped in project_id
-- order so concurrent writers take the row locks in the same order.
CREATE OR REPLACE FUNCTION gerbang_bump_roster_versions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE project_roster_versions SET version = version + 1;
  ELSIF TG_TABLE_NAME = 'assignments' THEN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO project_roster_versions AS v (project_id, version)
        SELECT DISTINCT project_id, 1 FROM new_rows ORDER BY project_id
        ON CONFLICT (project_id) DO UPDATE SET version = v.version + 1;
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO project_roster_versions AS v (project_id, version)
        SELECT project_id, 1 FROM (SELECT project_id FROM new_rows UNION SELECT project_id FROM old_rows) c ORDER BY project_id
        ON CONFLICT (project_id) DO UPDATE SET version = v.version + 1;
    ELSE
      INSERT INTO project_roster_versions AS v (project_id, version)
        SELECT DISTINCT project_id, 1 FROM old_rows ORDER BY project_id
        ON CONFLICT (project_id) DO UPDATE SET version = v.version + 1;
    END IF;
  ELSE -- memberships: every project with an assignment (current or past) for a changed NIK
    IF TG_OP = 'INSERT' THEN
      INSERT INTO project_roster_versions AS v (project_id, version)
        SELECT DISTINCT a.project_id, 1 FROM assignments a JOIN new_rows n ON n.nik = a.nik ORDER BY 1
        ON CONFLICT (project_id) DO UPDATE SET version = v.version + 1;
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO project_roster_versions AS v (project_id, version)
        SELECT DISTINCT a.project_id, 1 FROM assignments a
          JOIN (SELECT nik FROM new_rows UNION SELECT nik FROM old_rows) n ON n.nik = a.nik ORDER BY 1
        ON CONFLICT (project_id) DO UPDATE SET version = v.version + 1;
    ELSE
      INSERT INTO project_roster_versions AS v (project_id, version)
        SELECT DISTINCT a.project_id, 1 FROM assignments a JOIN old_rows o ON o.nik = a.nik ORDER BY 1
        ON CONFLICT (project_id) DO UPDATE SET version = v.version + 1;
    END IF;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS assignments_roster_version_ins ON assignments;
--> statement-breakpoint
CREATE TRIGGER assignments_roster_version_ins AFTER INSERT ON assignments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gerbang_bump_roster_versions();
--> statement-breakpoint
DROP TRIGGER IF EXISTS assignments_roster_version_upd ON assignments;
--> statement-breakpoint
CREATE TRIGGER assignments_roster_version_upd AFTER UPDATE ON assignments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gerbang_bump_roster_versions();
--> statement-breakpoint
DROP TRIGGER IF EXISTS assignments_roster_version_del ON assignments;
--> statement-breakpoint
CREATE TRIGGER assignments_roster_version_del AFTER DELETE ON assignments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gerbang_bump_roster_versions();
--> statement-breakpoint
DROP TRIGGER IF EXISTS assignments_roster_version_trunc ON assignments;
--> statement-breakpoint
CREATE TRIGGER assignments_roster_version_trunc AFTER TRUNCATE ON assignments
  FOR EACH STATEMENT EXECUTE FUNCTION gerbang_bump_roster_versions();
--> statement-breakpoint
DROP TRIGGER IF EXISTS memberships_roster_version_ins ON memberships;
--> statement-breakpoint
CREATE TRIGGER memberships_roster_version_ins AFTER INSERT ON memberships
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gerbang_bump_roster_versions();
--> statement-breakpoint
DROP TRIGGER IF EXISTS memberships_roster_version_upd ON memberships;
--> statement-breakpoint
CREATE TRIGGER memberships_roster_version_upd AFTER UPDATE ON memberships
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gerbang_bump_roster_versions();
--> statement-breakpoint
DROP TRIGGER IF EXISTS memberships_roster_version_del ON memberships;
--> statement-breakpoint
CREATE TRIGGER memberships_roster_version_del AFTER DELETE ON memberships
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gerbang_bump_roster_versions();
--> statement-breakpoint
DROP TRIGGER IF EXISTS memberships_roster_version_trunc ON memberships;
--> statement-breakpoint
CREATE TRIGGER memberships_roster_version_trunc AFTER TRUNCATE ON memberships
  FOR EACH STATEMENT EXECUTE FUNCTION gerbang_bump_roster_versions();
